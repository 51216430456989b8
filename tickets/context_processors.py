from . import roles


def user_roles(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"is_agent": roles.is_agent(user), "is_helpdesk_admin": roles.is_admin(user)}

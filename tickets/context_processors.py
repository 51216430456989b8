from . import powers, roles


def user_roles(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    # A callable: the template asks only where it draws the agents' menu.
    return {"is_agent": roles.is_agent(user), "is_helpdesk_admin": roles.is_admin(user),
            "may_configure": lambda: powers.may_configure(user)}

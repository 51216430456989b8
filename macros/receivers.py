"""The macros app's part in the ticket page (tickets.signals)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Macro
from .services import macro_apply


def reply_with_macro(sender, ticket, user, data, reply, **kwargs):
    """The reply form names a text module (the picker in the reply box chose one): send the reply
    with the module's changes. None when it names none, so the plain reply goes out."""
    raw = (data.get("macro") or "").strip()
    if not raw:
        return None
    macro = Macro.objects.filter(pk=int(raw)).select_related("set_category").first() if raw.isdigit() else None
    if macro is None:
        raise ValidationError(_("The chosen text module no longer exists."))
    return macro_apply(macro=macro, ticket=ticket, agent=user, body=reply["body"], attachments=reply["attachments"],
                       status=reply["status"] or None)


def queue_selection_action(sender, user, **kwargs) -> dict:
    """Send a text module on every ticked ticket of the queue."""
    from . import selectors

    return {"template": "macros/queue_selection.html", "macros": selectors.macro_choices(user)}

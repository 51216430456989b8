"""Mail facts on timeline events, told in the reader's language (see tickets.presenters)."""

from django.utils.translation import gettext as _


def describe_mail_event(event) -> str | None:
    data = event.data or {}
    if "bounce" in data:
        return _("Delivery failure reported by the recipient's mail server.")
    if "mail_failed" in data:
        return _("Our mail “%(subject)s” to %(to)s could not be delivered.") % {
            "subject": data["mail_failed"].get("subject", ""), "to": ", ".join(data["mail_failed"].get("to", []))}
    mail = data.get("mail")
    # An agent's answer by mail shows only its channel: the agent's own address is nobody's business.
    if not mail or "from" not in mail or data.get("author_role") == "agent":
        return None
    values = {"from": mail.get("from", ""), "to": ", ".join(mail.get("to", [])) or "–"}
    if mail.get("cc"):
        values["cc"] = ", ".join(mail["cc"])
        return _("By e-mail from %(from)s to %(to)s, copy to %(cc)s") % values
    return _("By e-mail from %(from)s to %(to)s") % values

"""The audit log of configuration changes (django-auditlog): who changed which tier, membership, SLA
policy, target, schedule, holiday, escalation rule, mailbox, group or permission, when, from what to what.
Entries are read in the admin (Audit log > Log entries). The middleware names the signed-in actor.

Mailbox passwords are logged as changed, never in clear (mask_secret); the mailbox's fetch status
(last fetch, last error), which changes on every poll, is left out."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group


def mask_secret(value: str) -> str:
    """A secret's old and new value in the log: that it was set, nothing of it."""
    return "********" if value else ""


SECRET_MASK = "privacy.auditing.mask_secret"


def register_configuration_models():
    from auditlog.registry import auditlog

    from escalation.models import BusinessInterval, EscalationRule, Holiday, Schedule, SlaPolicy, SlaTarget
    from mailchannel.models import Mailbox
    from tickets.models import Tier, TierMembership

    plain = [Tier, TierMembership, SlaTarget, BusinessInterval, Holiday, EscalationRule]
    for model in plain:
        if not auditlog.contains(model):
            auditlog.register(model)
    if not auditlog.contains(SlaPolicy):
        auditlog.register(SlaPolicy, m2m_fields={"categories", "organisations"})
    if not auditlog.contains(Schedule):
        auditlog.register(Schedule, exclude_fields=["updated_at"])
    if not auditlog.contains(Mailbox):
        auditlog.register(
            Mailbox,
            exclude_fields=["last_fetch_at", "last_success_at", "last_error", "last_error_at"],
            mask_fields=["imap_password", "smtp_password"], mask_callable=SECRET_MASK,
        )
    if not auditlog.contains(Group):
        auditlog.register(Group, m2m_fields={"permissions"})
    User = get_user_model()
    if not auditlog.contains(User):
        # Who is an admin and what each account may do; not the person's data (name, address, password).
        auditlog.register(User, include_fields=["is_active", "is_staff", "is_superuser"],
                          m2m_fields={"groups", "user_permissions"})

"""Every write to a ticket. Pages, the API, the admin and the Celery workers all come through here.

Each service runs in one transaction, locks the ticket row it changes (so two agents acting at once
cannot lose each other's change), records what happened as a TicketEvent and announces it with
`ticket_changed`. Mail goes out only after the transaction commits.

Bad input raises django.core.exceptions.ValidationError with a message for the person who sent it;
an action the actor may not take raises PermissionDenied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import filetypes, powers, roles
from .models import (
    CUSTOMER_CHANNELS,
    OPEN_STATUSES,
    Attachment,
    Category,
    Channel,
    Collaborator,
    EventKind,
    Organisation,
    Priority,
    Profile,
    Status,
    Ticket,
    TicketAction,
    TicketEvent,
    Tier,
)
from .signals import ticket_changed

User = get_user_model()

SUBJECT_MAX_LENGTH = Ticket._meta.get_field("subject").max_length
TEXT_MAX_LENGTH = 20000
REASON_MAX_LENGTH = 2000
# Collaborators a ticket may have: a mail with hundreds of Cc addresses must not copy them all in.
MAX_COLLABORATORS = 20
# Line breaks and other control characters in a subject would break every mail header built from it.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


# --- helpers ------------------------------------------------------------------------------------


def _next_reference() -> str:
    # A PostgreSQL sequence hands out numbers without races, even across many web and worker processes.
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('tickets_ticket_reference_seq')")
        number = cursor.fetchone()[0]
    return f"{settings.HELPDESK_REFERENCE_PREFIX}-{timezone.localdate():%Y}-{number:06d}"


def _lock(ticket: Ticket) -> Ticket:
    """Lock the row and bring the caller's instance up to date, so it never holds stale values.

    The rows it points to that the caller loaded (requester, tier, category...) are kept where the
    ticket still points to them: refresh_from_db would drop them and each be read again, once per
    ticket of a broadcast. Only the ticket row is locked; those were never fresher than the caller's."""
    loaded = {field: field.get_cached_value(ticket) for field in _TICKET_RELATIONS if field.is_cached(ticket)}
    ticket.refresh_from_db(from_queryset=Ticket.objects.select_for_update())
    for field, related in loaded.items():
        if getattr(ticket, field.attname) == (related.pk if related is not None else None):
            field.set_cached_value(ticket, related)
    return ticket


_TICKET_RELATIONS = [field for field in Ticket._meta.concrete_fields if field.is_relation]


def _stored_name(obj) -> str:
    """A tier's or category's name as events keep it: in the default language. Readers see it in
    theirs, looked up by id (tickets.presenters)."""
    with translation.override(settings.LANGUAGE_CODE):
        return obj.name


def _tier_ref(tier: Tier) -> dict:
    return {"id": tier.pk, "level": tier.level, "name": _stored_name(tier)}


def _user_ref(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


def _record(ticket, *, kind, actor, body="", is_public=True, data=None, files=(), channel=Channel.WEB) -> TicketEvent:
    if channel not in Channel.values:
        raise ValidationError(_("Unknown channel."))
    event = TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor, body=body, is_public=is_public, data=data or {}, channel=channel
    )
    for upload in files:
        Attachment.objects.create(
            ticket=ticket,
            event=event,
            file=upload,
            name=upload.name[:255],
            size=upload.size,
            content_type=filetypes.content_type_of(upload),  # from the bytes, not what the sender says
            content_id=(getattr(upload, "content_id", "") or "")[:255],
            uploaded_by=actor,
        )
    ticket_changed.send(sender=Ticket, ticket=ticket, event=event)
    return event


def _clean_text(value, *, field_label, max_length, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(_("%(field)s must not be empty.") % {"field": field_label})
    if len(value) > max_length:
        raise ValidationError(
            _("%(field)s may be at most %(max)d characters long (it has %(length)d).")
            % {"field": field_label, "max": max_length, "length": len(value)}
        )
    return value


def validate_attachments(files) -> list:
    """Refuse the whole request, before anything is written, if one file is too large or too many come."""
    files = list(files or ())
    if len(files) > settings.HELPDESK_MAX_ATTACHMENTS:
        limit = settings.HELPDESK_MAX_ATTACHMENTS
        raise ValidationError(
            ngettext("You can attach at most %(max)d file at a time.", "You can attach at most %(max)d files at a time.", limit)
            % {"max": limit}
        )
    limit = settings.HELPDESK_MAX_ATTACHMENT_BYTES
    for upload in files:
        if upload.size > limit:
            raise ValidationError(
                _("The file “%(name)s” is %(size)s; a file may be at most %(max)s.")
                % {"name": upload.name, "size": filesizeformat(upload.size), "max": filesizeformat(limit)}
            )
    return files


def _require_agent(actor) -> None:
    if actor is not None and not roles.is_agent(actor):
        raise PermissionDenied(_("Only agents can do this."))


def clean_subject(value) -> str:
    """A subject on one line: every entry point (portal, API, mail) stores it without control characters."""
    return " ".join(_CONTROL_CHARACTERS.sub(" ", value or "").split())


def is_participant(ticket: Ticket, user) -> bool:
    """The requester and the ticket's collaborators with an account take part in its conversation."""
    if ticket.requester_id == user.pk:
        return True
    return Collaborator.objects.filter(ticket=ticket, user=user).exists()


def _require_participant(ticket: Ticket, actor) -> None:
    if actor is None or roles.is_agent(actor):
        return
    if not is_participant(ticket, actor):
        raise PermissionDenied(_("You can only act on your own tickets."))


# --- people -------------------------------------------------------------------------------------


@transaction.atomic
def customer_register(*, email: str, password: str, first_name="", last_name="", language="de", organisation=None,
                      consent=False):
    if not consent:
        raise ValidationError(_("Please agree to the privacy notice to create an account."))
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists() or User.objects.filter(username__iexact=email).exists():
        raise ValidationError(_("An account with this e-mail address already exists."))
    user = User.objects.create_user(
        username=email, email=email, password=password, first_name=first_name, last_name=last_name
    )
    Profile.objects.create(user=user, language=language, organisation=organisation, privacy_consent_at=timezone.now())
    return user


@transaction.atomic
def customer_create_from_contact(*, email: str, name: str = "", language: str = "de", organisation=None):
    """A customer who wrote to us (or was named by an agent) before having an account: no password
    until they set one through the password-reset link."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise ValidationError(_("An account with this e-mail address already exists."))
    first_name, _sep, last_name = clean_subject(name).partition(" ")
    user = User(username=email, email=email, first_name=first_name[:150], last_name=last_name[:150])
    user.set_unusable_password()
    user.save()
    user.profile = Profile.objects.create(
        user=user, language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
        organisation=organisation,
    )
    return user


# One length per field, used by the services, the forms and the serializers alike.
CUSTOMER_NAME_MAX_LENGTH = 300  # first and last name together (150 each in the user table)
EMAIL_MAX_LENGTH = 254  # RFC 5321's longest forward path
PHONE_MAX_LENGTH = Profile._meta.get_field("phone").max_length
ORGANISATION_MAX_LENGTH = Organisation._meta.get_field("name").max_length
NOTES_MAX_LENGTH = Profile._meta.get_field("notes").max_length
PHONE_RE = re.compile(r"^\+?[0-9 ()/.\-]{3,%d}$" % PHONE_MAX_LENGTH)


def _clean_phone(phone: str) -> str:
    phone = " ".join((phone or "").split())
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(_("“%(phone)s” is not a phone number.") % {"phone": phone})
    return phone


def _organisation_named(name: str):
    name = _clean_text(clean_subject(name), field_label=_("Organisation"), max_length=ORGANISATION_MAX_LENGTH,
                       required=False)
    if not name:
        return None
    organisation = Organisation.objects.filter(name__iexact=name).first()
    return organisation or Organisation.objects.create(name=name)


class DuplicateCustomer(ValidationError):
    """The address belongs to a customer already: the message says so, `customer` is who it is."""

    def __init__(self, customer):
        super().__init__(_("A customer with this e-mail address already exists: %(name)s.")
                         % {"name": customer.get_full_name() or customer.email}, code="duplicate")
        self.customer = customer


@transaction.atomic
def customer_create(*, actor, name: str, email: str = "", phone: str = "", organisation: str = "",
                    language: str = "de"):
    """An agent adds a customer on the spot (a caller, a visitor): a name and an e-mail address or a
    phone number. No password: the customer sets one through the reset link if they ever log in."""
    _require_agent(actor)
    name = _clean_text(clean_subject(name), field_label=_("Name"), max_length=CUSTOMER_NAME_MAX_LENGTH)
    email = User.objects.normalize_email((email or "").strip()).lower()
    phone = _clean_phone(phone)
    if not email and not phone:
        raise ValidationError(_("Give an e-mail address or a phone number, so that we can reach the customer."))
    if email:
        if "@" not in email or len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError(_("“%(email)s” is not an e-mail address.") % {"email": email})
        existing = User.objects.filter(email__iexact=email).first() or User.objects.filter(username__iexact=email).first()
        if existing is not None:
            raise DuplicateCustomer(existing)
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    first_name, _sep, last_name = name.partition(" ")
    import secrets

    user = User(username=email or f"customer-{secrets.token_hex(8)}", email=email,
                first_name=first_name[:150], last_name=last_name[:150])
    user.set_unusable_password()
    user.save()
    Profile.objects.create(user=user, language=language, phone=phone, organisation=_organisation_named(organisation))
    return user


@transaction.atomic
def customer_update(*, actor, customer, name: str, email: str, phone: str = "", organisation: str = "",
                    language: str = "de", notes: str = ""):
    """An agent corrects a customer's contact data and keeps notes about them."""
    _require_agent(actor)
    if roles.is_agent(customer):
        raise PermissionDenied(_("Agents' accounts are changed in the administration."))
    name = _clean_text(clean_subject(name), field_label=_("Name"), max_length=CUSTOMER_NAME_MAX_LENGTH)
    email = User.objects.normalize_email((email or "").strip()).lower()
    phone = _clean_phone(phone)
    notes = _clean_text(notes, field_label=_("Notes"), max_length=NOTES_MAX_LENGTH, required=False)
    if not email and not phone:
        raise ValidationError(_("Give an e-mail address or a phone number, so that we can reach the customer."))
    if email and User.objects.filter(email__iexact=email).exclude(pk=customer.pk).exists():
        raise DuplicateCustomer(User.objects.filter(email__iexact=email).exclude(pk=customer.pk).first())
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    customer.first_name, _sep, customer.last_name = name.partition(" ")
    customer.email = email
    customer.save(update_fields=["first_name", "last_name", "email"])
    customer.profile, _created = Profile.objects.update_or_create(user=customer, defaults={
        "phone": phone, "language": language, "notes": notes, "organisation": _organisation_named(organisation)})
    return customer


def api_token_for(user):
    """The user's API token, or None if they have not created one."""
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).first()


@transaction.atomic
def api_token_renew(*, user):
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def profile_set_language(*, user, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    Profile.objects.update_or_create(user=user, defaults={"language": language})


# --- tickets ------------------------------------------------------------------------------------


@transaction.atomic
def ticket_create(
    *,
    requester,
    subject: str,
    description: str,
    category: Category | None = None,
    priority: int | None = None,
    attachments=(),
    actor=None,
    tier: Tier | None = None,
    channel: str = Channel.WEB,
    notify: bool = True,
    event_data: dict | None = None,
    solution: str = "",
) -> Ticket:
    """Register a case under a new reference, at the 1st level unless a `tier` is named (a mailbox may
    start its tickets elsewhere). `actor` is the agent filing on behalf of a customer; by default the
    requester files it themself. `notify=False` sends the requester no confirmation; `event_data`
    adds the entry point's facts (e.g. the mail's addresses) to the first event. A `solution` is the
    first-contact resolution: the agent solved the case while registering it (on the phone, at the
    desk), so the ticket is created solved with that answer, at the tier it was filed at.

    Only agents set the priority (customers' tickets start at normal: everyone's case would be urgent)
    and record a case that came by phone, in person or in a chat."""
    actor = actor or requester
    if actor.pk != requester.pk:
        _require_agent(actor)
    if priority is not None or channel not in CUSTOMER_CHANNELS:
        if not roles.is_agent(actor):
            raise PermissionDenied(_("Only agents can set the priority or record a call, a visit or a chat."))
    priority = Priority.NORMAL if priority is None else priority
    subject = _clean_text(clean_subject(subject), field_label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    description = _clean_text(description, field_label=_("Description"), max_length=TEXT_MAX_LENGTH)
    if category is not None and not category.is_active:
        raise ValidationError(_("This category is no longer in use; please choose another."))
    if priority not in Priority.values:
        raise ValidationError(_("Unknown priority."))
    files = validate_attachments(attachments)
    if tier is None:
        tier = Tier.objects.order_by("level").first()
        if tier is None:
            raise ValidationError(_("The helpdesk has no support tier yet; an admin must create one."))
    profile = Profile.objects.filter(user=requester).select_related("organisation").first()
    if profile is not None:
        requester.profile = profile  # the confirmation mail reads the requester's language from it
    ticket = Ticket.objects.create(
        reference=_next_reference(),
        subject=subject,
        description=description,
        requester=requester,
        organisation=profile.organisation if profile else None,
        category=category,
        priority=priority,
        status=Status.NEW,
        tier=tier,
        channel=channel,
    )
    data = {"tier": _tier_ref(tier), "priority": ticket.priority, **(event_data or {})}
    if not notify:
        data["silent"] = True
    _record(ticket, kind=EventKind.CREATED, actor=actor, body=description, files=files, data=data, channel=channel)
    if solution:
        if actor.pk == requester.pk or not roles.is_agent(actor):
            raise PermissionDenied(_("Only an agent filing for a customer can solve the case at once."))
        solution = _clean_text(solution, field_label=_("Solution"), max_length=TEXT_MAX_LENGTH)
        answer = {"author_role": "agent", "first_contact_resolution": True}
        if not notify:
            answer["silent"] = True
        _record(ticket, kind=EventKind.REPLY, actor=actor, body=solution, channel=channel, data=answer)
        # The answer itself tells the customer: the "solved" mail would say it a second time.
        _set_status(ticket, actor=actor, status=Status.SOLVED, channel=channel, silent=True)
    return ticket


@transaction.atomic
def ticket_file_for_customer(*, actor, customer=None, new_customer: dict | None = None, **ticket) -> Ticket:
    """The 1st level registers a case for a customer on the phone, at the desk or in a chat: the
    customer found (`customer`) or added on the spot (`new_customer`: the arguments of
    customer_create), then the ticket, in one transaction. `ticket` takes ticket_create's arguments
    (subject, description, category, priority, tier, channel, notify, solution, attachments)."""
    _require_agent(actor)
    if customer is None:
        if not new_customer:
            raise ValidationError(_("Choose the customer, or add a new one."))
        customer = customer_create(actor=actor, **new_customer)
    elif roles.is_agent(customer):
        raise ValidationError(_("Tickets are filed for customers, not for agents."))
    tier = ticket.get("tier")
    if tier is None:
        own = Tier.objects.filter(memberships__agent=actor).order_by("level").first()
        ticket["tier"] = own
    return ticket_create(requester=customer, actor=actor, **ticket)


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    author,
    body: str,
    attachments=(),
    status: str | None = None,
    channel: str = Channel.WEB,
    event_data: dict | None = None,
    reopen_closed: bool = False,
) -> Ticket:
    """A public message. The customer's reply reopens a ticket that waited for them or was solved
    (and a closed one where the entry point allows it, e.g. a mail within the reopening period); an
    agent's reply opens a new ticket and may set a status in the same step."""
    _require_participant(ticket, author)
    body = _clean_text(body, field_label=_("Reply"), max_length=TEXT_MAX_LENGTH)
    files = validate_attachments(attachments)
    ticket = _lock(ticket)
    by_agent = roles.is_agent(author)
    if by_agent:
        powers.require(author, TicketAction.REPLY, ticket)
    if ticket.status == Status.CLOSED and not (reopen_closed and not by_agent):
        raise ValidationError(_("This ticket is closed. Please open a new ticket."))
    if status and not by_agent:
        raise PermissionDenied(_("Only agents can set a status with a reply."))
    _record(
        ticket, kind=EventKind.REPLY, actor=author, body=body, files=files, channel=channel,
        data={"author_role": "agent" if by_agent else "customer", **(event_data or {})},
    )
    if by_agent:
        new_status = status or (Status.OPEN if ticket.status == Status.NEW else None)
    else:
        new_status = Status.OPEN if ticket.status in (Status.WAITING, Status.SOLVED, Status.CLOSED) else None
    if new_status and new_status != ticket.status:
        _set_status(ticket, actor=author, status=new_status, channel=channel)  # saves updated_at too
    else:
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return ticket


@transaction.atomic
def ticket_add_note(*, ticket: Ticket, author, body: str, attachments=(), channel: str = Channel.WEB,
                    event_data: dict | None = None) -> TicketEvent:
    """An internal note: every level reads it, the customer never does. `author` None is the system
    (e.g. the mail channel telling agents what it left out of a mail)."""
    _require_agent(author)
    body = _clean_text(body, field_label=_("Note"), max_length=TEXT_MAX_LENGTH)
    files = validate_attachments(attachments)
    ticket = _lock(ticket)
    powers.require(author, TicketAction.NOTE, ticket)
    event = _record(ticket, kind=EventKind.NOTE, actor=author, body=body, is_public=False, files=files,
                    channel=channel, data=event_data)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return event


@transaction.atomic
def ticket_add_collaborators(*, ticket: Ticket, actor, people, channel: str = Channel.WEB) -> list[Collaborator]:
    """Copy people into the ticket's conversation: `people` are (e-mail, name) pairs. Addresses it
    already has, the requester's own and those past MAX_COLLABORATORS are left out."""
    _require_participant(ticket, actor)
    ticket = _lock(ticket)
    if actor is not None and roles.is_agent(actor):
        powers.require(actor, TicketAction.REPLY, ticket)
    known = {email.lower() for email in ticket.collaborators.values_list("email", flat=True)}
    known.add((ticket.requester.email or "").lower())
    room = MAX_COLLABORATORS - (len(known) - 1)
    added = []
    for email, name in people:
        email = User.objects.normalize_email((email or "").strip()).lower()
        if not email or email in known or len(added) >= room:
            continue
        known.add(email)
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        added.append(Collaborator.objects.create(ticket=ticket, email=email, name=clean_subject(name)[:200], user=user))
    if added:
        event = _record(
            ticket, kind=EventKind.COLLABORATORS, actor=actor, is_public=False, channel=channel,
            data={"added": [{"email": c.email, "name": c.name} for c in added]},
        )
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=event.created_at)
    return added


CALL_DIRECTIONS = ("incoming", "outgoing")
CALL_MAX_MINUTES = 600


@transaction.atomic
def ticket_log_call(*, ticket: Ticket, actor, direction: str, summary: str, number: str = "", minutes: int = 0,
                    with_customer: bool = True) -> TicketEvent:
    """A phone call about the ticket, for the record: which way, which number, how long, what was
    said. Internal like a note; a call with the customer answers them as a reply would, where the
    SLA policy says so (escalation reads `with_customer`)."""
    _require_agent(actor)
    if direction not in CALL_DIRECTIONS:
        raise ValidationError(_("Say whether the call came in or went out."))
    if not 0 <= int(minutes) <= CALL_MAX_MINUTES:
        raise ValidationError(_("A call lasts between 0 and %(max)d minutes.") % {"max": CALL_MAX_MINUTES})
    summary = _clean_text(summary, field_label=_("What was said"), max_length=TEXT_MAX_LENGTH)
    number = _clean_phone(number)
    ticket = _lock(ticket)
    powers.require(actor, TicketAction.NOTE, ticket)
    event = _record(
        ticket, kind=EventKind.CALL, actor=actor, body=summary, is_public=False, channel=Channel.PHONE,
        data={"direction": direction, "number": number, "minutes": int(minutes), "with_customer": bool(with_customer)},
    )
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=event.created_at)
    return event


@dataclass(frozen=True)
class TicketActions:
    """What a user may do with a ticket now. Pages offer exactly these; the services below refuse
    the rest with the same rules (tests/tickets/test_actions.py holds the two together)."""

    reply: bool
    note: bool
    call: bool
    take: bool
    statuses: tuple[str, ...]
    escalate_to: object | None  # the next tier up (a TierOption of the reference lists), or None
    send_back_to: object | None  # the next tier down
    priority: bool = False
    category: bool = False
    assign: bool = False  # give the ticket to a member of its tier (take is offered apart)
    link_problem: bool = False  # link it to a problem (the problems app's panel)


def ticket_actions(ticket: Ticket, user) -> TicketActions:
    from .selectors import reference_lists  # the cached tiers and memberships, no query

    is_agent = roles.is_agent(user)
    lists = reference_lists()
    higher = [t for t in lists.tiers if t.level > ticket.tier.level]
    lower = [t for t in lists.tiers if t.level < ticket.tier.level]
    members = {pk for pk, _name in lists.agents_by_tier.get(ticket.tier_id, [])}
    movable = is_agent and ticket.is_open

    def may(action):
        return is_agent and powers.may(user, action, ticket.tier_id)

    return TicketActions(
        reply=ticket.status != Status.CLOSED and (may(TicketAction.REPLY) if is_agent else is_participant(ticket, user)),
        note=may(TicketAction.NOTE),
        call=may(TicketAction.NOTE),
        take=movable and ticket.assignee_id != user.pk and user.pk in members and may(TicketAction.ASSIGN),
        statuses=tuple(allowed_statuses(ticket, user)) if not is_agent or may(TicketAction.STATUS) else (),
        escalate_to=higher[0] if movable and higher and may(TicketAction.ESCALATE) else None,
        send_back_to=lower[-1] if movable and lower and may(TicketAction.SEND_BACK) else None,
        priority=may(TicketAction.PRIORITY),
        category=may(TicketAction.CATEGORY),
        assign=movable and may(TicketAction.ASSIGN),
        link_problem=may(TicketAction.LINK_PROBLEM),
    )


def allowed_statuses(ticket: Ticket, user) -> list[str]:
    """The statuses `user` may move `ticket` to from where it stands now."""
    if ticket.status == Status.CLOSED:
        return []
    if roles.is_agent(user):
        return [s for s in Status.values if s not in (Status.NEW, ticket.status)]
    if ticket.requester_id != user.pk:
        return []
    if ticket.status in OPEN_STATUSES:
        return [Status.SOLVED]
    if ticket.status == Status.SOLVED:
        return [Status.OPEN]
    return []


def _set_status(ticket: Ticket, *, actor, status: str, reason: str = "", channel: str = Channel.WEB,
                silent: bool = False) -> TicketEvent:
    old = ticket.status
    ticket.status = status
    if status == Status.SOLVED:
        ticket.solved_at = timezone.now()
    elif status in OPEN_STATUSES:
        ticket.solved_at = None
    ticket.save(update_fields=["status", "solved_at", "updated_at"])
    data = {"from": old, "to": status}
    if silent:
        data["silent"] = True
    return _record(ticket, kind=EventKind.STATUS, actor=actor, body=reason, channel=channel, data=data)


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, actor, status: str, reason: str = "", channel: str = Channel.WEB) -> Ticket:
    _require_participant(ticket, actor)
    if status not in Status.values:
        raise ValidationError(_("Unknown status."))
    reason = _clean_text(reason, field_label=_("Reason"), max_length=REASON_MAX_LENGTH, required=False)
    ticket = _lock(ticket)
    if actor is not None and roles.is_agent(actor):
        powers.require(actor, TicketAction.STATUS, ticket)
    if actor is not None and status not in allowed_statuses(ticket, actor):
        raise ValidationError(
            _("A ticket that is “%(current)s” cannot be set to “%(new)s”.")
            % {"current": Status(ticket.status).label, "new": Status(status).label}
        )
    _set_status(ticket, actor=actor, status=status, reason=reason, channel=channel)
    return ticket


@transaction.atomic
def ticket_change_priority(*, ticket: Ticket, actor, priority: int, reason: str = "") -> Ticket:
    _require_agent(actor)
    if priority not in Priority.values:
        raise ValidationError(_("Unknown priority."))
    reason = _clean_text(reason, field_label=_("Reason"), max_length=REASON_MAX_LENGTH, required=False)
    ticket = _lock(ticket)
    powers.require(actor, TicketAction.PRIORITY, ticket)
    if ticket.priority == priority:
        raise ValidationError(_("The ticket already has this priority."))
    old = ticket.priority
    ticket.priority = priority
    ticket.save(update_fields=["priority", "updated_at"])
    _record(
        ticket, kind=EventKind.PRIORITY, actor=actor, body=reason, is_public=False,
        data={"from": old, "to": priority},
    )
    return ticket


@transaction.atomic
def ticket_change_category(*, ticket: Ticket, actor, category: Category | None) -> Ticket:
    _require_agent(actor)
    if category is not None and not category.is_active:
        raise ValidationError(_("This category is no longer in use; please choose another."))
    ticket = _lock(ticket)
    powers.require(actor, TicketAction.CATEGORY, ticket)
    if ticket.category_id == (category.pk if category else None):
        raise ValidationError(_("The ticket is already in this category."))
    old = ticket.category
    ticket.category = category
    ticket.save(update_fields=["category", "updated_at"])
    _record(
        ticket, kind=EventKind.CATEGORY, actor=actor, is_public=False,
        data={"from": _stored_name(old) if old else None, "to": _stored_name(category) if category else None,
              "from_id": old.pk if old else None, "to_id": category.pk if category else None},
    )
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor, assignee) -> Ticket:
    """Give the ticket to a member of its current tier, or to nobody (back to the tier's queue)."""
    _require_agent(actor)
    ticket = _lock(ticket)
    powers.require(actor, TicketAction.ASSIGN, ticket)
    if not ticket.is_open:
        raise ValidationError(_("Only open tickets can be assigned."))
    if assignee is not None:
        if not assignee.is_active or not ticket.tier.memberships.filter(agent=assignee).exists():
            raise ValidationError(
                _("%(agent)s is not a member of %(tier)s and cannot take this ticket.")
                % {"agent": assignee.get_full_name() or assignee.get_username(), "tier": ticket.tier.name}
            )
    if ticket.assignee_id == (assignee.pk if assignee else None):
        raise ValidationError(_("The ticket is already assigned this way."))
    old = ticket.assignee
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    _record(
        ticket, kind=EventKind.ASSIGNMENT, actor=actor, is_public=False,
        data={"from": _user_ref(old), "to": _user_ref(assignee)},
    )
    return ticket


def ticket_take(*, ticket: Ticket, agent) -> Ticket:
    if not ticket.is_open:
        raise ValidationError(_("Only open tickets can be taken."))
    return ticket_assign(ticket=ticket, actor=agent, assignee=agent)


@transaction.atomic
def ticket_move_to_tier(*, ticket: Ticket, actor, to_tier: Tier, reason: str, automatic: dict | None = None) -> Ticket:
    """Move a ticket to another tier. The one path for manual escalation, sending back and the
    automatic escalation of the SLA workers (`automatic` then carries the rule and the breach)."""
    if automatic is None:
        _require_agent(actor)
        reason = _clean_text(reason, field_label=_("Reason"), max_length=REASON_MAX_LENGTH)
    ticket = _lock(ticket)
    if automatic is None:
        powers.require(actor, TicketAction.ESCALATE if to_tier.level > ticket.tier.level else TicketAction.SEND_BACK,
                       ticket)
    if not ticket.is_open:
        raise ValidationError(_("Only open tickets can move between tiers."))
    if to_tier.pk == ticket.tier_id:
        raise ValidationError(_("The ticket is already at %(tier)s.") % {"tier": to_tier.name})
    old_tier = ticket.tier
    old_assignee = ticket.assignee
    ticket.tier = to_tier
    # The person who had it may not work at the new level; the ticket then waits in the tier's queue.
    if old_assignee is not None and not to_tier.memberships.filter(agent=old_assignee).exists():
        ticket.assignee = None
    ticket.save(update_fields=["tier", "assignee", "updated_at"])
    data = {
        "from": _tier_ref(old_tier),
        "to": _tier_ref(to_tier),
        "direction": "up" if to_tier.level > old_tier.level else "down",
        "unassigned": _user_ref(old_assignee) if ticket.assignee is None and old_assignee else None,
    }
    if automatic:
        data["automatic"] = automatic
    _record(ticket, kind=EventKind.TIER, actor=actor, body=reason, is_public=False, data=data,
            channel=Channel.SYSTEM if automatic else Channel.WEB)
    return ticket


def ticket_escalate(*, ticket: Ticket, actor, reason: str, to_tier: Tier | None = None) -> Ticket:
    """Hand the ticket to the next higher tier (or a named higher one), with a reason."""
    _require_agent(actor)
    if to_tier is None:
        to_tier = Tier.objects.filter(level__gt=ticket.tier.level).order_by("level").first()
        if to_tier is None:
            raise ValidationError(_("The ticket is already at the highest tier."))
    elif to_tier.level <= ticket.tier.level:
        raise ValidationError(_("Escalate to a higher tier; to go down, send the ticket back."))
    return ticket_move_to_tier(ticket=ticket, actor=actor, to_tier=to_tier, reason=reason)


def ticket_send_back(*, ticket: Ticket, actor, reason: str, to_tier: Tier | None = None) -> Ticket:
    """Return the ticket to the next lower tier (or a named lower one), with a reason."""
    _require_agent(actor)
    if to_tier is None:
        to_tier = Tier.objects.filter(level__lt=ticket.tier.level).order_by("-level").first()
        if to_tier is None:
            raise ValidationError(_("The ticket is already at the lowest tier."))
    elif to_tier.level >= ticket.tier.level:
        raise ValidationError(_("Send the ticket back to a lower tier; to go up, escalate it."))
    return ticket_move_to_tier(ticket=ticket, actor=actor, to_tier=to_tier, reason=reason)


# --- many tickets at once ----------------------------------------------------------------------

BULK_MAX_TICKETS = 500
BULK_CHANGES = ("category", "priority", "status", "assignee", "take", "escalate", "send_back")


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one ticket of a bulk change: done (with what changed), or refused and why."""

    reference: str
    done: bool
    message: str = ""
    changed: tuple[str, ...] = ()


def _bulk_change_one(ticket: Ticket, *, actor, changes: dict) -> tuple[str, ...]:
    """Every change on one ticket through its own service, in one transaction: all of them or none.
    A value the ticket already has is left alone rather than refused."""
    done = []
    with transaction.atomic():
        ticket = _lock(ticket)
        if "category" in changes and ticket.category_id != (changes["category"].pk if changes["category"] else None):
            ticket = ticket_change_category(ticket=ticket, actor=actor, category=changes["category"])
            done.append("category")
        if changes.get("priority") and ticket.priority != changes["priority"]:
            ticket = ticket_change_priority(ticket=ticket, actor=actor, priority=changes["priority"])
            done.append("priority")
        if changes.get("status") and ticket.status != changes["status"]:
            ticket = ticket_change_status(ticket=ticket, actor=actor, status=changes["status"])
            done.append("status")
        if "assignee" in changes and ticket.assignee_id != (changes["assignee"].pk if changes["assignee"] else None):
            ticket = ticket_assign(ticket=ticket, actor=actor, assignee=changes["assignee"])
            done.append("assignee")
        if changes.get("take") and ticket.assignee_id != actor.pk:
            ticket = ticket_take(ticket=ticket, agent=actor)
            done.append("assignee")
        if changes.get("escalate"):
            ticket = ticket_escalate(ticket=ticket, actor=actor, reason=changes["escalate"])
            done.append("tier")
        if changes.get("send_back"):
            ticket = ticket_send_back(ticket=ticket, actor=actor, reason=changes["send_back"])
            done.append("tier")
    return tuple(done)


def for_each_ticket(tickets, change) -> list[BulkOutcome]:
    """`change(ticket)` on each ticket in turn, each committing on its own (a change is one or more
    services, each in its transaction); returns what it changed. A refusal on one ticket (a level
    that may not touch it, a state that forbids the change) is its outcome, with its reason, and
    the others go on. Every bulk action of every app runs through here."""
    tickets = list(tickets)
    if not tickets:
        raise ValidationError(_("Select the tickets first."))
    if len(tickets) > BULK_MAX_TICKETS:
        raise ValidationError(_("At most %(count)d tickets at once.") % {"count": BULK_MAX_TICKETS})
    outcomes = []
    for ticket in tickets:
        try:
            changed = change(ticket)
        except (ValidationError, PermissionDenied) as refusal:
            text = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
            outcomes.append(BulkOutcome(ticket.reference, False, text))
        else:
            outcomes.append(BulkOutcome(ticket.reference, True, changed=tuple(changed)))
    return outcomes


def ticket_bulk_change(*, actor, tickets, changes: dict) -> list[BulkOutcome]:
    """Apply the same changes to many tickets, each through the service of a single change, with
    its rules and powers (for_each_ticket).

    `changes`: any of category (a Category or None), priority, status, assignee (a user or None),
    take (True), escalate or send_back (the reason)."""
    _require_agent(actor)
    changes = dict(changes)
    unknown = set(changes) - set(BULK_CHANGES)
    if unknown:
        raise ValidationError(_("Unknown change: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if not changes:
        raise ValidationError(_("Choose at least one change."))
    if changes.get("escalate") is not None and changes.get("send_back") is not None:
        raise ValidationError(_("A ticket is either escalated or sent back, not both."))
    for key in ("escalate", "send_back"):
        if key in changes:
            changes[key] = _clean_text(changes[key], field_label=_("Reason"), max_length=REASON_MAX_LENGTH)
    return for_each_ticket(tickets, lambda ticket: _bulk_change_one(ticket, actor=actor, changes=changes))


@transaction.atomic
def ticket_record_automation(*, ticket: Ticket, data: dict) -> TicketEvent:
    """An internal timeline entry for what a background rule did (e.g. an SLA breach at the top tier).
    `data` holds the facts; the app that wrote them renders them (see presenters.register)."""
    ticket = _lock(ticket)
    event = _record(ticket, kind=EventKind.AUTOMATION, actor=None, is_public=False, data=data, channel=Channel.SYSTEM)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=event.created_at)
    return event


@transaction.atomic
def ticket_record_problem(*, ticket: Ticket, actor, data: dict, body: str = "") -> TicketEvent:
    """An internal timeline entry that the ticket was linked to (or unlinked from) a problem, for an
    agent whose tier may link tickets at this level. `data` holds the problem's facts; the problems
    app renders them (presenters.register_detail_renderer)."""
    ticket = _lock(ticket)
    if actor is not None:
        _require_agent(actor)
        powers.require(actor, TicketAction.LINK_PROBLEM, ticket)
    event = _record(ticket, kind=EventKind.PROBLEM, actor=actor, body=body, is_public=False, data=data,
                    channel=Channel.SYSTEM if actor is None else Channel.WEB)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=event.created_at)
    return event


# --- tiers --------------------------------------------------------------------------------------


def tier_grant_default_permissions(tier: Tier) -> None:
    """A tier at the top level starts with the powers the product gives the 3rd level
    (settings.HELPDESK_TOP_LEVEL_PERMISSIONS); lower tiers start with none besides their tickets."""
    if tier.level < settings.HELPDESK_TOP_LEVEL:
        return
    from django.contrib.auth.models import Permission

    wanted = Q(pk__in=[])
    for name in settings.HELPDESK_TOP_LEVEL_PERMISSIONS:
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    tier.permissions.add(*Permission.objects.filter(wanted))

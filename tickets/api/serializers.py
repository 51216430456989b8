from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .. import roles
from ..models import Attachment, Category, Channel, Priority, Status, Ticket, TicketEvent, Tier
from ..presenters import actor_name, describe_event
from ..services import (CALL_DIRECTIONS, CALL_MAX_MINUTES, CUSTOMER_NAME_MAX_LENGTH, NOTES_MAX_LENGTH,
                        ORGANISATION_MAX_LENGTH, PHONE_MAX_LENGTH, REASON_MAX_LENGTH, SUBJECT_MAX_LENGTH,
                        TEXT_MAX_LENGTH)

User = get_user_model()


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "level", "name"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]


def _read_by_customer(serializer) -> bool:
    request = serializer.context.get("request")
    return request is not None and not roles.is_agent(request.user)


class TicketSerializer(serializers.ModelSerializer):
    """A ticket. A customer reads what the portal shows: the level, the assignee and the SLA's next
    deadline are internal (null for them)."""

    INTERNAL_FIELDS = ("tier", "assignee", "next_breach_at")

    category = CategorySerializer(read_only=True, allow_null=True)
    tier = TierSerializer(read_only=True, allow_null=True, help_text="Agents only (null for customers).")
    assignee = PersonSerializer(read_only=True, allow_null=True)
    requester = PersonSerializer(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    priority = serializers.ChoiceField(choices=Priority.choices, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "reference", "subject", "description", "status", "priority", "category", "tier",
            "assignee", "requester", "channel", "created_at", "updated_at", "solved_at", "next_breach_at",
        ]
        read_only_fields = fields

    def to_representation(self, ticket):
        data = super().to_representation(ticket)
        if _read_by_customer(self):
            data.update(dict.fromkeys(self.INTERNAL_FIELDS))
        return data


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "url"]

    def get_url(self, attachment) -> str:
        return reverse("api:attachment-download", kwargs={"pk": attachment.pk})


class TicketEventSerializer(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField(help_text="The event told in the reader's language.")
    actor = PersonSerializer(read_only=True, allow_null=True)
    actor_name = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "summary", "actor", "actor_name", "is_public", "channel", "body", "data", "attachments",
                  "created_at"]
        read_only_fields = fields

    def to_representation(self, event):
        data = super().to_representation(event)
        if _read_by_customer(self):
            data["data"] = {}  # the entry points' and the rules' facts (addresses, SLA rules) are internal
        return data

    def get_summary(self, event) -> str:
        request = self.context.get("request")
        return describe_event(event, reader_id=request.user.pk if request else None)

    def get_actor_name(self, event) -> str:
        return actor_name(event)


class AttachmentsField(serializers.ListField):
    child = serializers.FileField(max_length=255, allow_empty_file=False)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", settings.HELPDESK_MAX_ATTACHMENTS)
        kwargs.setdefault("help_text", "Files to attach (multipart/form-data only).")
        super().__init__(**kwargs)


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH)
    description = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True), required=False, allow_null=True
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, help_text="Agents only.")
    requester = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False,
        help_text="Agents only: the customer the ticket is filed for. Defaults to the caller.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False,
                                      help_text="Agents only: how the case came in (phone, walk_in, ...). Default: api.")
    solution = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False,
                                     help_text="Agents only: the answer that solved the case at once (first-contact "
                                               "resolution); the ticket is created solved.")
    notify = serializers.BooleanField(required=False, default=True,
                                      help_text="Send the requester the confirmation with the reference.")
    attachments = AttachmentsField()


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="Agents only: set this status with the reply."
    )
    attachments = AttachmentsField()


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    attachments = AttachmentsField()


class CallSerializer(serializers.Serializer):
    """A phone call for the record (tickets.services.ticket_log_call checks it)."""

    direction = serializers.ChoiceField(choices=[(d, d) for d in CALL_DIRECTIONS])
    summary = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    number = serializers.CharField(max_length=PHONE_MAX_LENGTH, required=False, allow_blank=True, default="")
    minutes = serializers.IntegerField(min_value=0, max_value=CALL_MAX_MINUTES, required=False, default=0)
    with_customer = serializers.BooleanField(required=False, default=True)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


class PriorityChangeSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


class CategoryChangeSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True), allow_null=True)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True,
        help_text="A member of the ticket's current tier, or null to put the ticket back in the tier queue.",
    )


class TierMoveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)
    to_tier = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(), required=False, allow_null=True,
        help_text="Defaults to the next tier in the direction of the move.",
    )



class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=CUSTOMER_NAME_MAX_LENGTH)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=PHONE_MAX_LENGTH, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(max_length=ORGANISATION_MAX_LENGTH, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, default="de")
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default="",
                                  help_text="For agents only; the customer never sees them.")

    def to_representation(self, user):
        profile = getattr(user, "profile", None)
        return {
            "id": user.pk, "name": user.get_full_name(), "email": user.email,
            "phone": profile.phone if profile else "", "language": profile.language if profile else "de",
            "organisation": profile.organisation.name if profile and profile.organisation else "",
            "notes": profile.notes if profile else "",
        }


class BulkChangeSerializer(serializers.Serializer):
    """The same changes on many tickets; each field left out is left as it is."""

    tickets = serializers.ListField(child=serializers.CharField(max_length=32), min_length=1, max_length=500,
                                    help_text=_("The tickets' references."))
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False,
                                                  allow_null=True, help_text=_("An agent's id; null: unassigned."))
    take = serializers.BooleanField(required=False, help_text=_("Assign the tickets to yourself."))
    escalate = serializers.CharField(required=False, max_length=2000, help_text=_("Escalate, with this reason."))
    send_back = serializers.CharField(required=False, max_length=2000, help_text=_("Send back, with this reason."))


class BulkOutcomeSerializer(serializers.Serializer):
    ticket = serializers.CharField(source="reference")
    done = serializers.BooleanField()
    error = serializers.CharField(source="message", help_text=_("Why the ticket was not changed (empty when done)."))
    changed = serializers.ListField(child=serializers.CharField(), help_text=_("What changed on the ticket."))


class BulkResultSerializer(serializers.Serializer):
    results = BulkOutcomeSerializer(many=True)

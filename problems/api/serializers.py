from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tickets.api.serializers import PersonSerializer

from ..models import Broadcast, ChangeProposal, Problem, ProblemEvent, ProblemStatus, ProblemTicket, Risk

TRANSLATED = [f"{field}_{code}" for field in ("summary", "workaround", "resolution") for code, _n in settings.LANGUAGES]


class BroadcastSerializer(serializers.ModelSerializer):
    class Meta:
        model = Broadcast
        fields = ["id", "kind", "created_at", "finished_at", "total", "done", "skipped", "percent"]


class ProposalSerializer(serializers.ModelSerializer):
    proposed_by = PersonSerializer(read_only=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChangeProposal
        fields = ["id", "title", "reason", "risk", "components", "status", "proposed_by", "proposed_at",
                  "decided_by", "decided_at", "decision_reason", "implemented_at"]


class ProblemListSerializer(serializers.ModelSerializer):
    owner = PersonSerializer(read_only=True)
    ticket_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Problem
        fields = ["id", "reference", "title", "status", "owner", "ticket_count", "created_at", "updated_at"]


class ProblemSerializer(serializers.ModelSerializer):
    owner = PersonSerializer(read_only=True)

    class Meta:
        model = Problem
        fields = ["id", "reference", "title", "description", "cause", "affected_systems", "affected_versions",
                  *TRANSLATED, "status", "owner", "article", "created_at", "updated_at", "workaround_published_at",
                  "hold_on_workaround", "resolved_at", "solve_on_resolution"]


class ProblemWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    cause = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    affected_systems = serializers.CharField(required=False, allow_blank=True, max_length=300)
    affected_versions = serializers.CharField(required=False, allow_blank=True, max_length=200)
    owner = serializers.IntegerField(required=False, help_text=_("The owner's user id; the caller when left out."))
    tickets = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=1000,
                                    help_text=_("Ticket numbers to link at once."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TRANSLATED:
            self.fields[name] = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class ProblemUpdateSerializer(ProblemWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        del self.fields["tickets"]


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProblemStatus.choices)


class TicketsSerializer(serializers.Serializer):
    tickets = serializers.ListField(child=serializers.CharField(max_length=32), min_length=1, max_length=1000)


class WorkaroundSerializer(serializers.Serializer):
    hold = serializers.BooleanField(default=False)


class ResolveSerializer(serializers.Serializer):
    solve_tickets = serializers.BooleanField(required=False, allow_null=True, default=None)


class ProposalWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    reason = serializers.CharField(max_length=20_000)
    risk = serializers.ChoiceField(choices=Risk.choices, default=Risk.MEDIUM)
    components = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=20_000)


class LinkSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference")
    subject = serializers.CharField(source="ticket.subject")
    ticket_status = serializers.CharField(source="ticket.status")

    class Meta:
        model = ProblemTicket
        fields = ["ticket", "subject", "ticket_status", "linked_at", "workaround_sent_at", "resolution_sent_at"]


class EventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ProblemEvent
        fields = ["id", "kind", "actor", "body", "data", "created_at"]

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tickets.models import Category, Priority, Status, Tier

from .. import selectors
from ..models import Macro, Scope


class MacroSerializer(serializers.ModelSerializer):
    changes = serializers.SerializerMethodField(help_text=_("What sending it changes, in words."))
    may_manage = serializers.SerializerMethodField()

    class Meta:
        model = Macro
        fields = ["id", "title", "title_de", "title_en", "body_de", "body_en", "scope", "tier", "set_status",
                  "set_priority", "set_category", "take", "escalate", "escalate_reason", "changes", "may_manage",
                  "created_at", "updated_at"]

    def get_changes(self, macro) -> list[str]:
        return selectors.macro_changes(macro)

    def get_may_manage(self, macro) -> bool:
        return selectors.may_manage(self.context["request"].user, macro)


class MacroWriteSerializer(serializers.Serializer):
    title_de = serializers.CharField(required=False, allow_blank=True, max_length=120)
    title_en = serializers.CharField(required=False, allow_blank=True, max_length=120)
    body_de = serializers.CharField(required=False, allow_blank=True, max_length=20000, trim_whitespace=False)
    body_en = serializers.CharField(required=False, allow_blank=True, max_length=20000, trim_whitespace=False)
    scope = serializers.ChoiceField(choices=Scope.choices, required=False)
    tier = serializers.PrimaryKeyRelatedField(queryset=Tier.objects.all(), required=False, allow_null=True)
    set_status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    set_priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_null=True)
    set_category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    take = serializers.BooleanField(required=False)
    escalate = serializers.BooleanField(required=False)
    escalate_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class MacroTextSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    language = serializers.CharField()
    text = serializers.CharField(help_text=_("The text for this ticket, placeholders filled in."))
    changes = serializers.ListField(child=serializers.CharField())


class MacroApplySerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text=_("The ticket's reference, e.g. HD-2026-000123."))
    body = serializers.CharField(required=False, max_length=20000,
                                 help_text=_("The reply as edited; left out, the module's own text for the ticket."))
    status = serializers.ChoiceField(choices=Status.choices, required=False)

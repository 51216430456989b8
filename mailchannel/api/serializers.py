from rest_framework import serializers

from ..models import InboundMessage, OutboundMessage


class InboundMessageSerializer(serializers.ModelSerializer):
    mailbox = serializers.SlugRelatedField(slug_field="name", read_only=True)
    ticket = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)

    class Meta:
        model = InboundMessage
        fields = ["id", "mailbox", "source", "message_id", "from_address", "from_name", "subject", "size",
                  "arrived_at", "received_at", "processed_at", "status", "reason", "detail", "ticket", "event"]
        read_only_fields = fields


class OutboundMessageSerializer(serializers.ModelSerializer):
    mailbox = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    ticket = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)

    class Meta:
        model = OutboundMessage
        fields = ["id", "mailbox", "ticket", "event", "kind", "message_id", "in_reply_to", "to", "cc", "subject",
                  "language", "is_automatic", "status", "attempts", "next_attempt_at", "last_error", "created_at",
                  "sent_at"]
        read_only_fields = fields

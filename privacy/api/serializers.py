from rest_framework import serializers

from ..models import ErasureRecord, ErasureRequest


class ErasureRecordSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id_kept", read_only=True, allow_null=True)
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)

    class Meta:
        model = ErasureRecord
        fields = ["id", "person", "actor", "reason", "created_at", "tickets", "texts", "attachments", "mails"]
        read_only_fields = fields


class ErasureRequestSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", read_only=True, allow_null=True)
    record = serializers.IntegerField(source="record_id", read_only=True, allow_null=True)

    class Meta:
        model = ErasureRequest
        fields = ["id", "person", "status", "created_at", "admins_notified_at", "record"]
        read_only_fields = fields

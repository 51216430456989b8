"""Personal data for admins: a person's data as a ZIP, their erasure, the records and the requests."""

from django.contrib.auth import get_user_model
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets import roles

from .. import services
from ..models import ErasureRecord, ErasureRequest
from . import serializers as s

User = get_user_model()


class IsHelpdeskAdmin(BasePermission):
    message = "Only admins can export or erase personal data."

    def has_permission(self, request, view):
        return roles.is_admin(request.user)


class ZipRenderer(BaseRenderer):
    media_type = "application/zip"
    format = "zip"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only a refusal is rendered (the ZIP itself is a FileResponse): as JSON, like every API error.
        if renderer_context and renderer_context.get("response") is not None:
            renderer_context["response"]["Content-Type"] = "application/json"
        return JSONRenderer().render(data)


class NoFormatParameter(AutoSchema):
    """The ZIP is the only success answer: no ?format= to choose another."""

    def _get_format_parameters(self):
        return []


class PersonExportView(APIView):
    permission_classes = [IsHelpdeskAdmin]
    schema = NoFormatParameter()
    renderer_classes = [JSONRenderer, ZipRenderer]

    @extend_schema(summary="A person's personal data as a ZIP (admins)",
                   responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY,
                                                                        description="data.json and the attachments")})
    def get(self, request, pk: int):
        person = get_object_or_404(User, pk=pk)
        archive = services.export_person(person=person, actor=request.user)
        return FileResponse(archive, as_attachment=True, filename=services.export_filename(person),
                            content_type="application/zip")


class PersonErasureView(APIView):
    permission_classes = [IsHelpdeskAdmin]

    @extend_schema(summary="Erase (anonymise) a person's personal data (admins)", request=None,
                   responses={201: s.ErasureRecordSerializer,
                              400: OpenApiResponse(OpenApiTypes.OBJECT, description="Refused: the person's data is "
                                                   "erased already, or it is the caller's own account.")})
    def post(self, request, pk: int):
        person = get_object_or_404(User, pk=pk)
        record = services.erase_person(person=person, actor=request.user)
        return Response(s.ErasureRecordSerializer(record).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Erasure records (admins)"),
                    retrieve=extend_schema(summary="One erasure record (admins)"))
class ErasureRecordViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ErasureRecord.objects.order_by("-created_at", "-id")
    serializer_class = s.ErasureRecordSerializer
    permission_classes = [IsHelpdeskAdmin]


@extend_schema_view(list=extend_schema(summary="Customers' erasure requests (admins)"),
                    retrieve=extend_schema(summary="One erasure request (admins)"))
class ErasureRequestViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ErasureRequest.objects.order_by("-created_at", "-id")
    serializer_class = s.ErasureRequestSerializer
    permission_classes = [IsHelpdeskAdmin]

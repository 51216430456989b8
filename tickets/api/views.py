"""The ticket API: the same reads (selectors) and writes (services) as the pages, the same rules."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from django.utils.translation import gettext as _
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api.permissions import IsAgent

from .. import selectors, services
from ..filetypes import download_response
from ..filters import STATUS_OPEN, TIER_MINE, TicketFilter
from ..models import Category, Channel, Tier
from . import serializers as s


class TicketFilterBackend(DjangoFilterBackend):
    """The shared TicketFilter (the one the agent queue uses), told who is asking."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs.pop("request")
        return {**kwargs, "user": request.user}


@extend_schema_view(
    list=extend_schema(summary="List the tickets the caller may see", description=(
        f"Agents see every ticket, customers only their own. `status={STATUS_OPEN}` lists every open "
        f"status (`status=open` only those whose status is “open”), `tier={TIER_MINE}` the caller's tiers.")),
    retrieve=extend_schema(summary="One ticket"),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.TicketSerializer
    lookup_field = "reference"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    filter_backends = [TicketFilterBackend]
    filterset_class = TicketFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        # People are joined; tiers and categories come from the reference lists (paginate_queryset):
        # PostgreSQL plans a five-table join in longer than it runs it.
        return selectors.tickets_visible_to(self.request.user).select_related("assignee", "requester").order_by(
            "-updated_at", "-id"
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":  # (the timeline pages through events)
            selectors.attach_tiers_and_categories(page)
        return page

    # What only agents do: refused before the input is read (helpdesk.api.permissions).
    AGENT_ACTIONS = {"bulk", "note", "call", "change_priority", "change_category", "assign", "take", "escalate", "send_back"}

    def get_permissions(self):
        if self.action in self.AGENT_ACTIONS:
            return [IsAgent()]
        return super().get_permissions()

    def get_object(self):
        return selectors.ticket_get_for_user(user=self.request.user, reference=self.kwargs["reference"])

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(summary="Change many tickets at once (agents)", request=s.BulkChangeSerializer,
                   responses=s.BulkResultSerializer, description=(
                       "Each ticket goes through the same rules as a single change and commits on its own: the "
                       "result says per ticket whether it was changed, and if not, why. Unknown or hidden tickets "
                       "are reported as not found."))
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def bulk(self, request):
        data = dict(self._input(s.BulkChangeSerializer))
        references = list(dict.fromkeys(data.pop("tickets")))
        tickets, missing = selectors.tickets_by_reference(user=request.user, references=references,
                                                          related=selectors.AGENT_PAGE_RELATED)
        if not data.get("take"):
            data.pop("take", None)
        outcomes = services.ticket_bulk_change(actor=request.user, tickets=tickets, changes=data) if tickets else []
        # A ticket the caller may not see is "not found", as everywhere in the API.
        results = {o.reference: o for o in outcomes} | {
            r: services.BulkOutcome(r, False, _("No such ticket.")) for r in missing}
        results = [results[r] for r in references]
        return Response(s.BulkResultSerializer({"results": results}).data)

    def _ticket_response(self, ticket, code=status.HTTP_200_OK):
        ticket = selectors.ticket_get_for_user(user=self.request.user, reference=ticket.reference)
        return Response(s.TicketSerializer(ticket, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="File a ticket", request=s.TicketCreateSerializer, responses={201: s.TicketSerializer},
        examples=[
            OpenApiExample("A customer files a ticket", request_only=True, value={
                "subject": "VPN disconnects every ten minutes",
                "description": "Since the update to 4.2 the VPN client drops the connection every ten minutes.",
                "category": 3,
            }),
            OpenApiExample("Monitoring opens a ticket for a customer (agent token)", request_only=True, value={
                "subject": "Disk almost full on fileserver-02", "description": "95 % used on /srv.",
                "requester": 42, "priority": 3,
            }),
        ],
    )
    def create(self, request):
        data = self._input(s.TicketCreateSerializer)
        # The service decides who may set what (priority, channel, solving at once, filing for others).
        ticket = services.ticket_create(
            requester=data.get("requester", request.user),
            actor=request.user,
            subject=data["subject"],
            description=data["description"],
            category=data.get("category"),
            priority=data.get("priority"),
            attachments=data.get("attachments", []),
            channel=data.get("channel", Channel.API),
            solution=data.get("solution", ""),
            notify=data.get("notify", True),
        )
        return self._ticket_response(ticket, status.HTTP_201_CREATED)

    @extend_schema(summary="The ticket's timeline", responses=s.TicketEventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request, reference):
        ticket = self.get_object()
        events = selectors.ticket_timeline(ticket=ticket, user=request.user)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(
            s.TicketEventSerializer(page, many=True, context=self.get_serializer_context()).data)

    @extend_schema(summary="Send a public reply", request=s.ReplySerializer, responses=s.TicketSerializer, examples=[
        OpenApiExample("Answer and wait for the customer", request_only=True,
                       value={"body": "Could you send us the client log file?", "status": "waiting"}),
    ])
    @action(detail=True, methods=["post"], filter_backends=[])
    def reply(self, request, reference):
        ticket = self.get_object()
        data = self._input(s.ReplySerializer)
        ticket = services.ticket_reply(
            ticket=ticket, author=request.user, body=data["body"], status=data.get("status"),
            attachments=data.get("attachments", []), channel=Channel.API,
        )
        return self._ticket_response(ticket)

    @extend_schema(summary="Add an internal note (agents)", request=s.NoteSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def note(self, request, reference):
        ticket = self.get_object()
        data = self._input(s.NoteSerializer)
        services.ticket_add_note(
            ticket=ticket, author=request.user, body=data["body"], attachments=data.get("attachments", []),
            channel=Channel.API,
        )
        return self._ticket_response(ticket)

    @extend_schema(summary="Record a phone call (agents)", request=s.CallSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def call(self, request, reference):
        ticket = self.get_object()
        services.ticket_log_call(ticket=ticket, actor=request.user, **self._input(s.CallSerializer))
        return self._ticket_response(ticket)

    @extend_schema(summary="Change the status", request=s.StatusChangeSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="status", filter_backends=[])
    def change_status(self, request, reference):
        ticket = self.get_object()
        data = self._input(s.StatusChangeSerializer)
        ticket = services.ticket_change_status(
            ticket=ticket, actor=request.user, status=data["status"], reason=data.get("reason", ""),
            channel=Channel.API,
        )
        return self._ticket_response(ticket)

    @extend_schema(summary="Change the priority (agents)", request=s.PriorityChangeSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="priority", filter_backends=[])
    def change_priority(self, request, reference):
        ticket = self.get_object()
        data = self._input(s.PriorityChangeSerializer)
        ticket = services.ticket_change_priority(
            ticket=ticket, actor=request.user, priority=data["priority"], reason=data.get("reason", "")
        )
        return self._ticket_response(ticket)

    @extend_schema(summary="Change the category (agents)", request=s.CategoryChangeSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="category", filter_backends=[])
    def change_category(self, request, reference):
        ticket = self.get_object()
        data = self._input(s.CategoryChangeSerializer)
        ticket = services.ticket_change_category(ticket=ticket, actor=request.user, category=data["category"])
        return self._ticket_response(ticket)

    @extend_schema(summary="Assign the ticket (agents)", request=s.AssignSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def assign(self, request, reference):
        ticket = self.get_object()
        data = self._input(s.AssignSerializer)
        ticket = services.ticket_assign(ticket=ticket, actor=request.user, assignee=data["assignee"])
        return self._ticket_response(ticket)

    @extend_schema(summary="Take the ticket yourself (agents)", request=None, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def take(self, request, reference):
        ticket = services.ticket_take(ticket=self.get_object(), agent=request.user)
        return self._ticket_response(ticket)

    @extend_schema(summary="Escalate to a higher tier (agents)", request=s.TierMoveSerializer, responses=s.TicketSerializer,
                   examples=[OpenApiExample("Escalate with a reason", request_only=True, value={
                       "reason": "Rekeying timeouts in the log; standard steps did not help."})])
    @action(detail=True, methods=["post"], filter_backends=[])
    def escalate(self, request, reference):
        ticket = self.get_object()
        data = self._input(s.TierMoveSerializer)
        ticket = services.ticket_escalate(
            ticket=ticket, actor=request.user, reason=data["reason"], to_tier=data.get("to_tier")
        )
        return self._ticket_response(ticket)

    @extend_schema(summary="Send back to a lower tier (agents)", request=s.TierMoveSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="send-back", filter_backends=[])
    def send_back(self, request, reference):
        ticket = self.get_object()
        data = self._input(s.TierMoveSerializer)
        ticket = services.ticket_send_back(
            ticket=ticket, actor=request.user, reason=data["reason"], to_tier=data.get("to_tier")
        )
        return self._ticket_response(ticket)


class TierList(ListAPIView):
    serializer_class = s.TierSerializer
    queryset = Tier.objects.order_by("level")
    pagination_class = None
    filter_backends = []


class CategoryList(ListAPIView):
    serializer_class = s.CategorySerializer
    queryset = Category.objects.filter(is_active=True).order_by("name")
    pagination_class = None
    filter_backends = []


class AttachmentDownload(APIView):
    @extend_schema(summary="Download an attachment", responses={(200, "application/octet-stream"): OpenApiResponse(
        description="The file.")})
    def get(self, request, pk):
        attachment = selectors.attachment_get_for_user(user=request.user, pk=pk)
        return download_response(attachment)


@extend_schema_view(
    list=extend_schema(summary="Find customers (agents)", parameters=[
        OpenApiParameter("q", str, description="Name, e-mail address, phone number or organisation; at least 2 characters.")]),
    retrieve=extend_schema(summary="A customer (agents)"),
    create=extend_schema(summary="Add a customer (agents)", responses={
        201: s.CustomerSerializer,
        409: OpenApiResponse(description="A customer with this e-mail address exists: `detail` says so, `existing` is them.")}),
    partial_update=extend_schema(summary="Change a customer's contact data and notes (agents)", responses={
        200: s.CustomerSerializer,
        409: OpenApiResponse(description="Another customer has this e-mail address: `detail` says so, `existing` is them.")}),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The customers a 1st-level agent finds or adds while one is on the phone. The rules (who may,
    duplicates) are tickets.services'; a known e-mail address is a 409 naming the existing customer."""

    serializer_class = s.CustomerSerializer
    permission_classes = [IsAgent]
    filter_backends = []
    pagination_class = None
    queryset = selectors.customers().none()  # for the schema; the rows come from the selectors
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.customers().select_related("profile__organisation").order_by("id")

    def list(self, request):
        found = selectors.customer_search(user=request.user, query=request.query_params.get("q", ""))
        return Response(s.CustomerSerializer(found, many=True).data)

    def get_object(self):
        return selectors.customer_get_for_agent(user=self.request.user, pk=int(self.kwargs["pk"]))

    def _duplicate(self, duplicate):
        return Response({"detail": duplicate.messages, "existing": s.CustomerSerializer(duplicate.customer).data},
                        status=status.HTTP_409_CONFLICT)

    def create(self, request):
        data = self._input(s.CustomerSerializer)
        try:
            customer = services.customer_create(actor=request.user, name=data["name"], email=data["email"],
                                                phone=data["phone"], organisation=data["organisation"],
                                                language=data["language"])
        except services.DuplicateCustomer as duplicate:
            return self._duplicate(duplicate)
        return Response(s.CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        customer = self.get_object()
        current = s.CustomerSerializer(customer).data
        data = self._input(s.CustomerSerializer, partial=True)
        try:
            customer = services.customer_update(actor=request.user, customer=customer, **{
                k: data.get(k, current[k]) for k in ("name", "email", "phone", "organisation", "language", "notes")})
        except services.DuplicateCustomer as duplicate:
            return self._duplicate(duplicate)
        return Response(s.CustomerSerializer(customer).data)

    def _input(self, serializer_class, partial=False):
        serializer = serializer_class(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

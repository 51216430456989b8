from django.urls import path

from .views import agent, customers, portal

portal_patterns = (
    [
        path("", portal.ticket_list, name="tickets"),
        path("tickets/new/", portal.ticket_new, name="ticket_new"),
        path("tickets/<str:reference>/", portal.ticket_detail, name="ticket"),
        path("tickets/<str:reference>/reply/", portal.ticket_reply, name="ticket_reply"),
        path("tickets/<str:reference>/status/", portal.ticket_status, name="ticket_status"),
    ],
    "portal",
)

agent_patterns = (
    [
        path("", agent.queue, name="queue"),
        path("bulk/", agent.queue_bulk, name="queue_bulk"),
        path("tickets/new/", customers.ticket_new, name="ticket_new"),
        path("find/", customers.quick_find, name="find"),
        path("customers/", customers.customer_search, name="customer_search"),
        path("customers/<int:pk>/", customers.customer_detail, name="customer"),
        path("tickets/<str:reference>/", agent.ticket_detail, name="ticket"),
        path("tickets/<str:reference>/take/", agent.ticket_take, name="ticket_take"),
        path("tickets/<str:reference>/customer-tickets/", agent.customer_tickets_panel, name="customer_tickets"),
        path("tickets/<str:reference>/<slug:action>/", agent.ticket_action, name="ticket_action"),
    ],
    "agent",
)

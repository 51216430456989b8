"""The hooks other apps listen to, so that `tickets` never imports them.

`ticket_changed(sender=Ticket, ticket=..., event=...)` is sent by tickets.services for every timeline
event, inside the transaction that wrote it. The escalation app listens to keep a ticket's SLA clocks
in step with the ticket: both commit together or not at all. Receivers must not send mail or enqueue
tasks directly; anything leaving the database goes through transaction.on_commit.

Two page hooks let another app take part in a ticket page without `tickets` knowing it:
- `ticket_filed_in_portal(sender=Ticket, ticket=..., user=..., data=request.POST)` after a customer filed
  a ticket (the knowledge base records which articles the customer was shown while writing).
- `reply_draft_requested(sender=Ticket, ticket=..., user=..., params=request.GET)` when an agent opens a
  ticket page; a receiver returns the text the reply form starts with, or "" (the knowledge base's
  "use in reply").
- `agent_ticket_page(sender=Ticket, ticket=..., user=...)` when the agent ticket page is drawn; a
  receiver returns a dict of what its part of the page needs, read in its selectors (escalation: the
  SLA clocks for its panel), so that the page's template tags only format.
- `agent_reply_submitted(sender=Ticket, ticket=..., user=..., data=request.POST, reply={body, attachments,
  status})` when an agent sends the reply form; a receiver that recognises its part of the form sends
  the reply itself, with what it adds, in one transaction, and returns the ticket (the macros app: a
  chosen text module and its changes); it raises ValidationError to refuse. None: the plain reply.
- `agent_queue_page(sender=Ticket, user=...)` when the agent queue is drawn; a receiver returns what
  it adds to the bar of actions on the selected tickets, as `{"template": ..., **its context}`, or
  None when the user may not take it (the problems app: link the selection to a problem). The rows
  get checkboxes only when some app offers an action.

`registration_requested(sender=User, user=..., address=..., kind=..., url=..., language=...)` when a
visitor registers (tickets/registration.py), inside its transaction: `kind` "confirm" (a new address:
`url` confirms it) or "known" (the address has an account: `url` sets a new password). The mail
channel records the mail to `address`.
"""

from django.dispatch import Signal

ticket_changed = Signal()
ticket_filed_in_portal = Signal()
reply_draft_requested = Signal()
agent_ticket_page = Signal()
agent_queue_page = Signal()
agent_reply_submitted = Signal()
registration_requested = Signal()

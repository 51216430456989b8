"""Reads of the mail channel: the inbound log and a mail as it arrived."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from tickets import roles
from tickets.models import Attachment

from . import parsing
from .models import InboundMessage, OutboundMessage


def inbound_log(*, user):
    """The inbound log, newest first: admins only (it holds every sender, also refused ones)."""
    if not roles.is_admin(user):
        raise PermissionDenied(_("Only admins can read the inbound mail log."))
    return InboundMessage.objects.select_related("mailbox", "ticket").order_by("-received_at", "-id")


def inbound_get_for_agent(*, user, pk: int) -> InboundMessage:
    if not roles.is_agent(user):
        raise PermissionDenied(_("Only agents can open the original mail."))
    inbound = InboundMessage.objects.select_related("mailbox", "ticket").filter(pk=pk).first()
    if inbound is None:
        raise Http404(_("No such mail."))
    return inbound


@dataclass
class OriginalMail:
    inbound: InboundMessage
    mail: parsing.ParsedMail
    html: str  # sanitised, cid: images pointing at the ticket's attachments


_CID = re.compile(r"""(src=["'])cid:([^"']+)(["'])""", re.IGNORECASE)


def original_mail(*, inbound: InboundMessage) -> OriginalMail:
    with inbound.raw.open("rb") as handle:
        mail = parsing.parse(handle.read())
    images = {}
    if inbound.ticket_id:
        images = dict(Attachment.objects.filter(ticket_id=inbound.ticket_id).exclude(content_id="")
                      .values_list("content_id", "pk"))

    def image_url(match):
        pk = images.get(match.group(2))
        url = reverse("attachment", args=[pk]) if pk else ""
        return f"{match.group(1)}{url}{match.group(3)}"

    return OriginalMail(inbound=inbound, mail=mail, html=_CID.sub(image_url, mail.html))


def ticket_mail_status(*, ticket) -> list[OutboundMessage]:
    """The mail sent about a ticket, newest first, with its delivery state (for the ticket page)."""
    return list(OutboundMessage.objects.filter(ticket=ticket).only(
        "pk", "event_id", "kind", "to", "cc", "status", "last_error", "sent_at", "created_at").order_by("-id")[:50])


def outbound_log(*, user):
    if not roles.is_admin(user):
        raise PermissionDenied(_("Only admins can read the outbound mail log."))
    return OutboundMessage.objects.select_related("mailbox", "ticket").order_by("-created_at", "-id")

"""The imprint and privacy links of every page's footer (settings HELPDESK_IMPRINT_URL, HELPDESK_PRIVACY_URL)."""

from django.conf import settings
from django.urls import reverse


def privacy_url() -> str:
    """The privacy notice: the operator's own page when configured, else the helpdesk's."""
    return settings.HELPDESK_PRIVACY_URL or reverse("privacy_notice")


def legal_links(request):
    return {"imprint_url": settings.HELPDESK_IMPRINT_URL, "privacy_url": privacy_url}

"""An attachment's content type is read from its bytes (tickets.filetypes, libmagic), whatever the
portal form, the API or the mail said; and what a browser would run (HTML, SVG, XML, scripts) is only
ever handed out as a file to save, never shown as a page."""

import base64
from email.message import EmailMessage

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_ticket
from tickets import filetypes
from tickets.models import Attachment

pytestmark = pytest.mark.django_db

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=")
HTML = b"<!DOCTYPE html>\n<html><body><script>fetch('/api/v1/tickets/').then(r => r.text()).then(alert)</script></body></html>\n"
SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(document.cookie)</script></svg>\n')
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.mark.parametrize("content, expected", [
    (PNG, "image/png"), (HTML, "text/html"), (SVG, "image/svg+xml"), (PDF, "application/pdf"),
    (b"Just a line of text.\n", "text/plain"), (b"", "application/octet-stream"),
])
def test_the_type_comes_from_the_bytes(content, expected):
    upload = ContentFile(content, name="whatever.bin")
    assert filetypes.content_type_of(upload) == expected
    assert upload.read() == content  # left at its start for storing


@pytest.mark.parametrize("content_type, active", [
    ("text/html", True), ("image/svg+xml", True), ("text/xml", True), ("application/xml", True),
    ("application/xhtml+xml", True), ("text/javascript", True), ("application/javascript; charset=utf-8", True),
    ("image/png", False), ("application/pdf", False), ("text/plain", False), ("application/octet-stream", False),
])
def test_what_a_browser_would_run(content_type, active):
    assert filetypes.is_active(content_type) is active


def test_a_png_named_txt_is_stored_as_a_png(media, customer, tiers):
    ticket = make_ticket(customer, attachments=[SimpleUploadedFile("notes.txt", PNG, content_type="text/plain")])
    attachment = ticket.attachments.get()
    assert (attachment.name, attachment.content_type) == ("notes.txt", "image/png")


def test_an_api_upload_is_typed_by_its_bytes(media, client, customer, tiers):
    client.force_login(customer)
    response = client.post("/api/v1/tickets/", {
        "subject": "Screenshot", "description": "See the file.",
        "attachments": [SimpleUploadedFile("screenshot.png", HTML, content_type="image/png")]})
    assert response.status_code == 201, response.content
    assert Attachment.objects.get().content_type == "text/html"


def _download_headers(response):
    return {"type": response["Content-Type"], "disposition": response["Content-Disposition"].split(";")[0],
            "nosniff": response["X-Content-Type-Options"], "csp": response["Content-Security-Policy"]}


@pytest.mark.parametrize("name, content, stored", [("photo.png", HTML, "text/html"), ("logo.png", SVG, "image/svg+xml")])
def test_markup_claiming_to_be_an_image_is_only_ever_a_download(media, client, customer, tiers, name, content, stored):
    ticket = make_ticket(customer, attachments=[SimpleUploadedFile(name, content, content_type="image/png")])
    attachment = ticket.attachments.get()
    assert attachment.content_type == stored
    client.force_login(customer)
    for address in (f"/attachments/{attachment.pk}/", f"/api/v1/attachments/{attachment.pk}/"):
        response = client.get(address)
        assert response.status_code == 200
        assert _download_headers(response) == {
            "type": "application/octet-stream", "disposition": "attachment", "nosniff": "nosniff",
            "csp": "default-src 'none'; sandbox"}, address
        assert f'filename="{name}"' in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == content


def test_an_image_is_a_download_with_its_own_type(media, client, customer, tiers):
    ticket = make_ticket(customer, attachments=[SimpleUploadedFile("photo.png", PNG, content_type="text/html")])
    client.force_login(customer)
    response = client.get(f"/attachments/{ticket.attachments.get().pk}/")
    assert _download_headers(response)["type"] == "image/png"
    assert _download_headers(response)["disposition"] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_mail_attachment_is_typed_by_its_bytes(media, tiers):
    from mailchannel.models import Mailbox
    from mailchannel.services import receive_message

    mailbox = Mailbox.objects.create(name="support", address="support@example.test", language="de", is_default=True)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "Karin Kunde <karin@example.de>", mailbox.address, "Rechnung"
    mail["Message-ID"] = "<filetypes-1@example.de>"
    mail.set_content("Anbei die Rechnung.")
    mail.add_attachment(HTML, maintype="image", subtype="png", filename="rechnung.png")
    mail.add_attachment(PNG, maintype="application", subtype="pdf", filename="scan.pdf")
    receive_message(mailbox=mailbox, raw=mail.as_bytes())
    assert sorted(Attachment.objects.values_list("name", "content_type")) == [
        ("rechnung.png", "text/html"), ("scan.pdf", "image/png")]

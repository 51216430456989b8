import pytest

from mailchannel.models import Mailbox


@pytest.fixture
def mailbox(db, tiers):
    return Mailbox.objects.create(name="support", address="support@example.test", display_name="Example Support",
                                  language="de", is_default=True)


def raw_mail(*, sender="Karin Kunde <karin.kunde@example.de>", to="support@example.test", subject="Drucker druckt nicht",
             body="Der Drucker im 2. Stock druckt nicht mehr.", message_id=None, headers=(), cc=None) -> bytes:
    """A plain UTF-8 mail as a mail program sends it; `headers` adds (name, value) pairs."""
    import secrets

    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}",
             f"Message-ID: <{message_id or secrets.token_hex(8) + '@client.example'}>",
             "Date: Tue, 01 Dec 2026 10:00:00 +0100", "MIME-Version: 1.0",
             "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
    if cc:
        lines.append(f"Cc: {cc}")
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode("utf-8")

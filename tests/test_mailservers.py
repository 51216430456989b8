"""The mail server fixtures of tests/mailservers.py, against themselves: if these fail, a failing
mail test says nothing about the code under test. No database needed."""

import imaplib
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.policy import SMTPUTF8

import pytest

from tests.mailservers import DEFAULT_PASSWORD, DEFAULT_USER


def _raw(subject: str, body: str = "Hallo") -> bytes:
    message = EmailMessage()
    message["From"] = "Kundin <kundin@example.test>"
    message["To"] = DEFAULT_USER
    message["Subject"] = subject
    message.set_content(body)
    return message.as_bytes()


def test_append_three_messages_and_list_them_with_flags(imap_mailbox):
    uids = [
        imap_mailbox.append(_raw("eins")),
        imap_mailbox.append(_raw("zwei"), flags=["\\Seen"]),
        imap_mailbox.append(_raw("drei"), flags=["\\Seen", "\\Flagged"]),
    ]

    assert uids == [1, 2, 3]
    assert imap_mailbox.messages() == [(1, set()), (2, {"\\Seen"}), (3, {"\\Seen", "\\Flagged"})]
    assert imap_mailbox.count() == 3
    assert b"Subject: zwei" in imap_mailbox.fetch_raw(2)
    assert imap_mailbox.messages()[0] == (1, set()), "fetch_raw must not mark the message seen"


def test_plain_login_works_without_tls_for_the_default_user(dovecot):
    client = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=10)
    try:
        assert "STARTTLS" in client.capabilities
        assert client.login(DEFAULT_USER, DEFAULT_PASSWORD)[0] == "OK"
    finally:
        client.logout()


def test_starttls_login_with_the_certificate_as_trust_anchor(dovecot, imap_mailbox):
    context = ssl.create_default_context(cafile=str(dovecot.cert_path))
    client = imaplib.IMAP4(dovecot.host, dovecot.tls_port, timeout=10)
    try:
        client.starttls(ssl_context=context)
        assert client.sock.version().startswith("TLS")
        assert client.login(imap_mailbox.user, imap_mailbox.password)[0] == "OK"
    finally:
        client.logout()


def test_implicit_tls_login_with_the_certificate_as_trust_anchor(dovecot, imap_mailbox):
    context = ssl.create_default_context(cafile=str(dovecot.cert_path))
    client = imaplib.IMAP4_SSL(dovecot.host, dovecot.imaps_port, ssl_context=context, timeout=10)
    try:
        assert client.login(imap_mailbox.user, imap_mailbox.password)[0] == "OK"
    finally:
        client.logout()


def test_tls_without_the_certificate_is_not_trusted(dovecot):
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(dovecot.host, dovecot.imaps_port, ssl_context=ssl.create_default_context(), timeout=10)


_seen_users = []


@pytest.mark.parametrize("run", [1, 2])
def test_imap_mailbox_is_empty_and_new_each_time(imap_mailbox, run):
    assert imap_mailbox.user not in _seen_users
    _seen_users.append(imap_mailbox.user)
    assert imap_mailbox.count() == 0
    assert imap_mailbox.messages() == []
    imap_mailbox.append(_raw(f"run {run}"))
    assert imap_mailbox.count() == 1


def test_add_user_and_password_change_take_effect_without_a_reload(dovecot):
    dovecot.add_user("neu@example.test", "erstes")
    with dovecot.imap("neu@example.test"):
        pass
    dovecot.add_user("neu@example.test", "zweites")
    with dovecot.imap("neu@example.test", "zweites"):
        pass
    with pytest.raises(imaplib.IMAP4.error):
        with dovecot.imap("neu@example.test", "erstes"):
            pass


def test_clear_empties_every_folder_and_removes_the_extra_ones(dovecot):
    dovecot.create_folder("Archiv")
    dovecot.create_folder("Archiv/Überfällig & alt")
    dovecot.append(_raw("inbox"))
    dovecot.append(_raw("alt"), folder="Archiv/Überfällig & alt", flags=["\\Seen"])
    assert dovecot.messages(folder="Archiv/Überfällig & alt") == [(1, {"\\Seen"})]
    assert dovecot.folders() == ["Archiv", "Archiv/Überfällig & alt", "INBOX"]

    dovecot.clear()

    assert dovecot.count() == 0
    assert dovecot.folders() == ["INBOX"]


def test_smtp_message_with_umlauts_arrives_parsed(smtp_outbox):
    message = EmailMessage(policy=SMTPUTF8)
    message["From"] = "Jürgen Müller <jürgen@example.test>"
    message["To"] = "Kundendienst <support@example.test>"
    message["Subject"] = "Grüße aus Köln"
    message.set_content("Schöne Grüße, äöüß!\n", cte="8bit")

    with smtplib.SMTP(smtp_outbox.host, smtp_outbox.port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("smtputf8") and client.has_extn("8bitmime")
        assert int(client.esmtp_features["size"]) >= 60 * 1024 * 1024
        client.send_message(message)

    [received] = smtp_outbox.wait_for(1)
    assert received.mail_from == "jürgen@example.test"
    assert received.rcpt_tos == ["support@example.test"]
    assert "SMTPUTF8" in received.mail_options
    assert received.message["Subject"] == "Grüße aus Köln"
    assert received.message.get_content() == "Schöne Grüße, äöüß!\n"
    assert "Grüße".encode() in received.raw


def test_smtp_accepts_a_large_message(smtp_outbox):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.test", "b@example.test", "groß"
    message.set_content("Anhang")
    message.add_attachment(b"\0" * (8 * 1024 * 1024), maintype="application", subtype="octet-stream",
                           filename="dump.bin")
    with smtplib.SMTP(smtp_outbox.host, smtp_outbox.port, timeout=30) as client:
        client.send_message(message)
    [received] = smtp_outbox.wait_for(1)
    attachment = next(received.message.iter_attachments())
    assert len(attachment.get_content()) == 8 * 1024 * 1024


def _send(sink, subject="Test"):
    with smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
        client.sendmail("helpdesk@example.test", ["kunde@example.test"], _raw(subject))


def test_temporary_failure_then_recovery(smtp_outbox):
    smtp_outbox.fail_with(451)
    with pytest.raises(smtplib.SMTPResponseException) as failure:
        _send(smtp_outbox, "erster Versuch")
    assert isinstance(failure.value, smtplib.SMTPDataError)
    assert failure.value.smtp_code == 451
    assert smtp_outbox.messages == [] and len(smtp_outbox.rejected) == 1

    smtp_outbox.fail_with(None)
    _send(smtp_outbox, "zweiter Versuch")
    assert [mail.subject for mail in smtp_outbox.wait_for(1)] == ["zweiter Versuch"]


def test_permanent_failure_and_failing_only_a_few_times(smtp_outbox):
    smtp_outbox.fail_with(550)
    with pytest.raises(smtplib.SMTPDataError) as failure:
        _send(smtp_outbox)
    assert failure.value.smtp_code == 550

    smtp_outbox.fail_with(451, times=2)
    for _ in range(2):
        with pytest.raises(smtplib.SMTPDataError):
            _send(smtp_outbox)
    _send(smtp_outbox, "dritter Versuch")
    assert [mail.subject for mail in smtp_outbox.wait_for(1)] == ["dritter Versuch"]
    assert len(smtp_outbox.rejected) == 3


def test_wait_for_says_what_arrived_when_it_times_out(smtp_outbox):
    _send(smtp_outbox, "nur eine")
    started = time.monotonic()
    with pytest.raises(AssertionError, match="nur eine"):
        smtp_outbox.wait_for(2, timeout=0.3)
    assert time.monotonic() - started < 2


def test_smtp_settings_point_django_mail_at_the_sink(smtp_settings):
    from django.core.mail import send_mail

    send_mail("Ihr Ticket HD-1", "Grüße vom Helpdesk", "helpdesk@example.test", ["kunde@example.test"])

    [received] = smtp_settings.wait_for(1)
    assert received.rcpt_tos == ["kunde@example.test"]
    assert received.message["Subject"] == "Ihr Ticket HD-1"
    assert received.message.get_content().strip() == "Grüße vom Helpdesk"
    assert smtp_settings.environ["EMAIL_PORT"] == str(smtp_settings.port)


def test_smtp_login_is_accepted_and_recorded(smtp_outbox):
    with smtplib.SMTP(smtp_outbox.host, smtp_outbox.port, timeout=10) as client:
        client.login("helpdesk", "geheim")
        client.sendmail("helpdesk@example.test", ["kunde@example.test"], _raw("mit Anmeldung"))
    assert smtp_outbox.wait_for(1)[0].subject == "mit Anmeldung"
    assert smtp_outbox.logins == [("helpdesk", "geheim")]

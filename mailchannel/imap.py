"""Fetching a mailbox over IMAP (IMAPClient), without losing or doubling a mail.

Mails are fetched in batches with BODY.PEEK[] (fetching does not mark them read), stored and
processed in our database in one transaction per batch (services.receive_batch: each mail in a
savepoint of its own), and only after that commit marked on the server: flagged as
processed (a keyword of our own where the server allows keywords, \\Seen otherwise) or moved to the
mailbox's folder for processed mail. A worker killed anywhere in between leaves the mail unmarked:
the next fetch takes it again and finds it already processed.
"""

from __future__ import annotations

import logging
import ssl
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from . import services
from .models import Mailbox, Security

logger = logging.getLogger(__name__)

PROCESSED_KEYWORD = b"$HelpdeskProcessed"
SEEN = b"\\Seen"
# Mails fetched per IMAP command, and stored and processed in one transaction: few enough that a
# large one does not bring many others into memory with it (a mail larger than this comes alone)
# and that a batch holds its rows' locks briefly, many enough that a full mailbox is fetched in few
# round trips and commits.
BATCH_BYTES = 8 * 1024 * 1024
BATCH_COUNT = 25
# A mail larger than twice this is fetched in pieces of this size: IMAPClient holds a fetched
# literal about three times over while it reads and parses the answer (113 MB for a 34 MB mail).
PIECE_BYTES = 4 * 1024 * 1024
TIMEOUT_SECONDS = 60
_LOCK_NAMESPACE = 0x6D61696C  # "mail": our advisory locks do not collide with anybody else's


@dataclass
class FetchResult:
    fetched: int = 0
    processed: int = 0
    already_known: int = 0
    statuses: dict = field(default_factory=dict)


def _ssl_context(mailbox: Mailbox) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not mailbox.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@contextmanager
def connect(mailbox: Mailbox):
    """A logged-in IMAP connection to the mailbox's server, logged out at the end."""
    use_ssl = mailbox.imap_security == Security.TLS
    client = IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=use_ssl,
                        ssl_context=_ssl_context(mailbox) if use_ssl else None, timeout=TIMEOUT_SECONDS)
    try:
        if mailbox.imap_security == Security.STARTTLS:
            client.starttls(_ssl_context(mailbox))
        client.normalise_times = False
        client.login(mailbox.imap_user, mailbox.imap_password)
        yield client
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            pass


@contextmanager
def mailbox_lock(mailbox: Mailbox, share: int = 0):
    """One fetch per mailbox share at a time, across all workers: a PostgreSQL advisory lock.
    Yields False when another fetch holds it (that one will take the new mail too)."""
    key = mailbox.pk * 64 + share
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, key])
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, key])


def _batches(sizes: dict) -> list[list[int]]:
    batches, current, current_bytes = [], [], 0
    for uid in sorted(sizes):
        size = sizes[uid]
        if current and (current_bytes + size > BATCH_BYTES or len(current) >= BATCH_COUNT):
            batches.append(current)
            current, current_bytes = [], 0
        current.append(uid)
        current_bytes += size
    if current:
        batches.append(current)
    return batches


def fetch(mailbox: Mailbox, *, limit: int | None = None, share: int = 0, shares: int = 1,
          keep_going_seconds: float = 0) -> FetchResult:
    """Fetch, store and process every new mail of the mailbox; mark each batch on the server after
    its commit. With `shares` > 1 this fetch takes only the mails whose UID % shares == share, so that
    several worker processes work one full mailbox in parallel without ever taking the same mail.
    With `keep_going_seconds`, mail that arrived meanwhile is taken too, in further rounds, until a
    round finds none or that long has passed: mail arriving while a large fetch runs waits for
    that fetch, not for the next poll."""
    result = FetchResult()
    started = time.monotonic()
    with connect(mailbox) as client:
        folder = client.select_folder(mailbox.imap_folder)
        keywords = b"\\*" in folder.get(b"PERMANENTFLAGS", ())
        criteria = ["UNKEYWORD", PROCESSED_KEYWORD] if keywords else ["UNSEEN"]
        if mailbox.processed_folder:
            _ensure_folder(client, mailbox.processed_folder)
        while True:
            done = _fetch_round(client, mailbox, result, criteria=criteria, keywords=keywords, limit=limit,
                                share=share, shares=shares)
            if not done or limit or time.monotonic() - started >= keep_going_seconds:
                break
            client.noop()  # the server tells about mail that arrived meanwhile
    return result


def _fetch_round(client: IMAPClient, mailbox: Mailbox, result: FetchResult, *, criteria, keywords, limit, share,
                 shares) -> int:
    """One search and every mail it found; returns how many were processed and marked."""
    uids = [uid for uid in client.search(criteria) if uid % shares == share]
    if limit:
        uids = uids[:limit]
    if not uids:
        return 0
    sizes = {uid: data.get(b"RFC822.SIZE", 0) for uid, data in client.fetch(uids, ["RFC822.SIZE"]).items()}
    processed = 0
    for batch in _batches(sizes):
        uids, mails = [], []
        if len(batch) == 1 and sizes[batch[0]] > 2 * PIECE_BYTES:
            fetched = _fetch_large(client, batch[0])
            if fetched is not None:
                uids.append(batch[0])
                mails.append(fetched)
            del fetched
        else:
            messages = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in batch:
                data = messages.pop(uid, None)
                if data is None:  # deleted on the server meanwhile
                    continue
                uids.append(uid)
                mails.append((data.get(b"BODY[]") or b"", data.get(b"INTERNALDATE")))
                del data
            del messages
        result.fetched += len(mails)
        # One transaction for the batch; it has committed when this returns.
        for inbound in services.receive_batch(mailbox=mailbox, mails=mails, source="imap"):
            result.statuses[inbound.status] = result.statuses.get(inbound.status, 0) + 1
        del mails
        _mark_done(client, mailbox, uids, keywords=keywords)
        result.processed += len(uids)
        processed += len(uids)
    return processed


def _fetch_large(client: IMAPClient, uid: int):
    """One large mail, fetched in pieces of PIECE_BYTES: (raw, INTERNALDATE), or None when it is gone."""
    pieces, offset, arrived_at = [], 0, None
    while True:
        items = [f"BODY.PEEK[]<{offset}.{PIECE_BYTES}>"] + (["INTERNALDATE"] if offset == 0 else [])
        data = client.fetch([uid], items).get(uid)
        if data is None:
            return None
        if offset == 0:
            arrived_at = data.get(b"INTERNALDATE")
        piece = data.get(f"BODY[]<{offset}>".encode())
        if piece is None:
            piece = next((value for key, value in data.items() if key.startswith(b"BODY[]")), None) or b""
        del data
        pieces.append(piece)
        offset += len(piece)
        if len(piece) < PIECE_BYTES:
            break
    raw = b"".join(pieces)
    del pieces, piece
    return raw, arrived_at


def _ensure_folder(client: IMAPClient, name: str) -> None:
    if not client.folder_exists(name):
        client.create_folder(name)


def _mark_done(client: IMAPClient, mailbox: Mailbox, uids: list[int], *, keywords: bool) -> None:
    if not uids:
        return
    if mailbox.processed_folder:
        if client.has_capability("MOVE"):
            client.move(uids, mailbox.processed_folder)
        else:
            client.copy(uids, mailbox.processed_folder)
            client.delete_messages(uids)
            client.expunge(uids) if client.has_capability("UIDPLUS") else client.expunge()
        return
    client.add_flags(uids, [SEEN, PROCESSED_KEYWORD] if keywords else [SEEN], silent=True)


def fetch_and_record(mailbox: Mailbox, *, share: int = 0, shares: int = 1,
                     keep_going_seconds: float = 0) -> FetchResult | None:
    """A fetch with its outcome kept on the mailbox (last fetch, last error in words for the admin).
    None when another worker is fetching this share of the mailbox right now."""
    with mailbox_lock(mailbox, share) as locked:
        if not locked:
            return None
        started = time.monotonic()
        try:
            result = fetch(mailbox, share=share, shares=shares, keep_going_seconds=keep_going_seconds)
        except Exception as error:
            services.mailbox_record_fetch(mailbox=mailbox, error=describe_error(error))
            raise
        services.mailbox_record_fetch(mailbox=mailbox)
        if result.fetched:
            logger.info("Mailbox %s: %d mails in %.1f s %s", mailbox.name, result.fetched,
                        time.monotonic() - started, result.statuses)
        return result


def describe_error(error: Exception) -> str:
    """What went wrong, in words an admin can act on."""
    if isinstance(error, LoginError):
        return _("The server refused the user name or password: %(error)s") % {"error": error}
    if isinstance(error, ssl.SSLCertVerificationError):
        return _("The server's certificate could not be verified: %(error)s") % {"error": error.verify_message}
    if isinstance(error, ssl.SSLError):
        return _("The encrypted connection failed (are the port and security settings right?): %(error)s") % {"error": error}
    if isinstance(error, ConnectionRefusedError):
        return _("No server is listening at this address and port (connection refused).")
    if isinstance(error, TimeoutError):
        return _("The server did not answer in time.")
    if isinstance(error, OSError) and getattr(error, "errno", None) in (-2, -3, -5):
        return _("The server name could not be found: %(error)s") % {"error": error}
    if isinstance(error, IMAPClientError):
        return _("The IMAP server reported an error: %(error)s") % {"error": error}
    return f"{type(error).__name__}: {error}"


def check_connection(mailbox: Mailbox) -> str:
    """Log in and open the folder; returns a sentence about what was found. Raises on failure."""
    with connect(mailbox) as client:
        folder = client.select_folder(mailbox.imap_folder, readonly=True)
        count = folder.get(b"EXISTS", 0)
        return ngettext("IMAP: logged in, folder “%(folder)s” has %(count)d message.",
                        "IMAP: logged in, folder “%(folder)s” has %(count)d messages.", count) % {
            "folder": mailbox.imap_folder, "count": count}

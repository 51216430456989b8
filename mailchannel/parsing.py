"""Raw RFC 822 bytes -> what the helpdesk needs to know about a mail. Pure functions, no database.

The standard library's `email` package (policy.default) does the MIME work. What is added here is
what real mail needs beyond the standard: charsets that lie about themselves, HTML-only mail turned
into text (html2text) and sanitised for display (nh3), the customer's new text separated from the
quoted history and the signature (mail-parser-reply, German and English), automatic mail and
delivery reports recognised, and nothing that makes PostgreSQL or a header choke (NUL bytes, line
breaks in subjects). Every function here must return for any input: a broken mail still becomes a
ticket, with whatever could be read from it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import formataddr as email_formataddr
from email.utils import getaddresses, parseaddr, parsedate_to_datetime  # noqa: F401 (parseaddr: for callers)

import html2text
import nh3
from mailparser_reply import EmailReplyParser

# A mail names at most this many recipients that we look at; the rest are counted, not parsed.
MAX_ADDRESSES = 200
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORWARD_PREFIX = re.compile(r"^\s*(fwd?|wg|weitergeleitet|tr)\s*:", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|antw|antwort|wg|fwd?|sv|vs)(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# Exchange's out-of-office answers carry no Auto-Submitted header, but always one of these prefixes.
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatische antwort|automatic reply|auto(matic)?[- ]?reply|abwesenheitsnotiz|out of (the )?office|"
    r"abwesend|autoreply|auto):", re.IGNORECASE)
_NO_REPLY_LOCALPART = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)$", re.IGNORECASE)
# Lines that only introduce the quoted history once the parser has cut what follows them.
_QUOTE_INTRO = re.compile(
    r"^\s*(-{2,}\s*(original message|ursprüngliche nachricht|urspr.ngliche nachricht|weitergeleitete nachricht|"
    r"forwarded message)\s*-{2,}|_{10,}|-{10,}|>.*)\s*$", re.IGNORECASE)
_ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "cid"}
_SURROGATES = re.compile("[\udc80-\udcff]")
# A line that introduces a quoted block: "Am 01.12.2026 um 09:30 schrieb …:", "On … wrote:".
_ATTRIBUTION = re.compile(r"(schrieb|wrote|a écrit|escribió|scrisse)\b.*:?\s*$|^\s*\S.*<[^>]+>\s*:\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Address:
    email: str
    name: str = ""


@dataclass
class Part:
    """An attachment or inline image, decoded."""

    filename: str
    content_type: str
    payload: bytes
    content_id: str = ""
    is_inline: bool = False
    # A part too large to take over is not decoded: its size is known from its encoded length.
    omitted_size: int | None = None

    @property
    def size(self) -> int:
        return self.omitted_size if self.omitted_size is not None else len(self.payload)


@dataclass
class Bounce:
    """What a delivery status notification says: whom our mail did not reach, and why."""

    recipients: list[str] = field(default_factory=list)
    status: str = ""
    diagnostic: str = ""
    original_message_id: str = ""


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    sender: Address | None = None
    reply_to: Address | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    recipient_count: int = 0
    date: datetime | None = None
    language: str = ""
    text: str = ""
    html: str = ""
    attachments: list[Part] = field(default_factory=list)
    automatic: str = ""  # "" or an InboundReason: auto_reply, bulk, mailing_list
    bounce: Bounce | None = None
    defects: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this mail answers, nearest first."""
        seen, ids = set(), []
        for message_id in [*self.in_reply_to, *reversed(self.references)]:
            if message_id not in seen:
                seen.add(message_id)
                ids.append(message_id)
        return ids

    @property
    def is_forward(self) -> bool:
        return bool(_FORWARD_PREFIX.match(self.subject))


# --- keys and headers ---------------------------------------------------------------------------------


def message_key(raw: bytes) -> tuple[str, str]:
    """(key, Message-ID) of a raw mail. The key is the Message-ID, or a hash of the bytes for a mail
    without one, so the same mail fetched twice has the same key."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:262144])
        message_id = _first_message_id(str(headers.get("Message-ID", "")))
    except Exception:  # noqa: BLE001 - a mail whose headers cannot be read still needs a key
        message_id = ""
    if message_id:
        return message_id[:255], message_id[:255]
    return "sha256:" + hashlib.sha256(raw).hexdigest(), ""


def _first_message_id(value: str) -> str:
    match = _MESSAGE_ID.search(value or "")
    if match:
        return clean_line(match.group(1))
    value = clean_line(value).strip("<> ")
    return value if value and " " not in value else ""


def _message_ids(value: str) -> list[str]:
    return [clean_line(m) for m in _MESSAGE_ID.findall(value or "")][:100]


def clean_line(value) -> str:
    """One line of text without control characters or NUL bytes."""
    return " ".join(_CONTROL.sub(" ", str(value or "")).replace("\r", " ").replace("\n", " ").split())


def clean_text(value: str) -> str:
    """Text as PostgreSQL and a textarea take it: no NUL or other control characters, \\n line ends."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return _CONTROL.sub("", value)


def decode_words(value) -> str:
    """A header value with RFC 2047 encoded words (=?UTF-8?Q?...?=) decoded, whatever their charset;
    raw 8-bit header bytes (RFC 6532, or a client that never heard of encoded words) too."""
    value = str(value or "")
    if _SURROGATES.search(value):
        # The parser keeps undecodable header bytes as surrogates; decode them as a body would be.
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    try:
        chunks = decode_header(value)
    except Exception:  # noqa: BLE001
        return clean_line(value)
    return clean_line("".join(
        decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk for chunk, charset in chunks
    ))


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Bytes in whatever charset a mail claims. Claims are often wrong: "iso-8859-1" is used for
    Windows-1252 (its quotes and €) and for UTF-8; no charset at all usually means UTF-8."""
    charset = (charset or "").strip().strip('"').lower()
    if charset in ("", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso_8859-1", "unknown-8bit", "x-unknown"):
        candidates = ["utf-8", "windows-1252"]
    else:
        candidates = [charset, "utf-8", "windows-1252"]
    for candidate in candidates:
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")  # never fails: every byte is a character


def _raw_headers(message: Message, name: str) -> list[str]:
    # raw_items() hands back the header values as they came, without the policy's parser (which is
    # slow on a To: header with thousands of addresses and strict about malformed ones).
    name = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == name]


def _addresses(message: Message, name: str) -> tuple[list[Address], int]:
    values = _raw_headers(message, name)
    if not values:
        return [], 0
    joined = ",".join(v.replace("\r", " ").replace("\n", " ") for v in values)
    total = joined.count("@")
    # Cut a huge header before parsing: we look at the first MAX_ADDRESSES only.
    if total > MAX_ADDRESSES:
        joined = ",".join(joined.split(",")[: MAX_ADDRESSES * 2])
    result = []
    try:
        pairs = getaddresses([joined])
    except Exception:  # noqa: BLE001
        pairs = []
    for display_name, email in pairs:
        email = clean_line(email).lower()
        if "@" not in email or len(email) > 254 or " " in email:
            continue
        result.append(Address(email=email, name=decode_words(display_name)[:200]))
        if len(result) >= MAX_ADDRESSES:
            break
    return result, total


def _header(message: Message, name: str) -> str:
    values = _raw_headers(message, name)
    return decode_words(values[0]) if values else ""


# --- bodies -------------------------------------------------------------------------------------------


def _payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken base64 and the like: take what is there
        payload = None
    if payload is None:
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return payload


def _text_of(part: Message) -> str:
    text = clean_text(decode_bytes(_payload_bytes(part), part.get_content_charset()))
    if part.get_content_type() == "text/plain" and (part.get_param("format") or "").lower() == "flowed":
        text = unflow(text, delsp=(part.get_param("delsp") or "").lower() == "yes")
    return text


def unflow(text: str, *, delsp: bool = False) -> str:
    """format=flowed (RFC 3676, Thunderbird and Apple Mail): a line ending in a space continues on
    the next one; a leading space was added for transport ("space-stuffing"). The signature
    separator "-- " is a line of its own."""
    paragraphs, current = [], None
    for line in text.split("\n"):
        quote = len(line) - len(line.lstrip(">"))
        body = line[quote:]
        if body.startswith(" "):
            body = body[1:]
        if current is not None and current[0] == quote and current[1].endswith(" ") and current[1] != "-- ":
            joined = current[1][:-1] if delsp else current[1]
            current = (quote, joined + body)
        else:
            if current is not None:
                paragraphs.append(current)
            current = (quote, body)
    if current is not None:
        paragraphs.append(current)
    return "\n".join(("> " * depth if depth else "") + (body.rstrip() if body != "-- " else body)
                      for depth, body in paragraphs)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if not name:
        name = part.get_param("name") if part.get_param("name") else None
        if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
            name = decode_bytes(name[2].encode("latin-1", "replace"), name[0])
    return decode_words(name or "").replace("/", "_").replace("\\", "_")[:200]


_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "application/pdf": "pdf",
               "text/plain": "txt", "text/html": "html", "message/rfc822": "eml", "text/calendar": "ics"}


def _walk(message: Message, parsed: ParsedMail, omitted: dict | None = None) -> None:
    """Collect the text, the HTML and the files. The first text/plain and text/html outside
    attachments make the body; multipart/alternative prefers the plain text (the caller decides)."""
    texts, htmls = [], []
    for part in _leaves(message):
        content_type = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        content_id = _first_message_id(str(part.get("Content-ID", "")))
        if content_type == "message/delivery-status":
            continue
        is_body = disposition != "attachment" and not filename and content_type in ("text/plain", "text/html")
        if is_body:
            (texts if content_type == "text/plain" else htmls).append(_text_of(part))
            continue
        omitted_size = None
        if content_type == "message/rfc822" or content_type == "text/rfc822-headers":
            payload = part.as_bytes() if content_type == "text/rfc822-headers" else _attached_message_bytes(part)
        else:
            payload = _payload_bytes(part)
            omitted_size = omitted.get(payload) if omitted and payload.startswith(_OMITTED) else None
            if omitted_size is not None:
                payload = b""
        if not filename:
            stem = "image" if content_type.startswith("image/") else "attachment"
            filename = f"{stem}-{len(parsed.attachments) + 1}.{_EXTENSIONS.get(content_type, 'bin')}"
        parsed.attachments.append(Part(
            filename=filename, content_type=content_type, payload=payload, content_id=content_id,
            is_inline=bool(content_id) and disposition != "attachment" and content_type.startswith("image/"),
            omitted_size=omitted_size,
        ))
    parsed.text = "\n\n".join(t for t in texts if t.strip())
    parsed.html = "\n".join(h for h in htmls if h.strip())


def _leaves(message: Message):
    """The parts of a mail that hold content, in order. An attached mail (message/rfc822) is one
    leaf, a file: its own text is not the sender's text."""
    if message.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
        yield message
        return
    if message.is_multipart():
        payload = message.get_payload()
        for child in payload if isinstance(payload, list) else []:
            yield from _leaves(child)
        return
    yield message


def _attached_message_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        try:
            return payload[0].as_bytes(policy=policy.SMTP)
        except Exception:  # noqa: BLE001
            return str(payload[0]).encode("utf-8", "replace")
    return _payload_bytes(part)


_DROPPED_WITH_CONTENT = {"script", "style", "title", "noscript", "head", "template"}


def sanitise_html(html: str) -> str:
    """HTML from a mail as it may be shown in a page: no scripts, styles, handlers or remote forms;
    links and cid: images kept."""
    return nh3.clean(html, url_schemes=_ALLOWED_URL_SCHEMES, link_rel="noopener noreferrer nofollow",
                     clean_content_tags=_DROPPED_WITH_CONTENT)


def html_to_text(html: str) -> str:
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.unicode_snob = True
    try:
        text = converter.handle(nh3.clean(html, tags=set(nh3.ALLOWED_TAGS) - {"img"} - _DROPPED_WITH_CONTENT,
                                          clean_content_tags=_DROPPED_WITH_CONTENT))
    except Exception:  # noqa: BLE001
        text = re.sub(r"<[^>]+>", " ", html)
    return clean_text(text).strip()


_reply_parser = EmailReplyParser(languages=["de", "en"])


def _without_quoted_blocks(text: str) -> str:
    """Drop "> " quoted blocks wherever they are (bottom-posting puts them first), with the line
    that introduces each ("Am … schrieb …:", also wrapped over two lines)."""
    lines = text.split("\n")
    keep = [True] * len(lines)
    for index, line in enumerate(lines):
        if not line.lstrip().startswith(">"):
            continue
        keep[index] = False
        if index and lines[index - 1].lstrip().startswith(">"):
            continue
        # the introduction: the nearest non-empty lines above, if they read like one
        above = index - 1
        while above >= 0 and not lines[above].strip():
            above -= 1
        for candidate in (above, above - 1):
            if candidate >= 0 and keep[candidate] and _ATTRIBUTION.search(lines[candidate]):
                for dropped in range(candidate, index):
                    keep[dropped] = False
                break
    return "\n".join(line for line, kept in zip(lines, keep) if kept)


def new_text(text: str, *, keep_signature: bool = False) -> str:
    """The sender's new words: the quoted history ("Am … schrieb …:", "-----Ursprüngliche
    Nachricht-----", Outlook's "Von: … Gesendet: …", "On … wrote:", > quotes) cut off, and for a
    reply the signature too (a new ticket keeps it: it often holds the phone number the agent needs).
    When nothing is left (a mail that only quotes), the whole text is kept."""
    text = (text or "").strip()
    if not text:
        return ""
    unquoted = _without_quoted_blocks(text).strip()
    try:
        replies = _reply_parser.read(text=unquoted).replies
        if replies:
            latest = replies[0].content if keep_signature else replies[0].body
        else:
            latest = unquoted
    except Exception:  # noqa: BLE001 - the parser is a heuristic; the full text is a safe answer
        latest = unquoted
    lines = latest.strip().splitlines()
    while lines and (not lines[-1].strip() or _QUOTE_INTRO.match(lines[-1])):
        lines.pop()
    latest = "\n".join(lines).strip()
    return latest or text


# --- classification -----------------------------------------------------------------------------------


def _automatic(message: Message, subject: str, sender: Address | None) -> str:
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return "auto_reply"
    precedence = _header(message, "Precedence").lower()
    if precedence in ("bulk", "junk"):
        return "bulk"
    if precedence == "list" or _header(message, "List-Id"):
        return "mailing_list"
    if precedence == "auto_reply" or _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return "auto_reply"
    if _AUTO_REPLY_SUBJECT.match(subject):
        return "auto_reply"
    if sender and _NO_REPLY_LOCALPART.match(sender.email.partition("@")[0]):
        return "auto_reply"
    return ""


def _bounce(message: Message) -> Bounce | None:
    if message.get_content_type() != "multipart/report" or \
            (message.get_param("report-type") or "").lower() != "delivery-status":
        return None
    bounce = Bounce()
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            blocks = part.get_payload()
            blocks = blocks if isinstance(blocks, list) else []
            for block in blocks:
                action = str(block.get("Action", "")).strip().lower()
                recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
                if recipient and action in ("failed", ""):
                    address = recipient.rpartition(";")[2].strip().strip("<>").lower()
                    if "@" in address:
                        bounce.recipients.append(clean_line(address))
                    bounce.status = bounce.status or clean_line(block.get("Status", ""))
                    bounce.diagnostic = bounce.diagnostic or clean_line(block.get("Diagnostic-Code", ""))[:500]
        elif content_type in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            original = part.get_payload()
            if isinstance(original, list) and original:
                bounce.original_message_id = _first_message_id(str(original[0].get("Message-ID", "")))
            else:
                try:
                    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(_payload_bytes(part))
                    bounce.original_message_id = _first_message_id(str(headers.get("Message-ID", "")))
                except Exception:  # noqa: BLE001
                    pass
    return bounce


# --- large attachments -----------------------------------------------------------------------------

# The stand-in for a part's body that was cut out before parsing; the number says which one.
_OMITTED = b"\x00helpdesk-omitted-part:"
# A base64 body: base64 characters and line breaks only (one character class, so that the regular
# expression keeps no state per line), starting at the blank line that ends the part's headers.
_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/=\r\n]{65536,}")
_BASE64_HEADER = re.compile(rb"^content-transfer-encoding:[ \t]*base64[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_NAMED_PART = re.compile(rb"^content-disposition:[ \t]*attachment|^content-(?:type|disposition):[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*?"
                         rb"\bfile?name\*?=", re.IGNORECASE | re.MULTILINE)
_TEXT_PART = re.compile(rb"^content-type:[ \t]*text/", re.IGNORECASE | re.MULTILINE)


def _omit_large_parts(raw: bytes, limit: int) -> tuple[bytes, dict]:
    """`raw` with the body of each base64 file larger than `limit` (decoded) replaced by a short
    stand-in, and {stand-in: decoded size}: such a file is left out of the ticket anyway, and
    parsing it would hold the mail several times over in memory (the parser's lines, the joined
    body, the decoded bytes). Text bodies are never cut: only parts that name a file or are not text."""
    pieces, omitted, position = [], {}, 0
    for match in _BASE64_RUN.finditer(raw):
        run_start, end = match.span()
        # The body starts after the blank line that ends the part's headers (its last characters
        # may belong to the run: "base64\r\n\r\n").
        blank = raw.find(b"\r\n\r\n", run_start, min(end, run_start + 1024))
        start = blank + 4 if blank >= 0 else -1
        if blank < 0:
            blank = raw.find(b"\n\n", run_start, min(end, run_start + 1024))
            start = blank + 2 if blank >= 0 else -1
        if start < 0:
            continue
        while end > start and raw[end - 1:end] in (b"\r", b"\n"):
            end -= 1
        encoded = end - start - raw.count(b"\n", start, end) - raw.count(b"\r", start, end)
        size = encoded * 3 // 4 - raw.count(b"=", max(start, end - 4), end)
        if size <= limit:
            continue
        # The headers of the part: back from the blank line to the boundary line.
        header_start = max(raw.rfind(b"\n--", 0, start), 0)
        headers = raw[header_start:start]
        if len(headers) > 16384 or not _BASE64_HEADER.search(headers):
            continue
        if _TEXT_PART.search(headers) and not _NAMED_PART.search(headers):
            continue
        rest = raw[end:end + 2048].lstrip(b"\r\n")
        if rest and not rest.startswith(b"--"):
            continue  # something else follows in the same body: parse it whole
        token = _OMITTED + str(len(omitted)).encode()
        omitted[token] = size
        pieces += [raw[position:start], base64.b64encode(token) + b"\r\n"]
        position = end
    if not omitted:
        return raw, {}
    pieces.append(raw[position:])
    return b"".join(pieces), omitted


# --- the whole mail -----------------------------------------------------------------------------------


def parse(raw: bytes, *, max_part_bytes: int | None = None) -> ParsedMail:
    """Everything the intake needs from one raw mail. Never raises for a malformed mail: what
    could not be read is listed in `defects`. With `max_part_bytes`, a file larger than that is not
    decoded (its Part has no payload, only its size): it would be left out anyway."""
    parsed = ParsedMail()
    omitted = {}
    if max_part_bytes is not None and len(raw) > max_part_bytes:
        try:
            raw, omitted = _omit_large_parts(raw, max_part_bytes)
        except Exception:  # noqa: BLE001 - then the mail is parsed whole
            omitted = {}
    try:
        message = message_from_bytes(raw, policy=policy.default)
    except Exception as error:  # noqa: BLE001
        parsed.defects.append(f"unreadable: {error}")
        parsed.text = clean_text(decode_bytes(raw, None))
        return parsed
    parsed.defects.extend(type(d).__name__ for d in getattr(message, "defects", []))
    parsed.message_id = _first_message_id(" ".join(_raw_headers(message, "Message-ID")))
    parsed.in_reply_to = _message_ids(" ".join(_raw_headers(message, "In-Reply-To")))
    parsed.references = _message_ids(" ".join(_raw_headers(message, "References")))
    parsed.subject = _header(message, "Subject")
    senders, _count = _addresses(message, "From")
    parsed.sender = senders[0] if senders else None
    reply_to, _count = _addresses(message, "Reply-To")
    parsed.reply_to = reply_to[0] if reply_to else None
    parsed.to, to_count = _addresses(message, "To")
    parsed.cc, cc_count = _addresses(message, "Cc")
    parsed.recipient_count = to_count + cc_count
    try:
        parsed.date = parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        parsed.date = None
    parsed.language = _header(message, "Content-Language")[:2].lower()
    parsed.automatic = _automatic(message, parsed.subject, parsed.sender)
    try:
        parsed.bounce = _bounce(message)
    except Exception:  # noqa: BLE001
        parsed.bounce = None
    try:
        _walk(message, parsed, omitted)
    except Exception as error:  # noqa: BLE001 - keep what was read before the broken part
        parsed.defects.append(f"body: {error}")
    if parsed.html:
        parsed.html = sanitise_html(parsed.html)
        if not parsed.text.strip():
            parsed.text = html_to_text(parsed.html)
    parsed.text = clean_text(parsed.text).strip()
    return parsed


def strip_reply_prefixes(subject: str) -> str:
    """ "AW: Re: WG: Drucker" -> "Drucker" (for matching, never for storing a new ticket's subject)."""
    return _REPLY_PREFIX.sub("", subject or "").strip()


def stored_facts(raw: bytes) -> tuple[str, str, ParsedMail]:
    """message_key() and parse_headers() from one reading of the headers: what the inbound row keeps."""
    parsed = ParsedMail()
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:262144])
        message_id = _first_message_id(str(headers.get("Message-ID", "")))
    except Exception:  # noqa: BLE001 - a mail whose headers cannot be read still needs a key
        return (*message_key(raw), parse_headers(raw))
    try:
        senders, _count = _addresses(headers, "From")
        parsed.sender = senders[0] if senders else None
        parsed.subject = _header(headers, "Subject")
    except Exception:  # noqa: BLE001
        parsed = parse_headers(raw)
    if message_id:
        return message_id[:255], message_id[:255], parsed
    return "sha256:" + hashlib.sha256(raw).hexdigest(), "", parsed


def parse_headers(raw: bytes) -> ParsedMail:
    """Sender and subject only, cheaply: for the inbound log row written before processing."""
    parsed = ParsedMail()
    try:
        message = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:262144])
    except Exception:  # noqa: BLE001
        return parsed
    senders, _count = _addresses(message, "From")
    parsed.sender = senders[0] if senders else None
    parsed.subject = _header(message, "Subject")
    return parsed


def formataddr(address: Address | None) -> str:
    if address is None:
        return ""
    return email_formataddr((address.name, address.email)) if address.name else address.email

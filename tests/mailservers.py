"""Real mail servers for the tests: Debian's dovecot for IMAP and aiosmtpd for SMTP.

Mocked imaplib/smtplib calls only prove that the code says what we expect it to say; a real server
also answers the way servers do (literals, flags, UIDs, STARTTLS, 4xx/5xx replies, 8-bit and
SMTPUTF8 data), which is where mail code breaks. Both servers start once per test session on free
ports picked here (never fixed ones: other test runs may be going on at the same time on this
machine), and tests get isolation from fresh IMAP users and a cleared SMTP sink instead of restarts.

Loaded through `pytest_plugins` in the root conftest.py, so any test package (unit tests, browser
tests, benchmarks) can request the fixtures. Nothing here touches the database.

    dovecot       session   Dovecot: the IMAP server and helpers to place and inspect mail
    imap_mailbox  function  ImapMailbox: a fresh, empty IMAP user on that server
    smtp_server   session   SmtpSink: an SMTP server that keeps what it receives
    smtp_outbox   function  the SmtpSink, emptied and accepting again
    smtp_settings function  the SmtpSink, with Django's mail settings pointed at it
"""

from __future__ import annotations

import base64
import email
import email.policy
import grp
import imaplib
import itertools
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest

HOST = "127.0.0.1"
DEFAULT_USER = "support@example.test"
DEFAULT_PASSWORD = "secret"
MAIL_USER = "vmail"
START_TIMEOUT = 10.0


def free_ports(count: int = 1, host: str = HOST) -> list[int]:
    """Ports the kernel has just handed out as free. All sockets stay bound until every port is
    picked, so the ports differ from each other; another process may still grab one before our
    server binds it, which is why the servers below retry with new ports."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


# --- IMAP --------------------------------------------------------------------------------------------

def _quote(mailbox: str) -> str:
    """imaplib sends arguments as they are; a folder name with a space or a non-ASCII letter must be
    quoted and in IMAP's modified UTF-7 (RFC 3501 5.1.3), or the server sees something else."""
    out, pending = [], []

    def flush():
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in mailbox:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return '"' + "".join(out).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response: tuple, what: str):
    typ, data = response
    if typ != "OK":
        raise AssertionError(f"IMAP {what} failed: {typ} {data!r}")
    return data


_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$')
_UID = re.compile(rb"\bUID (\d+)")
_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")


class Dovecot:
    """Debian's dovecot 2.3, run as a child of the test process with a configuration of its own.

    Ports (all on 127.0.0.1; the one global `ssl = yes` of dovecot means every plain listener offers
    STARTTLS, and `disable_plaintext_auth = no` means none insists on it):
      port        plain IMAP: LOGIN without TLS works; STARTTLS is offered but optional
      tls_port    a second listener of the same kind, for tests that mean "the STARTTLS one"
      imaps_port  implicit TLS (IMAPS), for clients configured with SSL instead of STARTTLS
    The certificate (`cert_path`) is self-signed for localhost and 127.0.0.1; trust it with
    `ssl.create_default_context(cafile=dovecot.cert_path)`.

    Users live in passwd-files (one per user, see `add_user`), so a user added during the session
    can log in at once, without a reload. `startup_seconds` is how long dovecot took to listen.
    """

    host = HOST

    def __init__(self, conf_dir: Path, store_dir: Path):
        # conf_dir (pytest's tmp dir, root only) holds what only root processes read: the
        # configuration, the key and the log. store_dir must be reachable by the unprivileged
        # dovecot processes (dovenull, dovecot, vmail), which pytest's 0700 directories are not.
        self.conf_dir = conf_dir
        self.store_dir = store_dir
        self.conf_path = conf_dir / "dovecot.conf"
        self.log_path = conf_dir / "dovecot.log"
        self.cert_path = conf_dir / "cert.pem"
        self.key_path = conf_dir / "key.pem"
        self.base_dir = store_dir / "run"
        self.mail_dir = store_dir / "mail"
        self.users_dir = store_dir / "users"
        self.port = self.tls_port = self.imaps_port = 0
        self.startup_seconds = 0.0
        self._passwords: dict[str, str] = {}
        self._users_lock = threading.Lock()
        self._proc: subprocess.Popen | None = None

    # Life cycle ---------------------------------------------------------------------------------------

    def start(self) -> None:
        mail_user = _ensure_mail_user()
        self.base_dir.mkdir()
        self.mail_dir.mkdir(mode=0o700)
        self.users_dir.mkdir(mode=0o750)
        os.chown(self.users_dir, 0, _internal_gid())
        os.chown(self.mail_dir, mail_user.pw_uid, mail_user.pw_gid)
        self._make_certificate()
        self.add_user(DEFAULT_USER, DEFAULT_PASSWORD)
        started = time.monotonic()
        for _ in range(3):
            self.port, self.tls_port, self.imaps_port = free_ports(3)
            self._write_config(mail_user)
            if self._launch():
                break
            if "Address already in use" not in self.log():
                self._fail_start("dovecot did not start")
        else:
            self._fail_start("dovecot could not bind a free port in 3 attempts")
        self.startup_seconds = time.monotonic() - started

    def _make_certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "2",
             # Python checks the name it connected to against the certificate's subjectAltName, so a
             # client connecting to 127.0.0.1 needs the IP in there, not only CN=localhost.
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(self.key_path), "-out", str(self.cert_path)],
            check=True, capture_output=True,
        )
        self.key_path.chmod(0o600)

    def _write_config(self, mail_user: pwd.struct_passwd) -> None:
        self.conf_path.write_text(f"""\
# Written by tests/mailservers.py for one test session; nothing of /etc/dovecot is read.
protocols = imap
listen = {HOST}
base_dir = {self.base_dir}
state_dir = {self.base_dir}
instance_name = dovecot-pytest-{os.getpid()}
log_path = {self.log_path}
auth_verbose = yes
ssl = yes
ssl_cert = <{self.cert_path}
ssl_key = <{self.key_path}
disable_plaintext_auth = no
auth_mechanisms = plain login
# A test that checks a wrong password should not wait out the default 2 s, nor make the next
# login from 127.0.0.1 wait up to 15 s: without its anvil socket, auth applies no penalty.
auth_failure_delay = 0
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:{self.mail_dir}/%u
mail_uid = {mail_user.pw_uid}
mail_gid = {mail_user.pw_gid}
first_valid_uid = {mail_user.pw_uid}
last_valid_uid = {mail_user.pw_uid}
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = {self.users_dir}/%u
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={self.mail_dir}/%u
}}
protocol imap {{
  mail_max_userip_connections = 1000
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imap_starttls {{
    address = {HOST}
    port = {self.tls_port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.imaps_port}
    ssl = yes
  }}
}}
""")

    def _launch(self) -> bool:
        """Start the master in the foreground as our child, so its pid is ours to stop and cannot be
        mistaken for another test run's dovecot; --pdeathsig ends it if pytest is killed outright."""
        self.log_path.write_text("")
        # Startup errors (a bad setting, a port taken) go to stderr before log_path is in use.
        with open(self.log_path, "ab") as early_log:
            self._proc = subprocess.Popen(
                ["setpriv", "--pdeathsig", "TERM", "--", shutil.which("dovecot") or "/usr/sbin/dovecot",
                 "-F", "-c", str(self.conf_path)],
                stdin=subprocess.DEVNULL, stdout=early_log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._proc = None
                return False
            if self._greets(self.port) and self._greets(self.tls_port) and self._accepts(self.imaps_port):
                return True
            time.sleep(0.05)
        self.stop()
        self._fail_start(f"dovecot did not answer on port {self.port} within {START_TIMEOUT:.0f} s")

    def _greets(self, port: int) -> bool:
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                return sock.recv(200).startswith(b"* OK")
        except OSError:
            return False

    def _accepts(self, port: int) -> bool:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return True
        except OSError:
            return False

    def _fail_start(self, why: str):
        pytest.fail(f"{why}.\nconfig: {self.conf_path}\nlog ({self.log_path}):\n{self.log()}", pytrace=False)

    def log(self) -> str:
        """The server's log so far; put it in assertion messages when mail does not arrive."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        """End the master and wait until its children are gone too: a login or imap process left
        behind keeps files open in store_dir and shows up in the next run's `pgrep dovecot`."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        children = _descendants(proc.pid)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        deadline = time.monotonic() + 5
        while True:
            alive = [pid for pid, start in children if _process_start(pid) == start]
            if not alive or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # Users --------------------------------------------------------------------------------------------

    def add_user(self, address: str, password: str) -> None:
        """Add a user or change a password, effective at the next login without a reload.

        Dovecot looks at a passwd-file at most once per second and only notices a change of mtime
        (whole seconds) or size (db-passwd-file.c, passwd_file_sync). One shared file would let a
        user added right after another login stay "unknown" for up to a second, so every user has
        a file of its own (`args = <dir>/%u`): a new user's file has never been read, dovecot opens
        it at the first login. A changed password waits out the rest of the second, with the mtime
        moved on so the change is seen even at the same size."""
        address = address.lower()  # dovecot lowercases login names (auth_username_format = %Lu)
        if any(c in address + password for c in ":\n\r") or "/" in address or address.startswith("."):
            raise ValueError("no ':', '/' or line breaks in user names, no ':' or line breaks in passwords")
        path = self.users_dir / address
        with self._users_lock:
            existed = path.exists()
            old_mtime = int(path.stat().st_mtime) if existed else 0
            tmp = self.users_dir / f".{address}.tmp"
            tmp.write_text(f"{address}:{{PLAIN}}{password}::::::\n")
            # Read by dovecot's auth process, which runs as its internal user, not root.
            os.chown(tmp, 0, _internal_gid())
            tmp.chmod(0o640)
            written = int(time.time())
            if existed:
                stamp = max(written, old_mtime + 1)
                os.utime(tmp, (stamp, stamp))
            os.replace(tmp, path)  # never half a line for dovecot to read
            self._passwords[address] = password
            if existed:
                time.sleep(max(0.0, written + 1 - time.time()) + 0.01)

    @property
    def users(self) -> list[str]:
        return list(self._passwords)

    # Client helpers -----------------------------------------------------------------------------------

    @contextmanager
    def imap(self, user: str = DEFAULT_USER, password: str | None = None) -> Iterator[imaplib.IMAP4]:
        """A logged-in imaplib client on the plain port, logged out afterwards."""
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            client.login(user, self._passwords[user.lower()] if password is None else password)
            yield client
        finally:
            try:
                client.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

    def append(self, raw: bytes | str | EmailMessage, *, user: str = DEFAULT_USER, folder: str = "INBOX",
               flags: Iterable[str] = ()) -> int | None:
        """Put a message into a folder the way a mail delivery would; returns its UID. Bare LF line
        ends are sent as CRLF (imaplib does that), as they would be on the wire."""
        if isinstance(raw, EmailMessage):
            raw = raw.as_bytes(policy=email.policy.SMTPUTF8)
        elif isinstance(raw, str):
            raw = raw.encode("utf-8")
        flag_list = "(" + " ".join(flags) + ")" if flags else None
        with self.imap(user) as client:
            data = _check(client.append(_quote(folder), flag_list, None, raw), f"APPEND to {folder}")
        match = _APPENDUID.search(data[0] or b"")
        return int(match.group(1)) if match else None

    def messages(self, *, user: str = DEFAULT_USER, folder: str = "INBOX") -> list[tuple[int, set[str]]]:
        r"""(uid, flags) of every message, in UID order. \Recent is left out: it only says which
        session saw the message first, so it would differ between a test's first and second look."""
        with self.imap(user) as client:
            _check(client.select(_quote(folder), readonly=True), f"EXAMINE {folder}")
            uids = _check(client.uid("SEARCH", "ALL"), "UID SEARCH")[0].split()
            if not uids:
                return []
            data = _check(client.uid("FETCH", b",".join(uids).decode(), "(FLAGS)"), "UID FETCH FLAGS")
        result = []
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            uid, flags = _UID.search(line), _FLAGS.search(line)
            if uid and flags:
                result.append((int(uid.group(1)), set(flags.group(1).decode().split()) - {"\\Recent"}))
        return sorted(result)

    def fetch_raw(self, uid: int, *, user: str = DEFAULT_USER, folder: str = "INBOX") -> bytes:
        """The message exactly as stored, fetched with BODY.PEEK so it stays unseen."""
        with self.imap(user) as client:
            _check(client.select(_quote(folder), readonly=True), f"EXAMINE {folder}")
            data = _check(client.uid("FETCH", str(uid), "(BODY.PEEK[])"), "UID FETCH BODY")
        for item in data:
            if isinstance(item, tuple):
                return item[1]
        raise KeyError(f"no message with UID {uid} in {user}'s {folder}")

    def fetch(self, uid: int, *, user: str = DEFAULT_USER, folder: str = "INBOX") -> EmailMessage:
        return email.message_from_bytes(self.fetch_raw(uid, user=user, folder=folder), policy=email.policy.default)

    def count(self, *, user: str = DEFAULT_USER, folder: str = "INBOX") -> int:
        with self.imap(user) as client:
            data = _check(client.status(_quote(folder), "(MESSAGES)"), f"STATUS {folder}")
        return int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))

    def folders(self, *, user: str = DEFAULT_USER) -> list[str]:
        """Folder names as a person writes them ("Archiv/Überfällig"), sorted; `create_folder`,
        `append` and friends take them in this form."""
        with self.imap(user) as client:
            return sorted(_unquote(name) for name, _ in self._list(client))

    def create_folder(self, name: str, *, user: str = DEFAULT_USER) -> None:
        with self.imap(user) as client:
            _check(client.create(_quote(name)), f"CREATE {name}")
            _check(client.subscribe(_quote(name)), f"SUBSCRIBE {name}")

    def clear(self, *, user: str = DEFAULT_USER, delete_folders: bool = True) -> None:
        """Expunge every message in every folder of the user and, unless told otherwise, delete the
        folders other than INBOX, so a session-wide user can start a test empty."""
        with self.imap(user) as client:
            folders = self._list(client)
            for name, flags in folders:
                if "\\noselect" in flags:
                    continue
                exists = int(_check(client.select(name), f"SELECT {name}")[0] or 0)
                if exists:
                    _check(client.store("1:*", "+FLAGS.SILENT", "(\\Deleted)"), f"STORE in {name}")
                    _check(client.expunge(), f"EXPUNGE {name}")
                client.close()
            if delete_folders:
                # Children before parents: deepest names sort last, delete from the end.
                for name, _ in sorted(folders, key=lambda folder: len(folder[0]), reverse=True):
                    if name.strip('"').upper() != "INBOX":
                        client.unsubscribe(name)
                        _check(client.delete(name), f"DELETE {name}")

    @staticmethod
    def _list(client: imaplib.IMAP4) -> list[tuple[str, set[str]]]:
        """(name as the server sent it, to pass back to imaplib as it is; lowercased flags)."""
        folders = []
        for item in _check(client.list(), "LIST"):
            if item is None:
                continue
            if isinstance(item, tuple):  # the name came as a literal: {n}\r\n<name>
                header, literal = item
                match = _LIST_LINE.match(header)
                name = _quote_raw(literal)
            else:
                match = _LIST_LINE.match(item)
                name = match.group("name").decode() if match else None
            if match and name:
                folders.append((name, set(match.group("flags").decode().lower().split())))
        return folders

    def __repr__(self):
        return f"<Dovecot {self.host}:{self.port} tls={self.tls_port} imaps={self.imaps_port} log={self.log_path}>"


def _quote_raw(name: bytes) -> str:
    return '"' + name.decode().replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(token: str) -> str:
    """The reverse of `_quote`: a mailbox name from a LIST reply, as a str."""
    if token.startswith('"') and token.endswith('"'):
        token = re.sub(r"\\(.)", r"\1", token[1:-1])

    def decode(match: re.Match) -> str:
        if not match.group(1):
            return "&"
        data = match.group(1).replace(",", "/")
        return base64.b64decode(data + "=" * (-len(data) % 4)).decode("utf-16-be")

    return re.sub(r"&([A-Za-z0-9+,]*)-", decode, token)


def _ensure_mail_user() -> pwd.struct_passwd:
    """Dovecot refuses to keep mail as root (uid 0 is below any first_valid_uid), so the mail store
    belongs to a system user of its own. scripts/setup.sh creates it for `make test`; this covers
    machines set up another way."""
    try:
        return pwd.getpwnam(MAIL_USER)
    except KeyError:
        pass
    if os.geteuid() != 0:
        pytest.fail(f"the IMAP tests need the system user {MAIL_USER!r} and root to run dovecot; "
                    "run `SETUP_TEST=1 scripts/setup.sh`", pytrace=False)
    # Two test runs may get here at once; the loser's useradd fails, its lookup then succeeds.
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", MAIL_USER],
                   capture_output=True)
    return pwd.getpwnam(MAIL_USER)


def _internal_gid() -> int:
    try:
        return grp.getgrnam("dovecot").gr_gid
    except KeyError:  # no dovecot package: start() fails with a clearer message anyway
        return os.getegid()


def _process_start(pid: int) -> str | None:
    """A process's start time, to tell it from a later process that got the same pid; None once it
    has exited. A zombie counts as exited: the master's log process ends up a child of pid 1,
    which in a container may never reap it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def _descendants(root: int) -> list[tuple[int, str]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        if (start := _process_start(pid)) is not None:
            found.append((pid, start))
        todo.extend(children.get(pid, []))
    return found


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory) -> Iterator[Dovecot]:
    """One IMAP server for the whole session: starting dovecot takes a fraction of a second, but
    tests need not pay even that, because `imap_mailbox` isolates them with fresh users."""
    if not shutil.which("dovecot") and not os.path.exists("/usr/sbin/dovecot"):
        pytest.fail("dovecot is not installed: run `SETUP_TEST=1 scripts/setup.sh` "
                    "(or apt-get install --no-install-recommends dovecot-imapd)", pytrace=False)
    store_dir = Path(tempfile.mkdtemp(prefix="pytest-dovecot-"))
    store_dir.chmod(0o755)
    server = Dovecot(tmp_path_factory.mktemp("dovecot"), store_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(store_dir, ignore_errors=True)


@dataclass
class ImapMailbox:
    """A user of its own for one test: what a mail-fetching setting needs (host, port, user,
    password) plus the server, to place mail and look at what the code under test left behind."""

    host: str
    port: int
    user: str
    password: str
    dovecot: Dovecot

    @property
    def tls_port(self) -> int:
        return self.dovecot.tls_port

    @property
    def imaps_port(self) -> int:
        return self.dovecot.imaps_port

    @property
    def cert_path(self) -> Path:
        return self.dovecot.cert_path

    def append(self, raw, *, folder: str = "INBOX", flags: Iterable[str] = ()) -> int | None:
        return self.dovecot.append(raw, user=self.user, folder=folder, flags=flags)

    def messages(self, *, folder: str = "INBOX") -> list[tuple[int, set[str]]]:
        return self.dovecot.messages(user=self.user, folder=folder)

    def fetch_raw(self, uid: int, *, folder: str = "INBOX") -> bytes:
        return self.dovecot.fetch_raw(uid, user=self.user, folder=folder)

    def count(self, *, folder: str = "INBOX") -> int:
        return self.dovecot.count(user=self.user, folder=folder)

    def create_folder(self, name: str) -> None:
        self.dovecot.create_folder(name, user=self.user)

    def clear(self) -> None:
        self.dovecot.clear(user=self.user)

    def imap(self):
        return self.dovecot.imap(self.user, self.password)


_mailbox_numbers = itertools.count(1)


@pytest.fixture
def imap_mailbox(dovecot) -> ImapMailbox:
    """A new user per test rather than clearing a shared one: nothing a test leaves behind (mail,
    folders, flags, a session still logged in) can reach the next test."""
    user = f"support-{next(_mailbox_numbers)}@example.test"
    dovecot.add_user(user, DEFAULT_PASSWORD)
    return ImapMailbox(host=dovecot.host, port=dovecot.port, user=user, password=DEFAULT_PASSWORD, dovecot=dovecot)


# --- SMTP --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReceivedMail:
    """One accepted message: the envelope as the client gave it, `raw` as it came over the wire
    (CRLF line ends, dot-stuffing undone) for byte-level checks such as 8-bit bodies, and
    `message` parsed with the modern email policy for everything else."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    mail_options: list[str] = field(default_factory=list)

    @property
    def subject(self) -> str | None:
        return self.message["Subject"]

    def __repr__(self):
        return (f"<ReceivedMail from={self.mail_from!r} to={self.rcpt_tos!r} subject={self.subject!r} "
                f"{len(self.raw)} bytes>")


_ENHANCED = {4: "4.3.0 Temporary failure (test sink)", 5: "5.7.1 Rejected (test sink)"}


class SmtpSink:
    """An SMTP server in a thread of the test process that keeps every message it accepts, and can
    be told to refuse them, so retry and bounce handling can be tested against real SMTP replies.

    A process started by a test (a Celery worker) sends here if it gets `environ` in its environment:
    DJANGO_EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT. Note: helpdesk.settings.test reads only
    DJANGO_EMAIL_BACKEND from the environment today; EMAIL_HOST and EMAIL_PORT reach a subprocess
    only once the settings read them too (in-process tests use the `smtp_settings` fixture).
    """

    host = HOST
    data_size_limit = 60 * 1024 * 1024

    def __init__(self):
        self.messages: list[ReceivedMail] = []
        self.rejected: list[ReceivedMail] = []
        self.logins: list[tuple[str, str]] = []
        self.port = 0
        self._changed = threading.Condition()
        self._failure: str | None = None
        self._failures_left: int | None = None
        self._controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every SMTP command at INFO; Django's root handler would print them all into
        # every failing test's report.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        last_error = None
        for _ in range(3):
            (port,) = free_ports(1)
            controller = Controller(
                _SinkHandler(self), hostname=self.host, port=port, server_hostname="sink.example.test",
                data_size_limit=self.data_size_limit, enable_SMTPUTF8=True, decode_data=False,
                # A mailbox configured with an SMTP user logs in first; without TLS (local only).
                authenticator=self._authenticate, auth_required=False, auth_require_tls=False,
            )
            try:
                controller.start()
            except Exception as error:  # taken in the meantime: try another port
                last_error = error
                continue
            self._controller, self.port = controller, port
            return
        raise RuntimeError(f"aiosmtpd could not bind a free port: {last_error!r}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def environ(self) -> dict[str, str]:
        """Environment for a subprocess that should send here (see the class docstring)."""
        return {"DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": self.host, "EMAIL_PORT": str(self.port)}

    def clear(self) -> None:
        with self._changed:
            self.messages.clear()
            self.rejected.clear()
            self.logins.clear()
            self._failure, self._failures_left = None, None

    def fail_with(self, code: int | None, message: str | None = None, *, times: int | None = None) -> None:
        """Answer DATA with this reply code (451: try again later, 550: rejected) instead of
        accepting; None accepts again. With `times`, only that many messages are refused and the
        next ones accepted, which is how a retry succeeding on its second attempt is tested."""
        with self._changed:
            if code is None:
                self._failure, self._failures_left = None, None
                return
            if not 400 <= code <= 599:
                raise ValueError("fail_with wants a 4xx or 5xx code, or None")
            self._failure = f"{code} {message or _ENHANCED[code // 100]}"
            self._failures_left = times

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[ReceivedMail]:
        """Mail sent by another thread or process arrives a little later; wait for it instead of
        sleeping a fixed time. Returns all messages so far (at least `count`)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} message(s) at {self.host}:{self.port} within {timeout} s, "
                        f"got {len(self.messages)}: {self.messages!r}; refused: {self.rejected!r}")
                self._changed.wait(left)
            return list(self.messages)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        """Any user name and password are accepted and recorded in `logins`, so a test can check
        which credentials the code under test sent."""
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if isinstance(auth_data, LoginPassword):
            with self._changed:
                self.logins.append((auth_data.login.decode(errors="replace"),
                                    auth_data.password.decode(errors="replace")))
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def _receive(self, envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        mail = ReceivedMail(
            mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), raw=bytes(raw),
            # `raw` is the wire form, CRLF line ends; the parsed message has Python's LF ones, or
            # every body would end in "\r\n" where the sending code wrote "\n".
            message=email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default),
            mail_options=list(envelope.mail_options),
        )
        with self._changed:
            if self._failure is not None:
                reply = self._failure
                self.rejected.append(mail)
                if self._failures_left is not None:
                    self._failures_left -= 1
                    if self._failures_left <= 0:
                        self._failure, self._failures_left = None, None
                self._changed.notify_all()
                return reply
            self.messages.append(mail)
            self._changed.notify_all()
        return "250 2.0.0 Message accepted for delivery"

    def __repr__(self):
        return f"<SmtpSink {self.host}:{self.port} {len(self.messages)} message(s)>"


class _SinkHandler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        return self.sink._receive(envelope)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    """One SMTP server per session; `smtp_outbox` empties it per test, which is cheaper than a new
    server and keeps the port stable for a worker process started once per session."""
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_outbox(smtp_server) -> Iterator[SmtpSink]:
    """The session's sink, empty and accepting, so a test sees only its own mail and a failure
    switched on by the previous test is off again."""
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


@pytest.fixture
def smtp_settings(smtp_outbox, settings) -> SmtpSink:
    """Django's SMTP backend pointed at the sink, for code that sends through django.core.mail in
    the test process (pytest-django otherwise swaps in the locmem backend). A worker subprocess
    needs `smtp_outbox.environ` instead; see SmtpSink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_outbox.host
    settings.EMAIL_PORT = smtp_outbox.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    return smtp_outbox

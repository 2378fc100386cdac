"""`newsletter send` through a production MTA: a private Postfix between the sender and the sink.

aiosmtpd (tests/smtp_sink.py) answers what we taught it; Postfix is what partners' relays run.
Here the sender talks to a real Postfix smtpd (its PIPELINING, SIZE, 8BITMIME and SMTPUTF8
in EHLO, its checks of MAIL/RCPT/DATA), Postfix queues each message and relays it with its
own smtp client to the test's SmtpSink, where we look at what arrived.

The Postfix instance is private to the test: its own main.cf and master.cf in a temporary
folder, its own queue and data directories, smtpd on a free 127.0.0.1 port, nothing delivered
locally, everything relayed to the sink. The system's Postfix (/etc/postfix, port 25) is
neither read for settings nor touched. What running it takes, found on Postfix 3.7 (Debian 12):

- `postfix -c DIR start` as root just works for a DIR that is not listed in the default
  main.cf's `alternate_config_directories`: that list is only enforced for the set-gid
  commands (postdrop, postqueue) run by other users. MAIL_CONFIG=DIR does the same; nothing
  under /etc has to change.
- Postfix's master must start as root (it binds and then drops to the `postfix` user), so
  the test skips for other users.
- `maillog_file` must start with one of `maillog_file_prefixes` (default /var, /dev/stdout):
  the instance folder is added there, and master.cf needs the `postlog` service. Without a
  valid maillog_file, the postfix command logs its fatal errors to syslog (/dev/log), which
  containers usually lack: the command then fails with no word at all.
- The queue directory must exist and be owned by root; `postfix start` (its check-fatal step,
  post-install create-missing) creates the subdirectories with their owners. The data
  directory must belong to the postfix user. (`postfix set-permissions` would also reset the
  permissions of the shared files under /usr, so it is not used.)
- Every folder above the instance must be searchable by the postfix user: master opens
  data_directory/master.lock with the postfix user's rights. pytest's tmp_path lies under
  /tmp/pytest-of-root (mode 700), so the instance lives in its own folder in the system's
  temporary directory, removed afterwards; its maillog is copied to tmp_path first.
- The services run without chroot (the chroot would need copies of /etc files in the queue
  directory); master.cf has the usual services minus local delivery (smtpd stalls without
  proxymap, for instance).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import smtplib
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from pipeline.delivery.send import send
from pipeline.delivery.smtp import Connection
from tests.smtp_sink import SmtpSink, free_port
from tests.test_send import campaign, quick, received, write_readers  # noqa: F401 (campaign: a fixture)

MYHOSTNAME = "postfix-test.localhost"
SIZE_LIMIT = 52_428_800
READERS = 6

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
myhostname = {hostname}
mydomain = localhost
myorigin = $myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
relayhost = [127.0.0.1]:{sink_port}
default_transport = smtp
smtpd_recipient_restrictions = permit_mynetworks, reject
smtputf8_enable = yes
smtp_tls_security_level = none
smtpd_tls_security_level = none
message_size_limit = {size_limit}
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
in_flow_delay = 0
biff = no
maillog_file_prefixes = {root}
maillog_file = {maillog}
"""

# service type private unpriv chroot wakeup maxproc command
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
proxywrite unix - - n -  1 proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def _postfix_command() -> str | None:
    found = shutil.which("postfix")
    if found:
        return found
    return "/usr/sbin/postfix" if os.access("/usr/sbin/postfix", os.X_OK) else None


class Postfix:
    """A private Postfix instance under `root`, relaying everything to 127.0.0.1:sink_port."""

    def __init__(self, command: str, root: Path, sink_port: int):
        self.command, self.root = command, root
        self.config, self.queue, self.data = root / "etc", root / "spool", root / "lib"
        self.maillog = root / "maillog"
        self.port = free_port()
        self.master_pid: int | None = None
        for folder in (self.config, self.queue, self.data):
            folder.mkdir(parents=True)
        postfix_user = pwd.getpwnam("postfix")
        os.chown(self.data, postfix_user.pw_uid, postfix_user.pw_gid)
        (self.config / "main.cf").write_text(MAIN_CF.format(
            queue=self.queue, data=self.data, hostname=MYHOSTNAME, sink_port=sink_port, size_limit=SIZE_LIMIT,
            root=root, maillog=self.maillog), encoding="ascii")
        (self.config / "master.cf").write_text(MASTER_CF.format(port=self.port), encoding="ascii")

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def run(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run([self.command, "-c", str(self.config), *args], capture_output=True, text=True,
                              timeout=timeout)

    def log(self) -> str:
        try:
            return self.maillog.read_text("utf-8", "replace")
        except OSError as exc:
            return f"(no maillog: {exc})"

    def start(self) -> str | None:
        """None when smtpd answers on self.port, else why not."""
        result = self.run("start")
        if result.returncode != 0:
            return f"`postfix -c {self.config} start` failed ({result.returncode}): {result.stderr.strip()}\n" \
                   f"{self.log()}"
        pid_file = self.queue / "pid" / "master.pid"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.master_pid is None and pid_file.is_file():
                text = pid_file.read_text().strip()
                self.master_pid = int(text) if text.isdigit() else None
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=5) as probe:
                    probe.noop()
                return None
            except (OSError, smtplib.SMTPException):
                time.sleep(0.1)
        return f"Postfix started but smtpd does not answer on 127.0.0.1:{self.port}\n{self.log()}"

    def stop(self) -> None:
        """`postfix stop` (orderly), then `postfix abort`, then SIGKILL to our master, by its pid."""
        for step in ("stop", "abort"):
            if self.master_pid is not None and not _alive(self.master_pid):
                return
            try:
                self.run(step, timeout=20)
            except subprocess.TimeoutExpired:
                pass
            if self.master_pid is None or _wait_gone(self.master_pid, 5):
                return
        os.kill(self.master_pid, signal.SIGKILL)
        _wait_gone(self.master_pid, 5)


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


@pytest.fixture
def postfix(tmp_path, sink):
    command = _postfix_command()
    if command is None:
        pytest.skip("Postfix is not installed (no postfix command, no /usr/sbin/postfix)")
    if os.geteuid() != 0:
        pytest.skip("Postfix's master has to start as root; this test runs as another user")
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        pytest.skip("there is no postfix user on this machine (an incomplete Postfix installation)")
    root = Path(tempfile.mkdtemp(prefix="newsletter-postfix-"))     # not under tmp_path: see the top
    try:
        root.chmod(0o755)
        instance = Postfix(command, root, sink.port)
        try:
            problem = instance.start()
            if problem:
                pytest.skip(f"a private Postfix instance could not be started: {problem}")
            yield instance
        finally:
            instance.stop()
            if instance.maillog.is_file():
                shutil.copyfile(instance.maillog, tmp_path / "postfix-maillog")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def spy(monkeypatch):
    """What the sender saw and did: Postfix's EHLO, each MAIL's options, the bytes of each message."""
    seen = {"ehlo": [], "mail_options": [], "data": {}}
    open_connection, send_message = Connection.open, Connection.send
    mail = smtplib.SMTP.mail

    def spying_open(self):
        open_connection(self)
        seen["ehlo"].append(dict(self.smtp.esmtp_features))

    def spying_send(self, sender, recipient, data, before_final_dot):
        seen["data"][recipient] = data
        return send_message(self, sender, recipient, data, before_final_dot)

    def spying_mail(self, sender, options=()):
        seen["mail_options"].append(list(options))
        return mail(self, sender, options)

    monkeypatch.setattr(Connection, "open", spying_open)
    monkeypatch.setattr(Connection, "send", spying_send)
    monkeypatch.setattr(smtplib.SMTP, "mail", spying_mail)
    return seen


@pytest.mark.slow
def test_an_edition_relayed_by_postfix_reaches_every_reader_once_as_sent(campaign, sink, postfix, spy, tmp_path):
    readers = write_readers(tmp_path / "readers.csv", READERS)
    expected = sorted(f"reader{i}@example.org" for i in range(READERS))

    report = send(None, "mazowsze", readers, quick(smtp=postfix.url))

    def explain(what: str) -> str:
        return f"{what}\nsender saw EHLO {spy['ehlo']}\n--- {postfix.maillog}:\n{postfix.log()}"

    assert report.counts["sent"] == READERS and report.sent_now == READERS, explain(f"journal: {report.counts}")
    deadline = time.monotonic() + 20                # Postfix relays from its queue, asynchronously
    while len(sink.messages) < READERS and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)                                 # a copy too many (or a bounce) would show up now
    assert sorted(sink.addresses()) == expected, explain(f"the sink got {sorted(sink.addresses())}")

    # Postfix's smtpd offered what a production relay offers, and the sender used 8BITMIME.
    ehlo = spy["ehlo"][0]
    assert {"pipelining", "size", "8bitmime", "smtputf8"} <= set(ehlo), explain("EHLO")
    assert ehlo["size"] == str(SIZE_LIMIT)
    # The sender took the offer: 8-bit parts (Polish and German text unencoded), each with BODY=8BITMIME.
    # It does not pipeline (one command, one answer, which PIPELINING allows) and never asks for SMTPUTF8.
    assert all(any(b > 127 for b in data) for data in spy["data"].values())
    assert spy["mail_options"] and all(options == ["BODY=8BITMIME"] for options in spy["mail_options"]), \
        spy["mail_options"]

    log = postfix.log()
    for address, messages in received(sink).items():
        assert len(messages) == 1, explain(f"{address} got {len(messages)} messages")
        msg = messages[0]
        assert [a.addr_spec for a in msg["To"].addresses] == [address]
        hop = msg.get_all("Received")[0]
        assert f"by {MYHOSTNAME} (Postfix) with ESMTP id" in hop and f"for <{address}>" in hop, hop
        url = msg["List-Unsubscribe"].split(">")[0].lstrip("<")
        assert url.startswith("https://mazovia.example/unsubscribe?token=")
        html = msg.get_body(("html",)).get_content()
        assert f'href="{url}"' in html, explain(f"{address}: no unsubscribe link in the HTML")
        assert f"to=<{address}>, relay=127.0.0.1[127.0.0.1]:{sink.port}" in log, explain(address)
    # 8BITMIME all the way: Postfix relayed each message byte for byte, only its Received on top.
    for message in sink.messages:
        sent = spy["data"][message.recipients[0]]
        relayed = message.data.replace(b"\r\n", b"\n")
        original = sent.replace(b"\r\n", b"\n")
        assert relayed.endswith(original), explain(f"{message.recipients[0]}: Postfix changed the message")
        assert relayed[:-len(original)].startswith(b"Received: from ")

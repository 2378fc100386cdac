"""A partner sends its edition to its own readers: one message each, exactly once, whatever happens.

Against a real SMTP server on 127.0.0.1 (aiosmtpd, tests/smtp_sink.py) with the faults real
relays have; `newsletter send` runs in this process, or as its own process where it is killed.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.delivery.journal import CampaignLock, Journal, journal_path
from pipeline.delivery.send import SendOptions, send
from pipeline.delivery.smtp import RateLimiter
from pipeline.delivery.tokens import read_token
from tests.smtp_sink import RefusingServer, SmtpSink, make_certificate
from tests.test_check_status import set_translation

SECRET = "a-test-secret-of-some-length-0123"
LISTS = """\
lists:
  - id: mazowsze
    partner: mazowieckie
    languages: [pl, de]
    sender:
      name: "Mazowieckie Region - TESTCON"
      address: testcon@mazovia.example
    contact: "Mazowieckie Region, Warsaw, Poland"
    privacy_url: https://mazovia.example/privacy
    unsubscribe:
      url: https://mazovia.example/unsubscribe?token={token}
      mailto: leave@mazovia.example
"""
SENDING = "email_images: embedded\neditions_url: https://example.org/testcon/newsletter\n"


@pytest.fixture
def campaign(translated_issue, newsletters_dir, tmp_path, monkeypatch):
    """The test issue, translated, a list of five readers (one German) in a file outside the checkout."""
    (newsletters_dir / "lists.yaml").write_text(LISTS, encoding="utf-8")
    project = newsletters_dir / "project.yaml"
    project.write_text(project.read_text("utf-8") + SENDING, encoding="utf-8")
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", SECRET)
    return write_readers(tmp_path / "readers.csv", 5)


def write_readers(path: Path, count: int, extra: str = "") -> Path:
    lines = ["email;name;language;consent"]
    for i in range(count):
        lang = "de" if i == 1 else "pl"
        lines.append(f"reader{i}@example.org;Czytelnik Łódź {i};{lang};2024-01-{i + 1:02d}")
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def quick(**kwargs) -> SendOptions:
    return SendOptions(**{"attempts": 3, "backoff": 0.01, **kwargs})


def received(sink: SmtpSink) -> dict[str, list]:
    out: dict[str, list] = {}
    for message in sink.messages:
        for rcpt in message.recipients:
            out.setdefault(rcpt, []).append(email.message_from_bytes(message.data, policy=policy.default))
    return out


def test_each_reader_gets_one_message_addressed_to_them_alone(campaign, project_root):
    with SmtpSink() as sink:
        report = send(None, "mazowsze", campaign, quick(smtp=sink.url))
    assert report.counts["sent"] == 5 and report.sent_now == 5
    got = received(sink)
    assert sorted(got) == [f"reader{i}@example.org" for i in range(5)]
    for address, messages in got.items():
        assert len(messages) == 1
        msg = messages[0]
        assert [a.addr_spec for a in msg["To"].addresses] == [address]
        assert msg["Cc"] is None and msg["Bcc"] is None
        assert msg["Message-ID"].endswith("@mazovia.example>")
        assert abs(msg["Date"].datetime.timestamp() - time.time()) < 120      # when it was sent
        assert msg["List-Id"] == "TESTCON mazowsze <mazowsze.testcon.mazovia.example>"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = re.match(r"<(https://[^>]+)>, <mailto:leave@mazovia\.example\?subject=unsubscribe>$",
                       msg["List-Unsubscribe"]).group(1)
        reader = read_token(SECRET.encode(), url.split("token=")[1], "mazowsze")
        assert reader.address == address
        html = msg.get_body(("html",)).get_content()
        assert f'href="{url}"' in html and "[[unsubscribe_url]]" not in html
        assert url in msg.get_body(("plain",)).get_content()
        cids = {p["Content-ID"].strip("<>") for p in msg.walk() if p["Content-ID"]}
        assert cids and {s[4:] for s in re.findall(r'src="(cid:[^"]+)"', html)} == cids
    german = got["reader1@example.org"][0]
    assert german["Subject"] == "[de] Newsletter #7: a test issue" and german["Content-Language"] == "de"
    assert got["reader0@example.org"][0]["To"].addresses[0].display_name == "Czytelnik Łódź 0"
    assert len({m[0]["Message-ID"] for m in got.values()}) == 5


def test_running_it_again_sends_nobody_a_second_copy(campaign):
    with SmtpSink() as sink:
        send(None, "mazowsze", campaign, quick(smtp=sink.url))
        again = send(None, "mazowsze", campaign, quick(smtp=sink.url))
    assert again.sent_now == 0 and again.counts["sent"] == 5
    assert len(sink.messages) == 5


def test_a_longer_file_later_sends_only_to_the_new_readers(campaign, tmp_path):
    with SmtpSink() as sink:
        send(None, "mazowsze", campaign, quick(smtp=sink.url))
        longer = write_readers(tmp_path / "readers.csv", 7)
        report = send(None, "mazowsze", longer, quick(smtp=sink.url))
    assert report.sent_now == 2
    assert sorted(sink.addresses()) == sorted(f"reader{i}@example.org" for i in range(7))


def test_temporary_refusals_are_retried_and_permanent_ones_recorded_with_the_reply(campaign, project_root):
    with SmtpSink() as sink:
        sink.faults.rcpt_once["reader2@example.org"] = "451 4.7.1 greylisted, try again"
        sink.faults.rcpt["reader3@example.org"] = "550 5.1.1 no such mailbox"
        report = send(None, "mazowsze", campaign, quick(smtp=sink.url))
    assert report.counts == {"pending": 0, "sending": 0, "sent": 4, "failed": 1, "unknown": 0}
    assert [(e.address, e.reply) for e in report.failed] == [("reader3@example.org", "550 5.1.1 no such mailbox")]
    assert sink.addresses().count("reader2@example.org") == 1
    result = CliRunner().invoke(main, ["send-status", "--list", "mazowsze"])
    assert "sent: 4" in result.output and "failed: reader3@example.org: 550 5.1.1 no such mailbox" in result.output


def test_a_reader_still_refused_for_now_stays_pending_for_the_next_run(campaign):
    with SmtpSink() as sink:
        sink.faults.rcpt["reader4@example.org"] = "452 4.2.2 mailbox full"
        first = send(None, "mazowsze", campaign, quick(smtp=sink.url))
        assert first.counts["pending"] == 1 and "still pending" in first.stopped
        del sink.faults.rcpt["reader4@example.org"]
        second = send(None, "mazowsze", campaign, quick(smtp=sink.url))
    assert second.sent_now == 1 and second.counts["sent"] == 5
    assert sorted(sink.addresses()) == sorted(f"reader{i}@example.org" for i in range(5))


def test_a_connection_lost_after_the_message_is_unknown_and_never_resent_blindly(campaign):
    with SmtpSink() as sink:
        sink.faults.drop_after_data.add("reader2@example.org")
        first = send(None, "mazowsze", campaign, quick(smtp=sink.url))
        assert [e.address for e in first.unknown] == ["reader2@example.org"]
        assert "after the message was sent" in first.unknown[0].reply
        sink.faults.drop_after_data.clear()
        second = send(None, "mazowsze", campaign, quick(smtp=sink.url))
        assert second.sent_now == 0 and sink.addresses().count("reader2@example.org") == 1
        third = send(None, "mazowsze", campaign, quick(smtp=sink.url, retry_unknown=True))
    assert third.sent_now == 1 and sink.addresses().count("reader2@example.org") == 2   # asked for


def test_a_relay_that_closes_the_connection_every_two_messages_still_serves_everyone_once(campaign):
    with SmtpSink() as sink:
        sink.faults.close_after = 2
        report = send(None, "mazowsze", campaign, quick(smtp=sink.url))
    assert report.counts["sent"] == 5
    assert sorted(sink.addresses()) == sorted(f"reader{i}@example.org" for i in range(5))


def test_a_relay_slower_than_the_timeout_leaves_unknowns_not_duplicates(campaign, newsletters_dir):
    with SmtpSink() as sink:
        lists = newsletters_dir / "lists.yaml"
        lists.write_text(lists.read_text("utf-8") + f"    smtp:\n      url: {sink.url}\n      timeout: 1\n", "utf-8")
        sink.faults.slow_data = 1.5
        report = send(None, "mazowsze", write_readers(campaign, 2), quick())
    assert report.counts["unknown"] == 2 and report.counts["sent"] == 0
    assert all("after the message was sent" in e.reply for e in report.unknown)


def test_a_relay_busy_at_connect_sends_nothing_and_says_to_run_again(campaign, project_root):
    busy = RefusingServer()
    try:
        result = CliRunner().invoke(main, ["send", "--list", "mazowsze", "--recipients", str(campaign),
                                           "--smtp", busy.url])
    finally:
        busy.close()
    assert result.exit_code == 1 and "421" in result.output and "run the same command again later" in result.output
    journal = Journal(journal_path(project_root / "newsletters", "2025-03-test-issue", "mazowsze"))
    assert journal.counts()["pending"] == 5 and journal.counts()["sent"] == 0


def test_starttls_with_a_trusted_certificate_and_a_password_from_the_environment(campaign, newsletters_dir,
                                                                                  project_root, tmp_path, monkeypatch):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a certificate")
    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))       # the test's own authority, trusted for this run
    monkeypatch.setenv("MAZOVIA_SMTP_PASSWORD", "s3cret-relay-password")
    with SmtpSink(tls=(cert, key), auth=("testcon", "s3cret-relay-password"), require_starttls=True) as sink:
        lists = newsletters_dir / "lists.yaml"
        lists.write_text(lists.read_text("utf-8") + f"    smtp:\n      url: smtp://localhost:{sink.port}\n"
                         "      username: testcon\n      password_env: MAZOVIA_SMTP_PASSWORD\n", "utf-8")
        report = send(None, "mazowsze", campaign, quick())
    assert report.counts["sent"] == 5 and sink.logins == ["testcon"]
    for path in [*project_root.rglob("*"), *tmp_path.rglob("*")]:
        if path.is_file() and path.suffix != ".pem":
            assert b"s3cret-relay-password" not in path.read_bytes(), path


def test_an_untrusted_certificate_stops_before_anything_is_sent(campaign, tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a certificate")
    cert, key = make_certificate(tmp_path)
    with SmtpSink(tls=(cert, key), require_starttls=True) as sink:
        result = CliRunner().invoke(main, ["send", "--list", "mazowsze", "--recipients", str(campaign),
                                           "--smtp", f"smtp://localhost:{sink.port}"])
    assert result.exit_code == 1 and "certificate is not trusted" in result.output
    assert sink.messages == []


def test_a_second_send_of_the_same_campaign_while_one_runs_is_refused(campaign, project_root):
    path = journal_path(project_root / "newsletters", "2025-03-test-issue", "mazowsze")
    path.parent.mkdir(parents=True)
    with SmtpSink() as sink, CampaignLock(path):
        result = CliRunner().invoke(main, ["send", "--list", "mazowsze", "--recipients", str(campaign),
                                           "--smtp", sink.url])
    assert result.exit_code == 1 and "another `newsletter send` of this campaign is running" in result.output
    assert sink.messages == []


def test_a_line_break_in_a_translated_subject_is_refused(campaign, translated_issue):
    set_translation(translated_issue, "pl", "subject", "Biuletyn\nBcc: everyone@example.org")
    with SmtpSink() as sink:
        result = CliRunner().invoke(main, ["send", "--list", "mazowsze", "--recipients", str(campaign),
                                           "--smtp", sink.url])
    assert result.exit_code == 1 and sink.messages == []


def test_a_line_break_in_a_readers_name_is_a_located_error(campaign, tmp_path):
    readers = write_readers(tmp_path / "readers.csv", 2, extra='bad@example.org;"Eve\r\nBcc: all@example.org";pl;x\n')
    with SmtpSink() as sink:
        result = CliRunner().invoke(main, ["send", "--list", "mazowsze", "--recipients", str(readers),
                                           "--smtp", sink.url])
    assert result.exit_code == 1 and "readers.csv:4" in result.output and sink.messages == []


def test_an_edition_that_is_not_ready_is_not_sent(campaign, translated_issue):
    set_translation(translated_issue, "de", "intro.title", "")
    with SmtpSink() as sink:
        result = CliRunner().invoke(main, ["send", "--list", "mazowsze", "--recipients", str(campaign),
                                           "--smtp", sink.url])
    assert result.exit_code == 1 and "not sending" in result.output and "de: 1 untranslated" in result.output
    assert sink.messages == []


def test_a_dry_run_connects_to_nothing_and_shows_the_first_message(campaign, project_root):
    result = CliRunner().invoke(main, ["send", "--list", "mazowsze", "--recipients", str(campaign), "--dry-run",
                                       "--smtp", "smtp://127.0.0.1:9"])
    assert result.exit_code == 0, result.output
    assert "dry run: 5 reader(s) of list mazowsze" in result.output
    eml = project_root / ".newsletter-send/2025-03-test-issue/mazowsze-dry-run.eml"
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == "reader0@example.org"
    assert not journal_path(project_root / "newsletters", "2025-03-test-issue", "mazowsze").exists()


def test_a_test_send_goes_only_to_the_given_address_and_is_not_the_campaign(campaign, project_root):
    with SmtpSink() as sink:
        result = CliRunner().invoke(main, ["send", "--list", "mazowsze", "--test", "officer@example.org",
                                           "--smtp", sink.url])
    assert result.exit_code == 0, result.output
    assert sink.addresses() == ["officer@example.org"]
    msg = email.message_from_bytes(sink.messages[0].data, policy=policy.default)
    assert msg["Subject"].startswith("[TEST] ")
    assert not journal_path(project_root / "newsletters", "2025-03-test-issue", "mazowsze").exists()


def test_an_unsubscribed_reader_is_skipped_by_the_next_send(campaign, project_root):
    from pipeline.delivery.tokens import make_token
    from pipeline.delivery.unsubscribe import make_app

    with SmtpSink() as sink:
        sink.faults.rcpt["reader4@example.org"] = "451 4.3.0 later"
        send(None, "mazowsze", campaign, quick(smtp=sink.url, attempts=1))
        # reader 4's link, as their message will carry it
        link4 = "https://mazovia.example/unsubscribe?token=" + make_token(SECRET.encode(), "mazowsze",
                                                                          "reader4@example.org", "pl")
        app = make_app(project_root / "newsletters", SECRET.encode())
        status = _post(app, link4)
        assert status.startswith("200")
        del sink.faults.rcpt["reader4@example.org"]
        report = send(None, "mazowsze", campaign, quick(smtp=sink.url))
    assert "reader4@example.org" not in sink.addresses()
    assert any(e.address == "reader4@example.org" and "unsubscribed" in e.reply for e in report.failed)


def _post(app, url: str) -> str:
    import io
    from urllib.parse import urlsplit
    from wsgiref.util import setup_testing_defaults

    parts = urlsplit(url)
    body = b"List-Unsubscribe=One-Click"
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}
    setup_testing_defaults(environ)
    seen = []
    b"".join(app(environ, lambda status, headers, exc_info=None: seen.append(status)))
    return seen[0]


def test_an_international_domain_travels_in_its_ascii_form(campaign, tmp_path):
    readers = write_readers(tmp_path / "readers.csv", 1, extra="czytelnik@bücher.example;Czytelnik;pl;x\n")
    with SmtpSink() as sink:
        report = send(None, "mazowsze", readers, quick(smtp=sink.url))
    assert report.counts["sent"] == 2
    assert "czytelnik@xn--bcher-kva.example" in sink.addresses()
    msg = received(sink)["czytelnik@xn--bcher-kva.example"][0]
    assert msg["To"].addresses[0].addr_spec == "czytelnik@xn--bcher-kva.example"


def test_the_rate_limit_holds_per_second_and_per_hour():
    now = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(per_second=5, per_hour=12, clock=lambda: now[0], sleep=sleep)
    stamps = []
    for _ in range(12):
        limiter.wait()
        stamps.append(now[0])
    assert all(sum(1 for t in stamps if s <= t < s + 1) <= 5 for s in stamps)
    limiter.wait()                               # the 13th waits for the hour's first to age out
    assert now[0] >= 3600


@pytest.mark.slow  # a real process stopped mid-run, or a real program: `pytest -m slow`
@pytest.mark.parametrize("after", [1, 3])
def test_killed_mid_send_and_resumed_everyone_is_served_exactly_once(campaign, project_root, tmp_path, after):
    readers = write_readers(tmp_path / "readers.csv", 8)
    env = {**os.environ, "NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET}
    with SmtpSink() as sink:
        sink.faults.slow_data = 0.15                 # time to kill it with messages in flight
        command = [sys.executable, "-m", "pipeline.cli", "send", "--list", "mazowsze", "--recipients", str(readers),
                   "--smtp", sink.url]
        process = subprocess.Popen(command, cwd=project_root, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 30
        while len(sink.messages) < after and time.time() < deadline:
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        sink.faults.slow_data = 0
        resumed = subprocess.run(command, cwd=project_root, env=env, capture_output=True, text=True, timeout=60)
        assert resumed.returncode == 0, resumed.stderr
        status = CliRunner().invoke(main, ["send-status", "--list", "mazowsze"])
    counts = Counter(sink.addresses())
    unknown = set(re.findall(r"unknown: (\S+@example\.org)", status.output))
    everyone = {f"reader{i}@example.org" for i in range(8)}
    assert set(counts) == everyone                   # nobody skipped
    for address in everyone - unknown:
        assert counts[address] == 1, (address, counts)   # nobody twice, except where reported unknown
    assert f"sent: {8 - len(unknown)}" in status.output


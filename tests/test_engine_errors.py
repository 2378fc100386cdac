"""What `newsletter translate` tells a person when the translation server is not there, too
slow, refuses the key, has no quota left or hiccups: real HTTP servers on 127.0.0.1 (the
fake speaks LibreTranslate's and DeepL's APIs), real sockets, no mocks."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.engines import EngineError, EngineSettings, TransientError, make_engine
from pipeline.issue import load_issue
from pipeline.translate import TranslateOptions, translate_issue
from tests.fake_libretranslate import FakeLibreTranslate

ISSUE = "2025-03-test-issue"
FAST = dict(timeout=0.5, backoff=0.01, attempts=4, pack=1)   # one text per request: 38 for pl


def free_port() -> int:
    """A port nobody listens on (bound and released: nothing accepts on it afterwards)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(*args):
    start = time.monotonic()
    result = CliRunner().invoke(main, ["translate", *args])
    assert "Traceback" not in result.output
    return result, time.monotonic() - start


@pytest.fixture
def server():
    with FakeLibreTranslate(slow_seconds=3) as fake:
        yield fake


@pytest.fixture
def deepl(server, monkeypatch):
    """The fake server, with the deepl engine pointed at it (the libre engine takes --url)."""
    monkeypatch.setenv("DEEPL_API_KEY", "deepl-secret-0815:fx")
    monkeypatch.setenv("DEEPL_SERVER_URL", server.url)
    return server


def translated(report) -> int:
    return sum(lang.translated for lang in report.languages)


# --- unreachable servers: final at once, with the address and what to change ---------------------

def test_connection_refused_fails_at_once_naming_the_address_and_the_setting(good_issue):
    port = free_port()
    result, seconds = cli("--engine", "libre", "--url", f"http://127.0.0.1:{port}/")   # all three languages
    assert result.exit_code == 1
    assert seconds < 5                                     # was 22 s of retries
    message = " ".join(result.output.split())
    assert f"libre: cannot connect to http://127.0.0.1:{port}: connection refused" in message
    assert "--url or translation.url in project.yaml" in message
    assert "failed after retries" not in message and "request(s) sent" not in message


def test_an_address_never_shows_its_password_or_query(good_issue):
    engine = make_engine("libre", EngineSettings(url=f"http://editor:pa55word@127.0.0.1:{free_port()}/?api_key=k3y"))
    with pytest.raises(EngineError) as caught:
        engine.translate("Hello", "en", "pl")
    assert "connection refused" in caught.value.message
    assert "pa55word" not in caught.value.message and "k3y" not in caught.value.message


def test_https_to_a_plain_http_server_is_final_and_suggests_http(good_issue, server):
    address = server.url.replace("http://", "https://")
    result, seconds = cli("--engine", "libre", "--url", address, "--lang", "pl")
    assert result.exit_code == 1 and seconds < 5
    message = " ".join(result.output.split())
    assert f"libre: {address.rstrip('/')} does not speak TLS (https)" in message
    assert "use an http:// address" in message and "--url or translation.url" in message
    assert server.requests == 0


@pytest.fixture
def certificate(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return str(cert), str(key)


def test_an_untrusted_certificate_is_final_and_the_advice_works(good_issue, certificate, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with FakeLibreTranslate(tls=certificate) as tls:
        result, seconds = cli("--engine", "libre", "--url", tls.url, "--lang", "pl")
        assert result.exit_code == 1 and seconds < 5
        message = " ".join(result.output.split())
        origin = tls.url.rstrip("/")
        assert f"libre: the TLS certificate of {origin} is not accepted (self-signed certificate)" in message
        assert "set REQUESTS_CA_BUNDLE to that authority's certificate file" in message
        assert tls.requests == 0

        monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])    # what the message says to do
        result, _ = cli("--engine", "libre", "--url", tls.url, "--lang", "pl")
        assert result.exit_code == 0, result.output
        assert "pl: libre: 43 machine-translated" in result.output


# --- timeouts: retried, and called what they are -------------------------------------------------

def test_a_server_that_never_answers_is_a_timeout_naming_the_setting(good_issue, server):
    server.always("slow")                      # answers after 3 s; the client waits 0.3 s
    engine = make_engine("libre", EngineSettings(url=server.url, timeout=0.3))
    start = time.monotonic()
    with pytest.raises(TransientError) as caught:       # retryable
        engine.translate("Hello", "en", "pl")
    assert time.monotonic() - start < 2
    message = str(caught.value)
    assert f"libre: timeout after 0.3 s: no answer from {server.url.rstrip('/')}" in message
    assert "raise --timeout or translation.timeout in project.yaml" in message

    server.fault_when.clear()
    server.always("slow", when="Highlights")
    report = translate_issue(load_issue(ISSUE), ["pl"], TranslateOptions(
        engine="libre", url=server.url, jobs=4, **{**FAST, "timeout": 0.3, "attempts": 2}))
    assert report.languages[0].failed == ["heading.text"] and translated(report) == 42
    assert server.texts.count("Highlights") == 2                   # tried again, as timeouts are


# --- HTTP statuses, the provider's way ------------------------------------------------------------

@pytest.mark.parametrize("engine,status", [("libre", 401), ("libre", 403), ("deepl", 401), ("deepl", 403)])
def test_a_rejected_key_is_final_names_the_variable_and_never_shows_the_key(good_issue, deepl, monkeypatch,
                                                                            engine, status):
    server = deepl
    variable = {"libre": "LIBRETRANSLATE_API_KEY", "deepl": "DEEPL_API_KEY"}[engine]
    monkeypatch.setenv(variable, "wrong-key-4711:fx")
    if status == 403:       # the server checks the key itself and turns a wrong one away
        server.api_key = "right-key:fx"
    else:                   # a 401, as a proxy in front of the server sends
        server.always("401")
    result, seconds = cli("--engine", engine, "--url", server.url, "--lang", "pl", "--jobs", "1")
    assert result.exit_code == 1 and seconds < 5
    message = " ".join(result.output.split())
    assert f"{engine}: the API key was rejected" in message and f"check the key in {variable}" in message
    assert f"HTTP {status}" in message
    assert "wrong-key-4711" not in result.output
    assert len([r for r in server.received if r.api == engine]) <= 2     # retried, the first text alone is 5


def test_a_libre_server_that_wants_a_key_says_which_variable(good_issue, server, monkeypatch):
    monkeypatch.delenv("LIBRETRANSLATE_API_KEY", raising=False)
    server.api_key = "the-servers-key"
    result, _ = cli("--engine", "libre", "--url", server.url, "--lang", "pl", "--jobs", "1")
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "wants an API key (HTTP 400: Please contact the server operator to get an API key)" in message
    assert "set LIBRETRANSLATE_API_KEY" in message


@pytest.mark.parametrize("engine", ["libre", "deepl"])
def test_a_wrong_path_is_no_translation_api_at_that_address(good_issue, deepl, monkeypatch, engine):
    server = deepl
    wrong = server.url + "wrong/"
    monkeypatch.setenv("DEEPL_SERVER_URL", wrong)
    result, seconds = cli("--engine", engine, "--url", wrong, "--lang", "pl", "--jobs", "1")
    assert result.exit_code == 1 and seconds < 5
    message = " ".join(result.output.split())
    endpoint = {"libre": "wrong/translate", "deepl": "wrong/v2/translate"}[engine]
    assert f"{engine}: no translation API at {server.url}{endpoint} (check the address)" in message
    assert {"libre": "--url or translation.url", "deepl": "check DEEPL_SERVER_URL"}[engine] in message
    assert "ERR_" not in message and "LIMIT" not in message


@pytest.mark.parametrize("engine,fault,said", [
    ("deepl", "456", "HTTP 456: Quota Exceeded"),
    ("libre", (429, "Slowdown: 100 per 1 day"), "HTTP 429: Slowdown: 100 per 1 day"),
    ("libre", (400, "Invalid request: request (2400) exceeds text limit (2000)"),
     "HTTP 400: Invalid request: request (2400) exceeds text limit (2000)"),
], ids=["deepl-456", "libre-daily-limit", "libre-char-limit"])
def test_a_used_up_quota_is_final_and_says_what_to_do(good_issue, deepl, engine, fault, said):
    server = deepl
    server.always(fault)
    result, seconds = cli("--engine", engine, "--url", server.url, "--lang", "pl", "--jobs", "1")
    assert result.exit_code == 1 and seconds < 5
    message = " ".join(result.output.split())
    assert f"{engine}: quota exceeded ({said})" in message
    assert "choose another engine with --engine or translation.engines" in message
    assert server.requests <= 2                          # a 429 per minute is retried; per day it is not


@pytest.mark.parametrize("engine", ["libre", "deepl"])
def test_a_bad_request_is_final_with_the_providers_words(good_issue, deepl, engine):
    server = deepl
    server.always((400, "pl is not supported"))
    result, _ = cli("--engine", engine, "--url", server.url, "--lang", "pl", "--jobs", "1")
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert f"{engine}: the server refused the request (HTTP 400: pl is not supported)" in message
    assert "--engine or translation.engines" in message
    assert server.requests <= 2


@pytest.mark.parametrize("fault", ["429", "500", "drop", "cut"])
def test_deepl_retries_rate_limits_server_errors_and_dropped_connections(good_issue, deepl, fault):
    """429-then-ok, 500-then-ok, dropped before the answer then ok, cut in the middle of it then ok."""
    server = deepl
    server.fail_next(fault, fault)
    report = translate_issue(load_issue(ISSUE), ["pl"], TranslateOptions(engine="deepl", jobs=4, **FAST))
    assert translated(report) == 43 and not report.languages[0].failed
    assert report.requests == server.requests == 43 + 2


# --- keys: in a header or the body, never in a URL --------------------------------------------

def test_keys_travel_in_the_body_or_a_header_never_in_a_url(good_issue, server, monkeypatch):
    monkeypatch.setenv("LIBRETRANSLATE_API_KEY", "libre-secret-4711")
    server.api_key = "libre-secret-4711"
    server.fail_next("cut", "429")                       # retries carry it the same way
    report = translate_issue(load_issue(ISSUE), ["pl"], TranslateOptions(engine="libre", url=server.url, **FAST))
    assert translated(report) == 43
    libre = [r for r in server.received if r.api == "libre"]
    assert len(libre) == 43 + 2
    assert all(r.method == "POST" and r.fields["api_key"] == "libre-secret-4711" in r.body for r in libre)
    assert not any("libre-secret-4711" in r.path or "?" in r.path for r in libre)

    monkeypatch.setenv("DEEPL_API_KEY", "deepl-secret-0815:fx")
    monkeypatch.setenv("DEEPL_SERVER_URL", server.url)
    server.api_key = "deepl-secret-0815:fx"
    report = translate_issue(load_issue(ISSUE), ["de"], TranslateOptions(engine="deepl", **FAST))
    assert translated(report) == 43
    sent = [r for r in server.received if r.api == "deepl"]
    assert len(sent) == 43
    assert all(r.headers["authorization"] == "DeepL-Auth-Key deepl-secret-0815:fx" for r in sent)
    assert not any("deepl-secret-0815" in r.path or "deepl-secret-0815" in r.body for r in sent)
    assert all(r.path == "/v2/translate" and r.fields["target_lang"] == "DE" for r in sent)

"""The unsubscribe page (pipeline.delivery.unsubscribe) as a reader's mail client and browser use it."""

from __future__ import annotations

import io
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest

from pipeline.checks import check_translation
from pipeline.delivery.suppression import read_suppressed, state_dir, suppression_path
from pipeline.delivery.tokens import make_token
from pipeline.delivery.unsubscribe import make_app, make_server
from pipeline.errors import PipelineError, ValidationError
from pipeline.project import load_project
from tests.test_check_status import set_translation

SECRET = b"a-test-secret-of-32-characters!!"
ONE_CLICK = b"List-Unsubscribe=One-Click"

LISTS = """\
lists:
  - id: mazowieckie
    partner: mazowieckie
    languages: [pl]
    sender:
      name: "Mazowieckie Region - TESTCON"
      address: testcon@mazovia.example.org
    contact: "Mazowieckie Region, Warsaw, Poland"
    privacy_url: https://mazovia.example.org/privacy
    unsubscribe:
      url: https://mazovia.example.org/unsubscribe?token={token}
      mailto: unsubscribe@mazovia.example.org
  - id: kmop
    partner: kmop
    languages: [el, de]
    sender:
      name: "KMOP - TESTCON"
      address: testcon@kmop.example.org
    contact: "KMOP, Athens, Greece"
    privacy_url: https://kmop.example.org/privacy?a=1&b=2
    unsubscribe:
      url: https://kmop.example.org/unsubscribe?token={token}
"""

LABELS = """\
  unsubscribe_question: "Do you want to stop receiving this newsletter at {address}?"
  unsubscribed: "Done: {address} will not receive this newsletter any more."
"""
AFTER = '  project_logo_alt: "TESTCON logo"\n'


@dataclass
class Response:
    status: int
    headers: dict
    text: str


def call(app, method="GET", path="/unsubscribe", token=None, body=b"",
         content_type="application/x-www-form-urlencoded") -> Response:
    """One request through the WSGI interface, as a server would make it."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path,
               "QUERY_STRING": f"token={token}" if token is not None else "",
               "wsgi.input": io.BytesIO(body)}
    if method == "POST":
        environ.update(CONTENT_LENGTH=str(len(body)), CONTENT_TYPE=content_type)
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen.update(status=status, headers=headers)

    chunks = app(environ, start_response)
    data = b"".join(chunks)
    headers = dict(seen["headers"])
    assert int(headers["Content-Length"]) == len(data) or method == "HEAD"
    return Response(int(seen["status"][:3]), headers, data.decode("utf-8"))


def one_click(app, token, **kwargs) -> Response:
    return call(app, "POST", token=token, body=ONE_CLICK, **kwargs)


def set_up(newsletters_dir: Path, labels: bool = True) -> None:
    (newsletters_dir / "lists.yaml").write_text(LISTS, encoding="utf-8")
    if labels:
        path = newsletters_dir / "project.yaml"
        text = path.read_text("utf-8")
        assert AFTER in text
        path.write_text(text.replace(AFTER, AFTER + LABELS), encoding="utf-8")


@pytest.fixture
def labelled(newsletters_dir) -> Path:
    """The test project with the page's labels and two lists, before the issue is translated."""
    set_up(newsletters_dir)
    return newsletters_dir


@pytest.fixture
def app(labelled, translated_issue):
    return make_app(labelled, SECRET)


def suppressed(newsletters_dir, list_id="mazowieckie") -> set[str]:
    return read_suppressed(suppression_path(newsletters_dir, list_id))


def test_the_link_shows_a_question_in_the_readers_language_and_unsubscribes_nobody(app, labelled):
    token = make_token(SECRET, "mazowieckie", "Alice@Example.org", "pl")
    response = call(app, token=token)
    assert response.status == 200
    page = response.text
    assert '<html lang="pl">' in page
    assert "[pl] Do you want to stop receiving this newsletter at alice@example.org?" in page
    assert re.search(r'<form method="post" action="\?token=' + re.escape(token) + '">', page)
    assert '<button type="submit">[pl] Unsubscribe</button>' in page
    assert '<a href="https://mazovia.example.org/privacy" rel="noreferrer">[pl] Privacy notice</a>' in page
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert not state_dir(labelled).exists()                      # a mail scanner's GET changes nothing


def test_one_click_unsubscribes_once_and_a_second_click_changes_nothing(app, labelled):
    token = make_token(SECRET, "mazowieckie", "alice@example.org", "pl")
    first = one_click(app, token)
    assert first.status == 200
    assert "[pl] Done: alice@example.org will not receive this newsletter any more." in first.text
    assert "<form" not in first.text
    assert suppressed(labelled) == {"alice@example.org"}
    again = one_click(app, token)
    assert again.status == 200 and again.text == first.text
    lines = suppression_path(labelled, "mazowieckie").read_text("utf-8").splitlines()
    assert lines.count("alice@example.org") == 1
    assert not suppression_path(labelled, "kmop").exists()


def test_a_multipart_one_click_and_the_confirmation_button_both_unsubscribe(app, labelled):
    token = make_token(SECRET, "kmop", "bob@example.org", "el")
    boundary = "----x"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
                 f"One-Click\r\n--{boundary}--\r\n").encode()
    response = call(app, "POST", token=token, body=multipart,
                    content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status == 200 and "[el] Done: bob@example.org" in response.text
    assert suppressed(labelled, "kmop") == {"bob@example.org"}

    token = make_token(SECRET, "kmop", "carol@example.org", "de")
    page = call(app, token=token).text
    action = re.search(r'<form method="post" action="\?token=([^"]+)">', page).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]+)">', page))
    body = "&".join(f"{k}={v}" for k, v in fields.items()).encode()
    assert body == ONE_CLICK
    response = call(app, "POST", token=action, body=body)
    assert response.status == 200 and "[de] Done: carol@example.org" in response.text
    assert suppressed(labelled, "kmop") == {"bob@example.org", "carol@example.org"}


def _flipped(token: str) -> str:
    payload, signature = token.split(".")
    i = len(signature) // 2
    return f"{payload}.{signature[:i]}{'A' if signature[i] != 'A' else 'B'}{signature[i + 1:]}"


@pytest.mark.parametrize("token", [
    _flipped(make_token(SECRET, "mazowieckie", "alice@example.org", "pl")),           # forged signature
    make_token(b"another-secret-of-32-characters!", "mazowieckie", "alice@example.org", "pl"),
    make_token(SECRET, "mazowieckie", "alice@example.org", "pl").split(".")[0],       # cut short
    "not a token", "", None,
], ids=["forged", "other-secret", "cut-short", "garbage", "empty", "missing"])
def test_a_token_this_secret_did_not_sign_is_refused_and_writes_nothing(app, labelled, token):
    for response in (call(app, token=token), one_click(app, token)):
        assert response.status == 400
        assert "not valid" in response.text and "alice" not in response.text
        assert response.headers["Cache-Control"] == "no-store"
    assert not state_dir(labelled).exists()


def test_a_signed_token_for_a_list_that_is_not_in_lists_yaml_is_refused(app, labelled):
    token = make_token(SECRET, "peloponnese", "alice@example.org", "el")
    assert call(app, token=token).status == 400
    assert one_click(app, token).status == 400
    assert not state_dir(labelled).exists()


def test_the_address_is_escaped_on_both_pages(app, labelled):
    address = '<script>alert("x")</script>@example.org'
    token = make_token(SECRET, "mazowieckie", address, "pl")
    for response in (call(app, token=token), one_click(app, token)):
        assert response.status == 200
        assert "<script>" not in response.text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;@example.org" in response.text
    assert suppressed(labelled) == {address}


def test_the_privacy_url_is_escaped_in_its_link(app):
    page = call(app, token=make_token(SECRET, "kmop", "bob@example.org", "el")).text
    assert 'href="https://kmop.example.org/privacy?a=1&amp;b=2"' in page


def test_other_paths_are_not_found_and_other_methods_not_allowed(app, labelled):
    token = make_token(SECRET, "mazowieckie", "alice@example.org", "pl")
    assert call(app, path="/").status == 404
    assert call(app, path="/unsubscribe/more", token=token).status == 404
    assert call(app, "POST", path="/", body=ONE_CLICK).status == 404
    for method in ("PUT", "DELETE", "PATCH"):
        response = call(app, method, token=token)
        assert response.status == 405
        assert {m.strip() for m in response.headers["Allow"].split(",")} >= {"GET", "POST"}
    head = call(app, "HEAD", token=token)
    assert head.status == 200 and head.text == ""
    assert not state_dir(labelled).exists()


def test_the_body_read_is_capped(app, labelled):
    token = make_token(SECRET, "mazowieckie", "alice@example.org", "pl")

    class Stream(io.BytesIO):
        asked: list = []

        def read(self, size=-1):
            self.asked.append(size)
            return super().read(size)

    stream = Stream(ONE_CLICK + b"&" + b"x" * 100_000)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/unsubscribe", "QUERY_STRING": f"token={token}",
               "CONTENT_LENGTH": "100000000", "CONTENT_TYPE": "application/x-www-form-urlencoded",
               "wsgi.input": stream}
    setup_testing_defaults(environ)
    statuses = []
    b"".join(make_app(labelled, SECRET)(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["200 OK"]
    assert stream.asked and all(0 < size <= 10 * 1024 for size in stream.asked)


def test_where_there_is_no_translation_the_page_is_english(app):
    token = make_token(SECRET, "kmop", "bob@example.org", "en")      # the source language
    page = call(app, token=token).text
    assert '<html lang="en">' in page
    assert "Do you want to stop receiving this newsletter at bob@example.org?" in page and "[" not in page


def test_a_translation_that_lost_the_address_falls_back_to_the_english_pattern(labelled, translated_issue):
    set_translation(translated_issue, "pl", "project.labels.unsubscribe_question", "Czy chcesz się wypisać?")
    set_translation(translated_issue, "pl", "project.labels.unsubscribed", "Gotowe: {adres}", fuzzy=True)
    app = make_app(labelled, SECRET)
    token = make_token(SECRET, "mazowieckie", "alice@example.org", "pl")
    assert "Do you want to stop receiving this newsletter at alice@example.org?" in call(app, token=token).text
    assert "Done: alice@example.org will not receive" in one_click(app, token).text
    assert check_translation("Done: {address} will not receive this newsletter any more.",
                             "Gotowe: {adres}", "text")[0][0] == "placeholder"


def test_a_fuzzy_translation_is_used_and_an_outdated_one_is_not(labelled, translated_issue):
    set_translation(translated_issue, "pl", "project.labels.unsubscribe_question",
                    "Czy wypisać {address}?", fuzzy=True)
    set_translation(translated_issue, "de", "project.labels.unsubscribe_question", "Abmelden: {address}?")
    path = labelled / "project.yaml"
    text = path.read_text("utf-8")
    # the English of `unsubscribed` changes after translation: its translations are outdated
    path.write_text(text.replace("will not receive this newsletter any more.", "is unsubscribed."), "utf-8")
    app = make_app(labelled, SECRET)
    assert "Czy wypisać alice@example.org?" in call(app, token=make_token(SECRET, "mazowieckie", "alice@example.org", "pl")).text
    done = one_click(app, make_token(SECRET, "kmop", "bob@example.org", "de")).text
    assert "Done: bob@example.org is unsubscribed." in done and "[de] Done" not in done


def test_a_project_without_the_page_labels_gets_the_english_defaults(newsletters_dir, translated_issue):
    set_up(newsletters_dir, labels=False)
    assert load_project(newsletters_dir).labels.unsubscribe_question is None
    app = make_app(newsletters_dir, SECRET)
    token = make_token(SECRET, "mazowieckie", "alice@example.org", "pl")
    page = call(app, token=token).text
    assert "Do you want to stop receiving this newsletter at alice@example.org?" in page
    assert "[pl] Unsubscribe" in page and "[pl] Privacy notice" in page   # the labels every project has
    assert "Done: alice@example.org will not receive this newsletter any more." in one_click(app, token).text


def test_an_english_label_without_its_address_is_a_settings_error(newsletters_dir):
    set_up(newsletters_dir)
    path = newsletters_dir / "project.yaml"
    path.write_text(path.read_text("utf-8").replace("at {address}?", "?"), "utf-8")
    with pytest.raises(ValidationError, match=r"labels.unsubscribe_question: must contain \{address\}"):
        load_project(newsletters_dir)


def test_catalogs_are_read_once_per_language(app, monkeypatch):
    import pipeline.memory

    reads = []
    original = pipeline.memory.read_entries
    monkeypatch.setattr(pipeline.memory, "read_entries", lambda path: reads.append(path) or original(path))
    pl = make_token(SECRET, "mazowieckie", "alice@example.org", "pl")
    for _ in range(3):
        assert call(app, token=pl).status == 200
    assert len(reads) == 1
    call(app, token=make_token(SECRET, "kmop", "bob@example.org", "el"))
    assert len(reads) == 2


def test_the_app_needs_lists_and_a_real_secret(newsletters_dir):
    with pytest.raises(PipelineError, match="no lists"):
        make_app(newsletters_dir, SECRET)
    set_up(newsletters_dir)
    with pytest.raises(PipelineError, match="at least 16"):
        make_app(newsletters_dir, b"short")


def test_the_shipped_example_asks_in_polish():
    newsletters = Path(__file__).parent.parent / "newsletters"
    app = make_app(newsletters, SECRET)
    page = call(app, token=make_token(SECRET, "mazowieckie", "alice@example.org", "pl")).text
    assert "Czy chcesz przestać otrzymywać ten newsletter na adres alice@example.org?" in page
    assert ">Wypisz się</button>" in page and "Polityka prywatności" in page


def test_the_server_unsubscribes_over_http(app, labelled, capfd):
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/unsubscribe"
        token = make_token(SECRET, "mazowieckie", "alice@example.org", "pl")
        with urllib.request.urlopen(f"{base}?token={token}", timeout=10) as response:
            assert response.status == 200 and "[pl] Do you want" in response.read().decode()
        assert not state_dir(labelled).exists()
        request = urllib.request.Request(f"{base}?token={token}", data=ONE_CLICK, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Cache-Control"] == "no-store"
            assert "[pl] Done: alice@example.org" in response.read().decode()
        assert suppressed(labelled) == {"alice@example.org"}
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(f"{base}?token={_flipped(token)}", data=ONE_CLICK),
                                   timeout=10)
        assert refused.value.code == 400
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    log = capfd.readouterr().err
    assert '"POST /unsubscribe HTTP/1.1" 200' in log
    assert token.split(".")[0] not in log          # the token names the reader: never in a log

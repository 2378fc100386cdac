"""`newsletter preview`: the app in process (WSGI calls, its state and event queue), then the
real watcher and server on 127.0.0.1. No browser."""

from __future__ import annotations

import http.client
import threading
import time
from wsgiref.util import setup_testing_defaults

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import PipelineError
from pipeline.memory import catalog_path
from pipeline.preview import Watcher, make_app, make_server
from pipeline.preview.marks import CLOSE_CHAR, EDGE, OPEN_CHAR
from tests.test_check_status import set_translation

ISSUE = "2025-03-test-issue"
MARK_TRACES = (OPEN_CHAR, CLOSE_CHAR, EDGE, "nlp-mark", "data-nlp-", "data-seg=")


@pytest.fixture(scope="session")
def layout_cache(tmp_path_factory):
    """Compiled skeletons shared by the tests (each has its own project, with the same layout)."""
    return tmp_path_factory.mktemp("preview-cache")


@pytest.fixture
def app(translated_issue, newsletters_dir, layout_cache):
    app = make_app(newsletters_dir, ISSUE, cache_dir=layout_cache)
    yield app
    app.close()


def get(app, path: str, host: str = "127.0.0.1"):
    environ = {"PATH_INFO": path.split("?")[0], "QUERY_STRING": path.partition("?")[2], "HTTP_HOST": host}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body.decode("utf-8", "replace")


def next_token(q, timeout: float = 5.0) -> str:
    return q.get(timeout=timeout)


def test_overview_lists_every_edition_and_the_pseudo_edition(app):
    status, headers, page = get(app, "/")
    assert status == "200 OK" and headers["Content-Type"].startswith("text/html")
    positions = [page.index(f'data-lang="{lang}"') for lang in ("en", "de", "pl", "el", "qps-ploc")]
    assert positions == sorted(positions)          # source first, then the targets, then pseudo
    for lang in ("en", "de", "pl", "el"):
        assert f'src="/edition/{lang}?embed=1"' in page and f'id="status-{lang}"' in page
    assert 'href="/edition/qps-ploc"' in page and 'id="nlp-pseudo"' in page      # one click away
    assert 'data-width="375"' in page and 'data-width="600"' in page
    for label in ("untranslated", "outdated", "fuzzy", "check errors", "check warnings", "glossary"):
        assert f'data-count="{label}"' in page
    assert "EventSource('/events" in page
    status, _, pseudo = get(app, "/edition/qps-ploc")
    assert status == "200 OK" and "⟦Wéłçömé tö îššüé šévéñ" in pseudo   # pseudo text without running translate
    assert get(app, "/edition/xx")[0].startswith("404")
    assert get(app, "/edition/assets/images/event.png")[0] == "200 OK"
    assert get(app, "/edition/assets/eu-emblem.png")[0] == "200 OK"
    assert get(app, "/edition/assets/../project.yaml")[0].startswith("404")


def test_po_edit_rebuild_serves_the_new_text_and_emits_reload(app, translated_issue):
    q = app.subscribe()
    renderer = app.renderer
    compiled = renderer.stats["skeletons"] + renderer.stats["disk_hits"]
    set_translation(translated_issue, "de", "intro.title", "Willkommen zur siebten Ausgabe")
    state = app.rebuild()
    assert next_token(q) == state.token and state.error is None
    assert "Willkommen zur siebten Ausgabe" in get(app, "/edition/de")[2]
    assert "Willkommen" not in get(app, "/edition/pl")[2]
    # What the watcher passes: only that catalog changed, so only that edition is rendered again,
    # with the same Renderer and no layout compiled.
    set_translation(translated_issue, "de", "intro.title", "Willkommen, Ausgabe sieben")
    state = app.rebuild([catalog_path(translated_issue.folder, "de")])
    assert next_token(q) == state.token
    assert state.rebuilt == ["de"]
    assert "Willkommen, Ausgabe sieben" in get(app, "/edition/de")[2]
    assert app.renderer is renderer and renderer.stats["skeletons"] + renderer.stats["disk_hits"] == compiled
    # The page asks for events since the build it shows; a stale page is told to reload at once.
    stale = app(dict(_environ("/events", "since=old-1")), lambda status, headers: None)
    chunks = iter(stale)
    assert next(chunks).startswith(b"retry:")
    assert next(chunks) == f"event: reload\ndata: {state.token}\n\n".encode()
    stale.close()


def _environ(path, query=""):
    environ = {"PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": "127.0.0.1"}
    setup_testing_defaults(environ)
    return environ


@pytest.fixture
def served(app):
    server = make_server(app, port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    watcher = Watcher(app).start()
    yield server, watcher
    watcher.stop()
    app.close()
    server.shutdown()
    server.server_close()


def _read_event(response, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    event = None
    while time.monotonic() < deadline:
        line = response.readline().decode()
        if not line:
            return None
        if line.startswith("event: "):
            event = line[7:].strip()
        elif line.startswith("data: ") and event == "reload":
            return line[6:].strip()
    return None


def test_real_watcher_po_save_reloads_a_connected_page_within_seconds(served, app, translated_issue):
    server, watcher = served
    port = server.server_address[1]
    events = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    events.request("GET", f"/events?since={app.state.token}")
    response = events.getresponse()
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")
    assert response.readline().startswith(b"retry:")
    start = time.monotonic()
    set_translation(translated_issue, "el", "heading.text", "Κύρια σημεία")
    token = _read_event(response, timeout=8)
    assert token is not None and time.monotonic() - start < 5
    assert token == app.state.token
    page = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    page.request("GET", "/edition/el")
    assert "Κύρια σημεία" in page.getresponse().read().decode()
    # A temp file of an atomic save, or a file in dist/, is no reason to rebuild.
    rebuilds = watcher.rebuilds
    (translated_issue.folder / "translations" / ".el.po.x1y2.tmp").write_text("draft", "utf-8")
    (translated_issue.folder.parent.parent / "dist").mkdir(exist_ok=True)
    (translated_issue.folder.parent.parent / "dist" / "el.html").write_text("x", "utf-8")
    time.sleep(0.5)
    assert watcher.rebuilds == rebuilds
    events.close()
    page.close()


BROKEN = [
    ("validation", lambda text: text.replace("end: 2025-11-14", "end: 2025-11-01"),
     f"newsletters/{ISSUE}/issue.yaml:28:10: blocks[4].end: ends (2025-11-01) before it starts (2025-11-13)"),
    ("yaml syntax", lambda text: text.replace('title: "Our report"', 'title: "Our report'),
     f"newsletters/{ISSUE}/issue.yaml:"),
]


@pytest.mark.parametrize("breakage, expected", [(b[1], b[2]) for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_issue_shows_an_overlay_keeps_serving_and_a_good_save_clears_it(app, translated_issue, breakage,
                                                                               expected):
    q = app.subscribe()
    good = translated_issue.path.read_text("utf-8")
    translated_issue.path.write_text(breakage(good), "utf-8")
    state = app.rebuild([translated_issue.path])
    assert next_token(q) == state.token
    assert expected in state.error
    status, _, page = get(app, "/")
    assert status == "200 OK" and 'id="nlp-overlay" role="alert"' in page and expected in page
    status, _, edition = get(app, "/edition/de")
    assert status == "200 OK" and expected in edition
    assert "[de] Welcome to issue seven" in edition          # the last good edition, under the overlay
    translated_issue.path.write_text(good, "utf-8")
    state = app.rebuild([translated_issue.path])
    assert next_token(q) == state.token and state.error is None
    page = get(app, "/")[2]
    assert '<div id="nlp-overlay" hidden></div>' in page and expected not in page


def test_an_issue_broken_from_the_start_serves_the_overlay_until_fixed(translated_issue, newsletters_dir,
                                                                        layout_cache):
    good = translated_issue.path.read_text("utf-8")
    translated_issue.path.write_text(good.replace("number: 7", "number: 0"), "utf-8")
    app = make_app(newsletters_dir, ISSUE, cache_dir=layout_cache)
    try:
        assert "issue.yaml:1:9: number: must be 1 or more" in app.state.error and not app.state.editions
        for path in ("/", "/edition/de"):
            status, _, page = get(app, path)
            assert status == "200 OK" and "number: must be 1 or more" in page
        translated_issue.path.write_text(good, "utf-8")
        state = app.rebuild([translated_issue.path])
        assert state.error is None and state.languages == ["en", "de", "pl", "el", "qps-ploc"]
    finally:
        app.close()


def test_broken_catalog_shows_its_file_and_line(app, translated_issue):
    path = catalog_path(translated_issue.folder, "pl")
    good = path.read_text("utf-8")
    path.write_text(good.replace('msgctxt "heading.text"', 'msgctxt "heading.text"\nmsgctxt "again"', 1), "utf-8")
    state = app.rebuild([path])
    assert f"newsletters/{ISSUE}/translations/pl.po:64: cannot read this PO file" in state.error
    assert "translations/pl.po:64:" in get(app, "/edition/pl")[2]
    path.write_text(good, "utf-8")
    assert app.rebuild([path]).error is None


def test_problems_are_marked_in_the_preview_and_never_in_a_build(translated_issue, glossary_dir, newsletters_dir,
                                                                   project_root, layout_cache):
    issue = translated_issue
    set_translation(issue, "de", "intro.title", "")                                     # missing: English shown
    set_translation(issue, "de", "about.title", "[de] Über uns", fuzzy=True)            # fuzzy
    set_translation(issue, "de", "report.title", "[de] Unser <b>Bericht</b>")           # a markup error
    set_translation(issue, "de", "about.body.0", "Wir fördern die Sozialökonomie.")     # glossary: forbidden
    set_translation(issue, "de", "spring-workshop.image.alt", "")                       # missing, in an alt
    set_translation(issue, "de", "intro.body.0", "**Erster** Absatz mit *kursiv* und einem "
                                                 "[Link](https://example.org/a?b=1&c=2).", fuzzy=True)
    app = make_app(newsletters_dir, ISSUE, cache_dir=layout_cache)
    try:
        view = app.state.editions["de"]
        assert view.counts["untranslated"] == 2 and view.counts["fuzzy"] == 2
        assert view.counts["errors"] >= 1 and view.counts["glossary"] >= 1
        page = get(app, "/edition/de")[2]
        assert ('<span class="nlp-mark nlp-missing" data-seg="intro.title" data-kinds="missing" '
                'title="intro.title — untranslated: English shown&#10;English: Welcome to issue seven">'
                'Welcome to issue seven</span>') in page
        assert 'data-seg="about.title" data-kinds="fuzzy"' in page and ">[de] Über uns</span>" in page
        assert 'data-seg="report.title" data-kinds="error"' in page and "raw HTML &lt;b&gt;" in page
        assert "forbidden-term" in page and 'data-seg="about.body.0"' in page
        # Markdown keeps its meaning at the segment's edges; the note reaches the tooltip.
        assert "Note: Markdown: keep **bold**" in page
        assert ('<strong>Erster</strong> Absatz mit <em>kursiv</em> und einem '
                '<a href="https://example.org/a?b=1&amp;c=2"') in page
        # In an attribute: no span, no token; the image itself is outlined and explained.
        img = next(tag for tag in page.split("<img")[1:] if "event.png" in tag)
        assert 'alt="People at the workshop"' in img and 'data-nlp-seg="spring-workshop.image.alt"' in img
        assert 'data-nlp-kind="missing"' in img
        assert OPEN_CHAR not in page and CLOSE_CHAR not in page and EDGE not in page
        title = page[page.index("<title>"):page.index("</title>")]
        assert "<span" not in title
        assert 'id="nlp-panel"' in page
        # ?marks=0 is the edition as readers get it: byte for byte what build writes.
        clean = app.session.clean_html(view)
        assert not any(trace in clean for trace in MARK_TRACES)
        from pipeline.build import build

        result = build(ISSUE, ["de"], project_root / "dist-with-preview-renderer", newsletters_dir=newsletters_dir,
                       renderer=app.renderer)
        assert (result.out_dir / "de.html").read_text("utf-8") == clean
    finally:
        app.close()
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    built = list((project_root / "dist" / ISSUE).glob("*.html"))
    assert {p.name for p in built} >= {"en.html", "de.html", "pl.html", "el.html", "index.html"}
    for path in built:
        text = path.read_text("utf-8")
        assert not any(trace in text for trace in MARK_TRACES), path.name


def test_a_template_edit_compiles_the_layout_again_and_a_template_error_is_shown(translated_issue, project_root,
                                                                                 newsletters_dir, layout_cache):
    import shutil

    from pipeline.render import TEMPLATES_DIR

    shutil.copytree(TEMPLATES_DIR, project_root / "templates")    # the project's own layout
    app = make_app(newsletters_dir, ISSUE, cache_dir=layout_cache)
    try:
        partial = project_root / "templates" / "blocks" / "heading.mjml.j2"
        original = partial.read_text("utf-8")
        renderer = app.renderer
        assert "65px" not in get(app, "/edition/de")[2]
        partial.write_text(original.replace('width="64px"', 'width="65px"'), "utf-8")
        state = app.rebuild([partial])
        assert state.error is None and app.renderer is not renderer
        assert "65px" in get(app, "/edition/de")[2]
        partial.write_text(original.replace("{{ c.accent }}", "{{ c.accent "), "utf-8")
        state = app.rebuild([partial])
        assert "templates/blocks/heading.mjml.j2:5: template syntax error" in state.error
        assert "templates/blocks/heading.mjml.j2:5" in get(app, "/")[2]
        partial.write_text(original, "utf-8")
        assert app.rebuild([partial]).error is None
    finally:
        app.close()


def test_the_server_listens_on_loopback_only(app):
    for host in ("0.0.0.0", "192.168.1.20", "example.org", "::"):
        with pytest.raises(PipelineError, match="only listens on this computer"):
            make_server(app, host, 0)
    server = make_server(app, port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()
    # A page elsewhere reaching it by DNS rebinding names its own host: refused.
    assert get(app, "/", host="attacker.example:8000")[0].startswith("403")
    assert get(app, "/", host="localhost:8000")[0] == "200 OK"


def test_watcher_filter_takes_only_the_issue_inputs(app, glossary_dir, newsletters_dir):
    watcher = Watcher(app)
    folder = newsletters_dir / ISSUE
    wanted = [folder / "issue.yaml", folder / "translations" / "de.po", newsletters_dir / "project.yaml",
              newsletters_dir / "lists.yaml", newsletters_dir / "assets" / "images" / "event.png",
              glossary_dir / "de.csv"]
    unwanted = [folder / "translations" / ".de.po.a1b2.tmp", folder / "translations" / "de.po.lock",
                folder / "translations" / "de.po~", folder / ".issue.yaml.swp", folder / "notes.txt",
                newsletters_dir / "2024-01-other" / "issue.yaml", newsletters_dir / "dist" / "de.html",
                newsletters_dir.parent / "dist" / ISSUE / "de.html", newsletters_dir.parent / ".cache" / "x.html"]
    assert [p for p in wanted if not watcher.relevant(None, str(p.resolve()))] == []
    assert [p for p in unwanted if watcher.relevant(None, str(p.resolve()))] == []
    assert newsletters_dir.resolve() in watcher.paths() and glossary_dir.resolve() in watcher.paths()


def test_run_preview_refuses_a_public_host_before_doing_anything(newsletters_dir):
    from pipeline.preview import run_preview

    with pytest.raises(PipelineError, match="127.0.0.1"):
        run_preview(None, host="0.0.0.0", newsletters_dir=newsletters_dir)
    with pytest.raises(PipelineError, match="no issue 'nope'"):
        make_app(newsletters_dir, "nope")



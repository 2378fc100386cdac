"""A partner's story: the edition for its list comes out of `newsletter build` ready to send.

Every .eml is parsed back with the standard library's email package, as a mail client
would read it: structure, headers, every cid: image with its part, nothing relative.
"""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.delivery.mergetags import ALL_TAGS, FLAVOURS, GENERIC_UNSUBSCRIBE
from pipeline.delivery.message import BUDGET, MAX_LINE, Draft, build_message, encoded_size, html_part
from tests.test_check_status import set_translation

LISTS = """\
lists:
  - id: mazowsze
    partner: mazowieckie
    languages: [pl]
    sender:
      name: "Mazowieckie Region - TESTCON"
      address: testcon@mazovia.example
    reply_to: office@mazovia.example
    contact: "Mazowieckie Region, Warsaw, Poland"
    privacy_url: https://mazovia.example/privacy
    unsubscribe:
      url: https://mazovia.example/unsubscribe?token={token}
      mailto: leave@mazovia.example
  - id: kmop
    partner: kmop
    languages: [el, de]
    sender:
      name: "KMOP"
      address: news@kmop.example
    contact: "KMOP, Athens"
    privacy_url: https://kmop.example/privacy
    unsubscribe:
      mailto: leave@kmop.example
"""
SENDING = "email_images: {mode}\neditions_url: https://example.org/testcon/newsletter\n"


def build(*args):
    return CliRunner().invoke(main, ["build", *args])


@pytest.fixture
def with_lists(translated_issue, newsletters_dir):
    (newsletters_dir / "lists.yaml").write_text(LISTS, encoding="utf-8")
    return newsletters_dir


def set_project(newsletters_dir: Path, text: str) -> None:
    path = newsletters_dir / "project.yaml"
    path.write_text(path.read_text("utf-8") + text, encoding="utf-8")


def read_eml(project_root: Path, name: str):
    raw = (project_root / "dist" / "2025-03-test-issue" / name).read_bytes()
    return raw, email.message_from_bytes(raw, policy=policy.default)


def structure(part) -> list:
    if part.is_multipart():
        return [part.get_content_type(), [structure(p) for p in part.iter_parts()]]
    return part.get_content_type()


def test_each_list_and_language_gets_a_complete_message_with_its_images_inside(with_lists, project_root):
    set_project(with_lists, SENDING.format(mode="embedded"))
    result = build()
    assert result.exit_code == 0, result.output
    assert "3 for sending" in result.output
    index = (project_root / "dist/2025-03-test-issue/index.html").read_text("utf-8")
    assert '<a href="mazowsze-pl.eml">' in index and '<a href="kmop-de.eml">' in index
    for name in ("mazowsze-pl.eml", "kmop-el.eml", "kmop-de.eml"):
        raw, msg = read_eml(project_root, name)
        assert max(len(line) for line in raw.split(b"\r\n")) <= MAX_LINE
        kind, (text, related) = structure(msg)
        assert kind == "multipart/alternative" and text == "text/plain"
        assert related[0] == "multipart/related" and related[1][0] == "text/html"
        assert set(related[1][1:]) == {"image/png"}
        html = msg.get_body(("html",)).get_content()
        cids = {p["Content-ID"].strip("<>") for p in msg.walk() if p["Content-ID"]}
        srcs = re.findall(r'<img\b[^>]*\ssrc="([^"]*)"', html)
        assert srcs and all(src.startswith("cid:") for src in srcs)
        assert {src[4:] for src in srcs} == cids          # every cid has its part, no part unused
        hrefs = re.findall(r'\shref="([^"]*)"', html)
        assert all(h.startswith(("https://", "mailto:")) for h in hrefs), hrefs
        assert msg["X-Unsent"] == "1" and msg["Date"] and msg["MIME-Version"] == "1.0"
    _, pl = read_eml(project_root, "mazowsze-pl.eml")
    assert pl["Subject"] == "[pl] Newsletter #7: a test issue"
    assert pl["From"].addresses[0].display_name == "Mazowieckie Region - TESTCON"
    assert pl["From"].addresses[0].addr_spec == "testcon@mazovia.example"
    assert pl["Reply-To"] == "office@mazovia.example"
    assert pl["Message-ID"].endswith("@mazovia.example>")
    assert pl["Content-Language"] == "pl"
    assert pl["List-Id"] == "TESTCON mazowsze <mazowsze.testcon.mazovia.example>"
    # One message for all readers: the per-reader {token} link is for `send`, the draft uses mailto.
    assert pl["List-Unsubscribe"] == "<mailto:leave@mazovia.example?subject=unsubscribe>"
    html = pl.get_body(("html",)).get_content()
    text = pl.get_body(("plain",)).get_content()
    for part in (html, text):
        assert "[pl] Unsubscribe" in part and "[pl] Privacy notice" in part and "[pl] View in your browser" in part
        assert "mailto:leave@mazovia.example?subject=unsubscribe" in part
        assert "https://example.org/testcon/newsletter/2025-03-test-issue/pl.html" in part
        assert "https://mazovia.example/privacy" in part and "Mazowieckie Region, Warsaw, Poland" in part
        assert "{token}" not in part
    assert ("[pl] You receive this newsletter because you subscribed to news from [pl] Mazowieckie Region."
            in " ".join(text.split()))


def test_the_same_edition_is_the_same_bytes(with_lists, project_root):
    set_project(with_lists, SENDING.format(mode="embedded"))
    assert build().exit_code == 0
    first, _ = read_eml(project_root, "kmop-el.eml")
    assert build("--no-cache").exit_code == 0
    assert read_eml(project_root, "kmop-el.eml")[0] == first


def test_linked_images_point_at_the_published_assets(with_lists, project_root):
    set_project(with_lists, SENDING.format(mode="linked") + "assets_url: https://cdn.example.org/testcon/assets\n")
    assert build().exit_code == 0
    _, msg = read_eml(project_root, "kmop-de.eml")
    assert structure(msg) == ["multipart/alternative", ["text/plain", "text/html"]]
    srcs = re.findall(r'<img\b[^>]*\ssrc="([^"]*)"', msg.get_body(("html",)).get_content())
    assert srcs and all(s.startswith("https://cdn.example.org/testcon/assets/") for s in srcs)
    assert "https://cdn.example.org/testcon/assets/eu-emblem.png" in srcs
    assert (project_root / "dist/2025-03-test-issue/assets/eu-emblem.png").is_file()   # to upload


def test_without_a_choice_for_images_nothing_is_sent_with_relative_paths(with_lists, project_root):
    set_project(with_lists, "editions_url: https://example.org/testcon/newsletter\n")
    result = build()
    assert result.exit_code == 1
    assert "choose how their images travel with email_images in project.yaml" in result.output
    assert not (project_root / "dist").exists()          # refused before anything is written


def test_linked_images_without_assets_url_is_a_settings_error(with_lists):
    set_project(with_lists, SENDING.format(mode="linked"))
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1 and "email_images: linked images need assets_url" in result.output


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_each_mailing_tool_gets_its_own_merge_tags_and_no_one_elses(with_lists, project_root, flavour):
    set_project(with_lists, SENDING.format(mode="linked") + "assets_url: https://cdn.example.org/testcon/assets\n")
    result = build("--for", flavour)
    assert result.exit_code == 0, result.output
    tool = FLAVOURS[flavour]
    html = (project_root / "dist/2025-03-test-issue" / flavour / "mazowsze-pl.html").read_text("utf-8")
    text = (project_root / "dist/2025-03-test-issue" / flavour / "mazowsze-pl.txt").read_text("utf-8")
    for part in (html, text):
        assert tool.unsubscribe in part
        if tool.view_online:
            assert tool.view_online in part
        others = [t for t in ALL_TAGS if t not in (tool.unsubscribe, tool.view_online)]
        assert not [t for t in others if t in part], f"{flavour} edition carries another tool's tag"
        if flavour != "generic":
            assert GENERIC_UNSUBSCRIBE not in part
        assert "mailto:leave@mazovia.example" not in part   # the tool's own unsubscribe, not the draft's
    assert f'href="{tool.unsubscribe}"' in html
    assert not re.findall(r'<img\b[^>]*\ssrc="(?!https://cdn\.example\.org/)', html)


def test_a_mailing_tool_edition_needs_images_at_absolute_addresses(with_lists):
    set_project(with_lists, SENDING.format(mode="embedded"))
    result = build("--for", "mailchimp")
    assert result.exit_code == 1
    assert "--for mailchimp: mazowsze-pl.html:" in result.output and "set assets_url" in result.output


def test_for_a_tool_without_lists_says_what_to_write(translated_issue):
    result = build("--for", "brevo")
    assert result.exit_code == 1 and "there are no lists to build for: write newsletters/lists.yaml" in result.output


def test_a_line_break_in_a_translated_subject_never_becomes_a_header(with_lists, translated_issue):
    set_project(with_lists, SENDING.format(mode="embedded"))
    set_translation(translated_issue, "pl", "subject", "Biuletyn\r\nBcc: everyone@example.org")
    result = build("--lang", "pl")
    assert result.exit_code == 1
    assert "the subject 'Biuletyn\\r\\nBcc: everyone@example.org'… contains a line break" in result.output


def test_header_injection_through_a_sender_name_is_a_located_error(with_lists, project_root):
    path = with_lists / "lists.yaml"
    path.write_text(path.read_text("utf-8").replace('name: "KMOP"', 'name: "KMOP\\r\\nBcc: all@example.org"'),
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert re.search(r"newsletters/lists\.yaml:\d+:\d+: lists\[1\]\.sender\.name: contains a line break", result.output)


def test_header_injection_is_refused_by_the_message_builder_itself():
    draft = Draft(subject="ok", sender_name="A\nBcc: x@example.org", sender_address="a@example.org", html="<p>x</p>",
                  text="x", lang="en", message_id="<1@example.org>",
                  date=__import__("datetime").datetime(2024, 1, 1, tzinfo=__import__("datetime").timezone.utc))
    with pytest.raises(Exception, match="sender's name .* contains a line break"):
        build_message(draft)


@pytest.mark.parametrize("change, message", [
    ("partner: kmop", "unknown partner id 'nobody'"),
    ("address: news@kmop.example", "is not an e-mail address"),
    ("languages: [el, de]", "'bg' is not one of the project's languages"),
    ("mailto: leave@kmop.example", "give an unsubscribe url, a mailto address, or both"),
])
def test_a_mistake_in_lists_yaml_is_named_with_file_and_line(with_lists, change, message):
    replacement = {"partner: kmop": "partner: nobody", "address: news@kmop.example": "address: news at kmop",
                   "languages: [el, de]": "languages: [el, bg]", "mailto: leave@kmop.example": "{}"}[change]
    path = with_lists / "lists.yaml"
    text = path.read_text("utf-8")
    if change.startswith("mailto"):
        text = text.replace("    unsubscribe:\n      mailto: leave@kmop.example", "    unsubscribe: {}")
    else:
        text = text.replace(change, replacement)
    path.write_text(text, encoding="utf-8")
    result = build()
    assert result.exit_code == 1
    assert re.search(r"newsletters/lists\.yaml:\d+:\d+: lists\[1\]", result.output) and message in result.output


def test_the_transfer_encoding_is_the_smallest_for_the_script():
    import datetime as dt

    def html_encoding(text: str, eight_bit: bool = False) -> str:
        draft = Draft(subject="s", sender_name="n", sender_address="a@example.org", html=f"<p>{text}</p>",
                      text=text, lang="xx", message_id="<1@example.org>", date=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
        return html_part(build_message(draft, eight_bit=eight_bit))["Content-Transfer-Encoding"]

    assert html_encoding("Społeczna gospodarka w regionach Unii Europejskiej " * 40) == "quoted-printable"
    assert html_encoding("Κοινωνική οικονομία στις περιφέρειες της Ευρωπαϊκής Ένωσης " * 40) == "base64"
    assert html_encoding("Κοινωνική οικονομία " * 20, eight_bit=True) == "8bit"
    # One line longer than SMTP allows cannot travel as 8bit, whatever the server offers.
    assert html_encoding("Κοινωνική" * 200, eight_bit=True) == "base64"


def test_every_shipped_edition_travels_under_the_size_budget(tmp_path):
    """The consortium's own issue, as sent: the HTML part, encoded, below BUDGET in every language.

    (Before the inliner kept MJML's reset in <head>, the Greek part was 104 KB as base64.)
    """
    from pipeline.build import build as run_build

    repo = Path(__file__).resolve().parent.parent
    result = run_build(None, None, tmp_path / "dist", newsletters_dir=repo / "newsletters", use_cache=False)
    assert {e.lang for e in result.sendable} == set(result.issue.target_languages)
    sizes = {e.name: e.html_bytes for e in result.sendable}
    assert all(size < BUDGET for size in sizes.values()), sizes
    for edition in result.sendable:
        msg = email.message_from_bytes((result.out_dir / edition.name).read_bytes(), policy=policy.default)
        assert encoded_size(msg.get_body(("html",))) == edition.html_bytes
        expected = "base64" if edition.lang in ("el", "bg") else "quoted-printable"
        assert edition.encoding == expected, edition

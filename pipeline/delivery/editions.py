"""Editions a partner can send: one per list and language, with the list's footer.

`newsletter build` writes, for every list in lists.yaml and each of its languages,
`<list>-<lang>.eml`: a complete message a mail client opens as a draft (Outlook reads
X-Unsent: 1), images inside it or linked, the footer's links real. With `--for TOOL` it
also writes `<tool>/<list>-<lang>.html` and `.txt` to import into that mailing tool, with
the tool's merge tags where each reader's links go.

An edition for sending never carries an image or a link an inbox cannot follow: that is an
error here, not something a partner finds out from a reader.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..emblem import EMBLEM_PATH, eu_emblem_png
from ..errors import PipelineError
from ..localize import FooterLinks, make_edition
from .lists import LISTS_FILE, MailingList, load_lists
from .mergetags import FLAVOURS, Flavour
from .message import (BUDGET, Draft, build_message, embed_images, encoded_size, html_part, message_id,
                      relative_links, unreachable_images)


@dataclass
class SendableEdition:
    """One list's edition in one language, as it will travel."""

    list_id: str
    lang: str
    name: str                 # the .eml's file name in the build folder
    html_bytes: int           # the HTML part as encoded in the message
    encoding: str             # its transfer encoding

    @property
    def over_budget(self) -> bool:
        return self.html_bytes > BUDGET


def view_online_url(project, issue_id: str, lang: str) -> str:
    if not project.editions_url:
        raise PipelineError(f"an edition for sending links to its web copy: set editions_url in project.yaml "
                            f"(where dist/ is published; the link is <editions_url>/{issue_id}/{lang}.html)")
    return f"{project.editions_url.rstrip('/')}/{issue_id}/{lang}.html"


def _one_for_everyone_unsubscribe(mailing_list: MailingList) -> str:
    """The .eml is one message for all readers, so its way out cannot be per reader."""
    way_out = mailing_list.unsubscribe
    if way_out.mailto:
        return f"mailto:{way_out.mailto}?subject=unsubscribe"
    if way_out.url and not way_out.per_reader:
        return way_out.url
    raise PipelineError(f"{LISTS_FILE}: list {mailing_list.id!r}: the .eml is one message for every reader, so its "
                        "unsubscribe link cannot carry {token}: add unsubscribe.mailto (an address readers write "
                        "to), or send with `newsletter send`, which signs a link per reader")


def _footer(mailing_list: MailingList, unsubscribe: str, view_online: str) -> FooterLinks:
    return FooterLinks(partner=mailing_list.partner, contact=mailing_list.contact, unsubscribe=unsubscribe,
                       view_online=view_online, privacy=mailing_list.privacy_url)


def _read_asset(project):
    def read(path: str) -> bytes:
        if path == EMBLEM_PATH:
            return eu_emblem_png()
        candidate = (project.root / path).resolve()
        if project.root.resolve() not in candidate.parents or not candidate.is_file():
            raise PipelineError(f"image {path!r} is not a file in {project.root.name}/assets/")
        return candidate.read_bytes()
    return read


_EML_ADVICE = "set email_images in project.yaml to embedded, or to linked with assets_url"
_TOOL_ADVICE = ("a mailing tool loads images from their published address: set assets_url in project.yaml "
                "and upload dist/<issue>/assets/ there")


def _check_reachable(html: str, images, what: str, advice: str = _EML_ADVICE) -> None:
    bad = unreachable_images(html, images)
    if bad:
        raise PipelineError(f"{what}: {len(bad)} image(s) an inbox cannot load ({', '.join(sorted(set(bad))[:3])}): "
                            + advice)
    links = relative_links(html)
    if links:
        raise PipelineError(f"{what}: relative link(s) {', '.join(sorted(set(links))[:3])}: every link in a "
                            "message must be absolute (https://…)")


def eml_draft(issue, mailing_list: MailingList, lang: str, html: str, text: str, subject: str) -> Draft:
    project = issue.project
    mode = project.email_images
    if mode is None:
        raise PipelineError(f"{LISTS_FILE} is there, so build writes editions for sending: choose how their images "
                            "travel with email_images in project.yaml: embedded (inside each message) or linked "
                            "(at assets_url, where dist/<issue>/assets/ is uploaded)")
    images = []
    if mode == "embedded":
        html, images = embed_images(html, _read_asset(project), project.assets_url)
    _check_reachable(html, images, f"{mailing_list.id}-{lang}.eml")
    way_out = mailing_list.unsubscribe
    unsubscribe = [f"<mailto:{way_out.mailto}?subject=unsubscribe>"] if way_out.mailto else []
    if way_out.url and not way_out.per_reader:
        unsubscribe.insert(0, f"<{way_out.url}>")
    headers = {"List-Id": mailing_list.list_id_header(project.acronym), "X-Unsent": "1"}
    if unsubscribe:
        headers["List-Unsubscribe"] = ", ".join(unsubscribe)
    sender = mailing_list.sender
    return Draft(subject=subject, sender_name=sender.name, sender_address=sender.address, html=html, text=text,
                 lang=lang, reply_to=mailing_list.reply_to, headers=headers, images=images,
                 message_id=message_id(sender.domain, issue.id, mailing_list.id, lang, html, text),
                 date=dt.datetime.combine(issue.date, dt.time(9, 0), tzinfo=dt.timezone.utc))


def sendable_outputs(issue, gathered, renderer, flavour: str | None = None):
    """(outputs, sendable editions) for every list and language built; nothing without lists.yaml."""
    from ..build import Output

    project = issue.project
    lists = load_lists(project)
    tool: Flavour | None = FLAVOURS[flavour] if flavour else None
    if lists is None:
        if tool:
            raise PipelineError(f"--for {flavour}: there are no lists to build for: write newsletters/{LISTS_FILE} "
                                "(see README, 'Sending an edition')")
        return [], []
    texts_by_lang = {status.lang: texts for status, texts in gathered}
    outputs, editions = [], []
    for mailing_list in lists.lists:
        for lang in mailing_list.languages:
            if lang not in texts_by_lang:
                continue   # `build --lang` chose other languages
            texts = texts_by_lang[lang]

            def translate(seg, texts=texts):
                return texts.get(seg.id, seg.source)

            name = f"{mailing_list.id}-{lang}"
            view_online = view_online_url(project, issue.id, lang)
            edition = make_edition(issue, lang, translate,
                                   _footer(mailing_list, _one_for_everyone_unsubscribe(mailing_list), view_online))
            draft = eml_draft(issue, mailing_list, lang, renderer.html(edition), renderer.text(edition),
                              edition.subject)
            msg = build_message(draft)
            part = html_part(msg)
            outputs.append(Output(f"{name}.eml", msg.as_bytes()))
            editions.append(SendableEdition(mailing_list.id, lang, f"{name}.eml", encoded_size(part),
                                            part["Content-Transfer-Encoding"]))
            if tool:
                tool_view = tool.view_online or view_online
                tool_edition = make_edition(issue, lang, translate, _footer(mailing_list, tool.unsubscribe, tool_view))
                html = renderer.html(tool_edition)
                _check_reachable(html, [], f"--for {flavour}: {name}.html", _TOOL_ADVICE)
                outputs.append(Output(f"{flavour}/{name}.html", html))
                outputs.append(Output(f"{flavour}/{name}.txt", renderer.text(tool_edition)))
    return outputs, editions


__all__ = ["sendable_outputs", "SendableEdition", "eml_draft", "view_online_url"]

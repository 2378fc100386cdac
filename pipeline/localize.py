"""One language's edition as plain data ready for the templates.

Everything that depends on the language is decided here, in Python: translated
text (through the memory), dates, date ranges, numbers and country names (Babel,
from CLDR; no hand-written month names). Templates only place these values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from babel import Locale
from babel.dates import format_date, format_skeleton, parse_pattern, split_interval_pattern
from babel.numbers import format_decimal

from .emblem import EMBLEM_PATH, EMBLEM_SHOWN
from .issue import (PSEUDO_LOCALE, AboutBlock, ConsortiumBlock, EventBlock, FooterBlock, HeadingBlock, IndicatorsBlock,
                    IntroBlock, Issue, ReportBlock, WhatsNextBlock)
from .schema import AssetPath, Colour, Url
from .project import NAMED_PLACEHOLDER, DateFormats
from .segments import Segment, localize_issue


class Fixed(str):
    """A layout value (block kind, CSS size): the same in every language."""


class Md(str):
    """Translated Markdown, rendered by the template's `md` filter."""


# --- Babel formatting -----------------------------------------------------------------

_QUOTED_OR_MONTH = re.compile(r"'[^']*'|M{3}(?!M)|L{3}(?!L)")


def _widen_months(pattern: str) -> str:
    """MMM -> MMMM outside quoted literals: ICU's field-width adjustment for skeleton yMMMMd.

    CLDR gives most locales interval patterns only for abbreviated months (yMMMd);
    ICU widens the month field when the wanted skeleton has a full month, and so do we.
    """
    return _QUOTED_OR_MONTH.sub(lambda m: m.group(0) if m.group(0).startswith("'") else m.group(0) + m.group(0)[0],
                                pattern)


@lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def format_day(day: dt.date, locale: str, formats: DateFormats | None = None) -> str:
    """A single day with the month in full: "13 November 2023", "13 listopada 2023"."""
    if formats and formats.day:
        return format_date(day, format=formats.day, locale=_locale(locale))
    return format_date(day, format="long", locale=_locale(locale))


def format_day_range(start: dt.date, end: dt.date | None, locale: str, formats: DateFormats | None = None) -> str:
    """"13-14 November 2023" in each locale's own form (CLDR interval formats, or the project's)."""
    if end is None or end == start:
        return format_day(start, locale, formats)
    loc = _locale(locale)
    if start.year != end.year:
        greatest, own = "y", formats and formats.range_across_years
    elif start.month != end.month:
        greatest, own = "M", formats and formats.range_same_year
    else:
        greatest, own = "d", formats and formats.range_same_month
    if own:
        parts = split_interval_pattern(own)
    else:
        cldr = loc.interval_formats
        patterns = cldr.get("yMMMMd") or cldr.get("yMMMd")
        if not patterns:
            return f"{format_day(start, locale, formats)} – {format_day(end, locale, formats)}"
        parts = patterns.get(greatest) or patterns.get("y")
        if "yMMMMd" not in cldr:
            parts = [_widen_months(p) for p in parts]
    return "".join(parse_pattern(p).apply(d, loc) for p, d in zip(parts, (start, end)))


def format_month(day: dt.date, locale: str, formats: DateFormats | None = None) -> str:
    """The issue's month: "February 2024", "luty 2024" (stand-alone form)."""
    if formats and formats.month:
        return format_date(day, format=formats.month, locale=_locale(locale))
    return format_skeleton("yMMMM", day, locale=_locale(locale))


def format_number(value: int, locale: str) -> str:
    return format_decimal(value, locale=_locale(locale))


def country_name(code: str, locale: str) -> str:
    return _locale(locale).territories.get(code, code)


def text_direction(lang: str) -> str:
    return "rtl" if _locale(lang).character_order == "right-to-left" else "ltr"


# --- the edition ----------------------------------------------------------------------

@dataclass
class Edition:
    """Everything one language's HTML and text parts show, as plain values."""

    lang: str
    dir: str
    subject: str
    preheader: str
    masthead: str
    issue_month: str
    project_name: str
    acronym: str
    logo: dict
    emblem: dict
    cofunding: str
    colours: dict
    blocks: list[dict]
    issue_id: str = field(default="")
    # An edition for sending to a list: who sends it and why, the ways out (see `list_footer`).
    footer: dict | None = None


def _asset(project, path: str) -> AssetPath:
    """An image's address in the edition: relative to the build, or absolute under the
    project's `assets_url` (where the built assets/ folder is uploaded), which is what an
    inbox or a mailing tool needs."""
    base = getattr(project, "assets_url", None)
    if not base:
        return AssetPath(path)
    return AssetPath(f"{base.rstrip('/')}/{path.removeprefix('assets/')}")


def _image(project, image, alt_default: str = "") -> dict | None:
    if image is None:
        return None
    return {"src": _asset(project, image.src), "alt": image.alt or alt_default}


def _button(button) -> dict | None:
    return None if button is None else {"label": button.label, "url": Url(button.url)}


def _names(ids, project) -> str:
    return ", ".join(project.partner(i).name for i in ids)


def fill_label(labels, english, name: str, **values: str) -> str:
    """A pattern label with its placeholders filled; the English pattern where a translation
    lost or invented one (`newsletter check` reports it; the edition must still make sense)."""
    pattern = getattr(labels, name)
    if set(NAMED_PLACEHOLDER.findall(pattern)) != set(values):
        pattern = getattr(english, name)
    # A number never starts a line on its own: "#2", "Nr. 2", "№ 2" stay with the word before.
    pattern = re.sub(r" +(?=[^\s{]{0,4}\{number\})", "\u00a0", pattern)
    return NAMED_PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)


def _block_view(block, key: str, issue: Issue, locale: str, formats: DateFormats, english) -> dict:
    project = issue.project
    labels = project.labels
    view: dict = {"kind": Fixed(block.kind), "key": Fixed(key)}
    if isinstance(block, (IntroBlock, AboutBlock)):
        view.update(title=block.title, body=Md(block.body))
    elif isinstance(block, IndicatorsBlock):
        view.update(title=block.title, items=[{"value": format_number(i.value, locale), "label": i.label}
                                              for i in block.items])
    elif isinstance(block, HeadingBlock):
        view.update(text=block.text)
    elif isinstance(block, EventBlock):
        view.update(title=block.title, when=format_day_range(block.start, block.end, locale, formats),
                    place=block.place, body=Md(block.body), image=_image(project, block.image),
                    hosts=fill_label(labels, english, "hosted_by", names=_names(block.hosts, project))
                    if block.hosts else None,
                    link=_button(block.link))
    elif isinstance(block, ReportBlock):
        view.update(title=block.title, body=Md(block.body), button=_button(block.button),
                    image=_image(project, block.image))
    elif isinstance(block, WhatsNextBlock):
        view.update(title=block.title, items=[{
            "title": item.title,
            "when": format_day_range(item.start, item.end, locale, formats) if item.start else None,
            "place": item.place,
            "body": Md(item.body),
            "leads": fill_label(labels, english, "led_by", names=_names(item.leads, project)) if item.leads else None,
        } for item in block.items])
    elif isinstance(block, ConsortiumBlock):
        groups: dict[str, list[str]] = {}
        for partner in project.partners:  # project.yaml order, so every language has one layout
            groups.setdefault(partner.country, []).append(partner.name)
        view.update(title=block.title, body=Md(block.body) if block.body else None,
                    groups=[{"country": country_name(code, locale), "partners": names}
                            for code, names in groups.items()])
    elif isinstance(block, FooterBlock):
        view.update(website=Url(project.website), website_cta=labels.website_cta,
                    follow_us=labels.follow_us,
                    social=[{"network": s.network, "url": Url(s.url)} for s in project.social],
                    disclaimer=project.disclaimer,
                    partners_heading=labels.partners_heading,
                    logos=[{"src": _asset(project, p.logo), "alt": p.name, "url": Url(p.website)}
                           for p in project.partners] if block.show_logos else [])
    else:  # pragma: no cover - a new block type without a view is a programming error
        raise TypeError(f"no view for block type {block.kind!r}")
    return view


# Typography that wants a one-letter word kept with the next one (Polish, Czech, Slovak
# orphans: "w", "z", "i" never end a line); a no-break space after it does that in every client.
_ONE_LETTER_WORDS = {"pl": "aiouwzAIOUWZ", "cs": "aiouksvzAIOUKSVZ", "sk": "aiouksvzAIOUKSVZ"}


def _tie_one_letter_words(text: str, lang: str) -> str:
    letters = _ONE_LETTER_WORDS.get(lang.split("_")[0].split("-")[0])
    if not letters:
        return text
    return re.sub(rf"(?<![\w\[(/.:-])([{letters}]) (?=\S)", "\\1\u00a0", text)


@dataclass
class FooterLinks:
    """What a list's footer links to, as the edition's target writes it: real addresses, a
    mailing tool's merge tags or the placeholders `send` fills in (they are text, not layout,
    so every list and tool shares one compiled layout)."""

    partner: str
    contact: str
    unsubscribe: str
    view_online: str
    privacy: str


def _list_footer(lproject, english, links: FooterLinks) -> dict:
    labels = lproject.labels
    return {"because": fill_label(labels, english, "subscribed_because", sender=lproject.partner(links.partner).name),
            "contact": str(links.contact),
            "view_online": {"label": str(labels.view_online), "url": str(links.view_online)},
            "links": [{"label": str(labels.unsubscribe), "url": str(links.unsubscribe)},
                      {"label": str(labels.privacy_notice), "url": str(links.privacy)}]}


def make_edition(issue: Issue, lang: str, translate: Callable[[Segment], str],
                 footer: FooterLinks | None = None) -> Edition:
    """Localize the issue through `translate` and format it for `lang` (for a list, with `footer`)."""
    if lang in _ONE_LETTER_WORDS:   # in running text; one-line fields do not wrap much
        untied = translate
        translate = lambda segment: (_tie_one_letter_words(untied(segment), lang)  # noqa: E731
                                     if segment.kind == "markdown" else untied(segment))
    project = issue.project
    # The pseudo edition is the source language in disguise: dates, numbers, names as in English.
    babel_lang = project.source_language if lang == PSEUDO_LOCALE else lang
    locale = project.locale_for(babel_lang)  # one locale for everything Babel writes, country names too
    formats = project.date_formats_for(babel_lang)
    local = localize_issue(issue, translate) if lang != project.source_language else issue
    lproject = local.project
    colours = {k: Colour(v) for k, v in vars(lproject.colours).items()}
    return Edition(
        lang=lang,
        dir=text_direction(locale),
        subject=local.subject,
        preheader=local.preheader,
        masthead=fill_label(lproject.labels, project.labels, "masthead", number=format_number(issue.number, locale)),
        issue_month=format_month(issue.date, locale, formats),
        project_name=lproject.name,
        acronym=lproject.acronym,
        logo={"src": _asset(project, lproject.logo), "alt": lproject.labels.project_logo_alt},
        emblem={"src": _asset(project, EMBLEM_PATH), "alt": lproject.labels.eu_emblem_alt,
                "width": Fixed(EMBLEM_SHOWN[0]), "height": Fixed(EMBLEM_SHOWN[1])},
        cofunding=lproject.cofunding_statement,
        colours=colours,
        blocks=[_block_view(b, k, local, locale, formats, project.labels)
                for k, b in zip(local.block_keys(), local.blocks)],
        issue_id=issue.id,
        footer=_list_footer(lproject, project.labels, footer) if footer else None,
    )

"""Project settings (`newsletters/project.yaml`): languages, partners, links, brand.

Every issue is rendered against these settings; their English strings are source
text translated through each issue's catalogs like the issue's own text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ValidationError
from .files import shown_path
from .schema import AssetPath, Colour, Context, CountryCode, LangCode, Line, Slug, Text, Url, build, needs
from .yamlsource import load_yaml


# Where `formatting_locales` says nothing. Babel's locale for a bare code is the language
# where most of its speakers live (pt: Brazil, nl: the Netherlands, en: the United States);
# the consortium's readers live in the partner countries: Portugal ("Polónia", not
# "Polônia"), Flanders (13/11/2023, not 13-11-2023), and English is written the EU's way.
# The other partner languages' bare codes are already their partner's country (de = de_DE).
DEFAULT_LOCALES = {"en": "en_GB", "nl": "nl_BE", "pt": "pt_PT"}
EMAIL_IMAGES = ("embedded", "linked")


@dataclass
class Partner:
    id: Slug
    name: Line
    country: CountryCode
    languages: list[LangCode]
    website: Url
    logo: AssetPath


@dataclass
class SocialLink:
    network: str
    url: Url


# Labels that are patterns: a translator moves the placeholder where the language wants it
# ("Ενημερωτικό δελτίο #{number}", "{names} als Gastgeber"), so nothing is glued in code.
LABEL_PLACEHOLDERS = {"masthead": {"number"}, "hosted_by": {"names"}, "led_by": {"names"},
                      "subscribed_because": {"sender"},
                      "unsubscribe_question": {"address"}, "unsubscribed": {"address"}}
NAMED_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")


@dataclass
class Labels:
    """Fixed words of the layout that are not part of any one issue."""

    masthead: Line
    website_cta: Line
    follow_us: Line
    partners_heading: Line
    project_logo_alt: Line
    hosted_by: Line = Line("Hosted by: {names}")
    led_by: Line = Line("Led by: {names}")
    eu_emblem_alt: Line = Line("Flag of the European Union")
    # The footer of an edition for sending (lists.yaml): who sends it, why, how to leave.
    subscribed_because: Text = Text("You receive this newsletter because you subscribed to news from {sender}.")
    unsubscribe: Line = Line("Unsubscribe")
    view_online: Line = Line("View in your browser")
    privacy_notice: Line = Line("Privacy notice")
    # The unsubscribe page (pipeline.delivery.unsubscribe), in the reader's language; {address}
    # is the reader's address. Optional: a project without them gets the page's English
    # wording in every language, so a project that sends should set both.
    unsubscribe_question: Text | None = None
    unsubscribed: Text | None = None

    @needs(*LABEL_PLACEHOLDERS)
    def _patterns_have_their_placeholders(self, report) -> None:
        for name, wanted in LABEL_PLACEHOLDERS.items():
            value = getattr(self, name)
            if value is None:
                continue
            found = set(NAMED_PLACEHOLDER.findall(value))
            for missing in sorted(wanted - found):
                report(name, f"must contain {{{missing}}} where the value goes, e.g. 'Led by: {{{missing}}}'")
            for unknown in sorted(found - wanted):
                report(name, f"{{{unknown}}} is not filled in here; the placeholders are "
                             + ", ".join(f"{{{w}}}" for w in sorted(wanted)))


@dataclass
class Colours:
    primary: Colour
    accent: Colour
    text: Colour
    muted: Colour
    background: Colour


@dataclass
class TranslationSettings:
    """Machine translation: the default engine, engines per language, the server to use."""

    engine: str = "libre"
    engines: dict = field(default_factory=dict)
    url: Url | None = None
    timeout: int = 20
    jobs: int = 8

    @needs("engine")
    def _known_engine(self, report) -> None:
        _check_engine(self.engine, "engine", report)

    @needs("engines")
    def _known_engines(self, report) -> None:
        for name in (self.engines or {}).values():
            _check_engine(name, "engines", report)

    @needs("jobs")
    def _some_jobs(self, report) -> None:
        if self.jobs is not None and self.jobs < 1:
            report("jobs", "must be 1 or more")

    @needs("timeout")
    def _some_time(self, report) -> None:
        if self.timeout is not None and self.timeout < 1:
            report("timeout", "must be 1 second or more")


def _check_engine(name, where: str, report) -> None:
    from .engines import ENGINES

    if not isinstance(name, str) or name not in ENGINES:
        report(where, f"unknown engine {name!r} (choose from {', '.join(sorted(ENGINES))})")


@dataclass
class DateFormats:
    """One language's house style where it differs from CLDR: CLDR date patterns.

    Babel follows each CLDR release, and CLDR changes its mind (47 spaced the en_GB dash in
    "13 – 14 November 2023"); a pattern set here keeps an edition as the consortium wants it
    whatever Babel version writes it. A range pattern repeats its first differing field where
    the second date starts, as CLDR interval formats do: "d–d MMMM y".
    """

    day: str | None = None
    month: str | None = None
    range_same_month: str | None = None
    range_same_year: str | None = None
    range_across_years: str | None = None

    @needs("range_same_month", "range_same_year", "range_across_years")
    def _ranges_are_ranges(self, report) -> None:
        from babel.dates import split_interval_pattern

        for name in ("range_same_month", "range_same_year", "range_across_years"):
            pattern = getattr(self, name)
            if pattern is not None and len(split_interval_pattern(pattern)) != 2:
                report(name, f"{pattern!r} is not a range: repeat the first field that differs where "
                             "the second date starts, e.g. 'd–d MMMM y'")


@dataclass
class Project:
    name: Line
    acronym: str
    programme: str
    source_language: LangCode
    target_languages: list[LangCode]
    website: Url
    cofunding_statement: Text
    disclaimer: Text
    labels: Labels
    logo: AssetPath
    colours: Colours
    partners: list[Partner]
    social: list[SocialLink] = field(default_factory=list)
    # Where the assets/ folder (newsletters/assets, copied into each build) is published, e.g.
    # https://example.org/secon/assets: images then have absolute addresses, as an e-mail
    # needs. Unset: relative paths, for a preview from dist/.
    assets_url: Url | None = None
    # How images travel in an edition for sending (lists.yaml): "embedded" inside each
    # message as cid: parts (works offline, nothing to upload), or "linked" to their
    # published copy under assets_url (smaller messages; what a mailing tool needs anyway).
    email_images: str | None = None
    # Where the built dist/ folder is published: an edition's "view in your browser" link is
    # <editions_url>/<issue>/<lang>.html.
    editions_url: Url | None = None
    formatting_locales: dict = field(default_factory=dict)
    date_formats: dict[str, DateFormats] = field(default_factory=dict)
    translation: TranslationSettings = field(default_factory=TranslationSettings)

    # Set by load_project: where the settings file and shared assets live.
    root: Path = field(default=Path("."), init=False, compare=False, repr=False)

    @needs("assets_url", "logo", "partners")
    def _assets_under_the_published_folder(self, report) -> None:
        if self.assets_url:
            for path in [self.logo, *(p.logo for p in self.partners or [] if p)]:
                if path and not str(path).startswith("assets/"):
                    report("assets_url", f"{path!r} is not in assets/, so it would not be published under "
                                         "assets_url: move it into newsletters/assets/")

    @needs("email_images", "assets_url")
    def _images_travel_one_known_way(self, report) -> None:
        if self.email_images is not None and self.email_images not in EMAIL_IMAGES:
            report("email_images", f"{self.email_images!r}: choose embedded (images inside each message) or "
                                   "linked (images at assets_url)")
        elif self.email_images == "linked" and not self.assets_url:
            report("email_images", "linked images need assets_url: where the assets/ folder is published")

    @needs("source_language", "target_languages")
    def _source_is_not_a_target(self, report) -> None:
        if self.target_languages and self.source_language in self.target_languages:
            report("target_languages", f"lists the source language {self.source_language!r}")

    @needs("target_languages")
    def _targets_once(self, report) -> None:
        seen: set[str] = set()
        for lang in self.target_languages or []:
            if lang in seen:
                report("target_languages", f"lists {lang!r} twice")
            seen.add(lang)

    @needs("source_language", "target_languages", "date_formats")
    def _date_formats_for_own_languages(self, report) -> None:
        languages = {self.source_language, *(self.target_languages or [])}
        for lang in self.date_formats or {}:
            if lang not in languages:
                report("date_formats", f"has patterns for {lang!r}, which is not one of the project's languages")

    @needs()  # reads only the ids, which a partner keeps whatever else is wrong with it
    def _partner_ids_once(self, report) -> None:
        ids = [p.id for p in self.partners or [] if p and p.id]
        for pid in sorted({i for i in ids if ids.count(i) > 1}):
            report("partners", f"partner id {pid!r} is used twice")

    def partner(self, partner_id: str) -> Partner:
        return next(p for p in self.partners if p.id == partner_id)

    def locale_for(self, lang: str) -> str:
        """The one Babel locale of an edition: its dates, numbers and country names."""
        return str((self.formatting_locales or {}).get(lang) or DEFAULT_LOCALES.get(lang, lang))

    def date_formats_for(self, lang: str) -> DateFormats:
        return self.date_formats.get(lang) or DateFormats()


def load_project(newsletters_dir: Path) -> Project:
    """Read and validate project.yaml, raising ValidationError with every problem."""
    path = newsletters_dir / "project.yaml"
    doc = load_yaml(path, shown_path(path))
    ctx = Context(doc, assets_dir=newsletters_dir)
    project = build(Project, doc.data, (), ctx)
    if project is not None and isinstance(doc.data, dict):
        locales = doc.data.get("formatting_locales") or {}
        if not isinstance(locales, dict):
            ctx.report(("formatting_locales",), "expected a mapping of language code to Babel locale")
        else:
            from babel import Locale, UnknownLocaleError

            for lang, loc in locales.items():
                try:
                    Locale.parse(str(loc))
                except (UnknownLocaleError, ValueError):
                    ctx.report(("formatting_locales", lang), f"unknown Babel locale {loc!r}")
    if ctx.problems:
        raise ValidationError(ctx.problems)
    project.root = newsletters_dir
    return project


__all__ = ["Project", "Partner", "Labels", "DateFormats", "load_project"]

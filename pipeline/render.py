"""Edition -> responsive, CSS-inlined HTML (and plain text), fast enough for a preview loop.

Pipeline per layout: Jinja2 (autoescape on, StrictUndefined) renders MJML,
mjml-python compiles it, premailer inlines the CSS. The layout is the same in
every language, so that expensive work is done once per layout, not per
language: the edition is rendered with numbered placeholder tokens in place of
every language-dependent string, compiled and inlined once, and each language
then fills in its own escaped text. Values that are layout (URLs, image paths,
colours, block kinds) are part of the layout's signature, so an edition whose
layout differs gets its own skeleton instead of wrong values.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from .errors import PipelineError
from .files import write_atomic
from .localize import Edition, Fixed, Md
from .markup import to_html, to_text
from .schema import AssetPath, Colour, Url

HTML_TEMPLATE = "newsletter.mjml.j2"
TEXT_TEMPLATE = "newsletter.txt.j2"



def _shipped_templates() -> Path:
    """The layout that comes with the tool: inside an installed package, or the checkout's."""
    here = Path(__file__).resolve().parent
    installed = here / "templates"
    return installed if (installed / HTML_TEMPLATE).is_file() else here.parent / "templates"


TEMPLATES_DIR = _shipped_templates()


def templates_dir_for(newsletters_dir: Path) -> Path:
    """The project's own templates/ beside newsletters/, else the ones shipped with the tool."""
    candidate = newsletters_dir.parent / "templates"
    return candidate if (candidate / HTML_TEMPLATE).is_file() else TEMPLATES_DIR

# MJML's head CSS gives every <p> display:block; paragraphs are inserted after
# inlining, so they carry it themselves (the fast-path equivalence test checks this).
PARAGRAPH_STYLE = "display:block;margin:0 0 12px 0;"
_TOKEN = re.compile(r"\[\[([tm]):(\d+)\]\]")
_LAYOUT_TYPES = (Fixed, Url, AssetPath, Colour)


class Slot(str):
    """Placeholder for the n-th language-dependent string of an edition."""

    def __new__(cls, n: int):
        obj = super().__new__(cls, f"[[s:{n}]]")
        obj.n = n
        return obj

    def __html__(self) -> str:  # what autoescape prints: a text token
        return f"[[t:{self.n}]]"


def _link_style(colours: dict) -> str:
    return f"color:{colours['primary']};text-decoration:underline;"


def make_environment(templates_dir: Path = TEMPLATES_DIR, cache_dir: Path | None = None) -> jinja2.Environment:
    """Autoescape for .mjml.j2 too (select_autoescape would not cover it), undefined = error."""
    bytecode_cache = None
    if cache_dir is not None:
        try:
            (cache_dir / "jinja").mkdir(parents=True, exist_ok=True)
            bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache_dir / "jinja"))
        except OSError:  # a cache that cannot be made only costs time
            bytecode_cache = None
    env = jinja2.Environment(
        bytecode_cache=bytecode_cache,
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=lambda name: bool(name) and not name.endswith(".txt.j2"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["text"] = lambda value: to_text(value)
    env.filters["wrap"] = _wrap
    env.filters["md"] = _md_filter
    return env


@jinja2.pass_context
def _md_filter(context, value):
    """Markdown -> HTML for the edition's colours; a Slot becomes a Markdown token."""
    if isinstance(value, Slot):
        return Markup(f"[[m:{value.n}]]")
    return Markup(to_html(value, PARAGRAPH_STYLE, context["link_style"]))


def _wrap(text: str, width: int = 72, indent: str = "") -> str:
    """Wrap plain text per paragraph without breaking URLs or hyphenated words."""
    out = []
    for para in str(text).split("\n\n"):
        out.append(textwrap.fill(para, width=width, initial_indent=indent, subsequent_indent=indent,
                                 break_long_words=False, break_on_hyphens=False))
    return "\n\n".join(out)


# --- layout signature and slots -------------------------------------------------------

def _flatten(value, layout: list, texts: list, slotted: bool):
    """Walk an edition: layout values into `layout`, language strings into `texts`.

    With `slotted`, returns a copy where every language string is a Slot.
    """
    if isinstance(value, dict):
        layout.append(("{", tuple(value)))
        return {k: _flatten(v, layout, texts, slotted) for k, v in value.items()}
    if isinstance(value, list):
        layout.append(("[", len(value)))
        return [_flatten(v, layout, texts, slotted) for v in value]
    if value is None or isinstance(value, (bool, int)):
        layout.append(value)
        return value
    if isinstance(value, _LAYOUT_TYPES):
        layout.append(str(value))
        return value
    if isinstance(value, str):
        layout.append(("md",) if isinstance(value, Md) else ("s",))
        texts.append(value)
        return Slot(len(texts) - 1) if slotted else value
    raise TypeError(f"unexpected value in edition: {value!r}")


def _edition_tree(edition: Edition) -> dict:
    return {f.name: getattr(edition, f.name) for f in dataclasses.fields(edition) if f.name != "issue_id"}


@dataclass
class Skeleton:
    """A compiled, inlined layout with [[t:n]]/[[m:n]] tokens where language text goes."""

    html: str
    link_style: str

    def fill(self, texts: list[str]) -> str:
        def replace(match: re.Match) -> str:
            value = texts[int(match.group(2))]
            if match.group(1) == "m":
                return to_html(value, PARAGRAPH_STYLE, self.link_style)
            return str(escape(value))
        return _TOKEN.sub(replace, self.html)


def _read_cache_entry(path: Path) -> str | None:
    """A cached skeleton whose checksum holds, else None: a damaged entry is rebuilt, never used."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    header, _, body = raw.partition(b"\n")
    if header != b"sha256:" + hashlib.sha256(body).hexdigest().encode():
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _write_cache_entry(path: Path, html: str) -> None:
    body = html.encode("utf-8")
    try:
        write_atomic(path, b"sha256:" + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    except OSError:  # read-only checkout, full disk: the build itself still succeeds
        pass


class Renderer:
    """Renders editions; keeps compiled skeletons for the life of the object (one build, a preview).

    With `cache_dir`, skeletons are also kept on disk, keyed by a hash of everything
    that shapes them (layout values, every template file, the code of this module and
    of the Markdown renderer, and the versions of mjml-python, premailer and cssutils),
    so a later build with the same layout skips MJML and premailer entirely.
    """

    def __init__(self, templates_dir: Path = TEMPLATES_DIR, cache_dir: Path | None = None):
        self.templates_dir = templates_dir
        self.env = make_environment(templates_dir, cache_dir)
        self.cache_dir = cache_dir
        self._skeletons: dict[tuple, Skeleton] = {}
        self._toolchain_key: str | None = None
        self.stats = {"skeletons": 0, "fills": 0, "disk_hits": 0}

    # HTML
    def html(self, edition: Edition) -> str:
        layout: list = []
        texts: list[str] = []
        _flatten(_edition_tree(edition), layout, texts, slotted=False)
        key = tuple(layout)
        skeleton = self._skeletons.get(key)
        if skeleton is None:
            skeleton = self._skeletons[key] = self._load_or_compile(key, edition)
        self.stats["fills"] += 1
        return skeleton.fill(texts)

    def _load_or_compile(self, layout: tuple, edition: Edition) -> Skeleton:
        path = None
        if self.cache_dir is not None:
            digest = hashlib.sha256(repr((self._toolchain(), layout)).encode()).hexdigest()[:32]
            path = self.cache_dir / f"skeleton-{digest}.html"
            html = _read_cache_entry(path)
            if html is not None:
                self.stats["disk_hits"] += 1
                return Skeleton(html, _link_style(edition.colours))
        skeleton = self._compile_skeleton(edition)
        self.stats["skeletons"] += 1
        if path is not None:
            _write_cache_entry(path, skeleton.html)
        return skeleton

    def _toolchain(self) -> str:
        """A fingerprint of templates, this code and the compilers: any change misses the cache."""
        if self._toolchain_key is None:
            from importlib.metadata import version

            h = hashlib.sha256()
            for name in ("mjml-python", "premailer", "cssutils", "markdown-it-py", "jinja2"):
                h.update(f"{name}={version(name)};".encode())
            here = Path(__file__).resolve().parent
            sources = [here / "render.py", here / "markup.py", here / "localize.py",
                       *sorted(self.templates_dir.rglob("*.j2"))]
            for source in sources:
                h.update(str(source.relative_to(source.parent.parent)).encode())
                h.update(source.read_bytes())
            self._toolchain_key = h.hexdigest()
        return self._toolchain_key

    def html_direct(self, edition: Edition) -> str:
        """The slow path: render, compile and inline this one edition with its real text.

        Kept as the reference the fast path is tested against.
        """
        tree = _edition_tree(edition)
        html = inline_css(compile_mjml(self.mjml(tree)))
        leftovers = find_unrendered(html)
        if leftovers:
            raise PipelineError(f"template output still contains {', '.join(leftovers)}")
        return html

    def _compile_skeleton(self, edition: Edition) -> Skeleton:
        layout: list = []
        slotted = _flatten(_edition_tree(edition), layout, [], slotted=True)
        link_style = _link_style(edition.colours)
        mjml_source = self.mjml(slotted, link_style)
        html = inline_css(compile_mjml(mjml_source))
        leftovers = find_unrendered(_TOKEN.sub("", html))
        if leftovers:
            raise PipelineError(f"template output still contains {', '.join(leftovers)}: "
                                "fix the template (unknown mj- tag, or a value used outside {{ }})")
        return Skeleton(html, link_style)

    def mjml(self, edition_tree: dict, link_style: str | None = None) -> str:
        """The MJML source for an edition tree (real strings or Slots)."""
        template = self.env.get_template(HTML_TEMPLATE)
        try:
            return template.render(edition=_Namespace(edition_tree),
                                   link_style=link_style or _link_style(edition_tree["colours"]))
        except jinja2.UndefinedError as exc:
            raise PipelineError(f"template {HTML_TEMPLATE}: {exc.message}") from None

    def block_mjml(self, edition: Edition, index: int) -> str:
        """One block's MJML partial on its own (for golden tests and template work)."""
        tree = _edition_tree(edition)
        block = tree["blocks"][index]
        template = self.env.get_template(f"blocks/{block['kind']}.mjml.j2")
        return template.render(edition=_Namespace(tree), block=_Namespace(block), c=tree["colours"],
                               link_style=_link_style(tree["colours"]))

    # plain text
    def text(self, edition: Edition) -> str:
        template = self.env.get_template(TEXT_TEMPLATE)
        try:
            return _tidy_text(template.render(edition=_Namespace(_edition_tree(edition))))
        except jinja2.UndefinedError as exc:
            raise PipelineError(f"template {TEXT_TEMPLATE}: {exc.message}") from None


class _Namespace(dict):
    """Dict with attribute access for templates (edition.lang), strict on missing keys."""

    def __getattr__(self, name):
        try:
            value = self[name]
        except KeyError:
            raise AttributeError(name) from None
        return _Namespace(value) if isinstance(value, dict) and not isinstance(value, _Namespace) else value


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


# --- stages ---------------------------------------------------------------------------

def compile_mjml(source: str) -> str:
    from mjml import mjml2html

    try:
        html = mjml2html(source)
    except Exception as exc:  # mjml-python raises plain exceptions from the Rust parser
        raise PipelineError(f"MJML could not be compiled: {exc}") from None
    return _client_fixes(html)


_PREVIEW = re.compile(r'(<div style="display:none;[^"]*overflow:hidden;)(">)(.*?)(</div>)', re.S)
# Zero-width non-joiner + no-break space, repeated: inboxes show the preview line and then
# stop, instead of running on into the masthead's text ("Newsletter #2 February 2024 ...").
PREVIEW_FILLER = "&zwnj;&nbsp;" * 90
_COLOR_SCHEME = ('<meta name="color-scheme" content="light only">'
                 '<meta name="supported-color-schemes" content="light only">')


def _client_fixes(html: str) -> str:
    """What mail clients need that MJML does not write: a padded preview line hidden from
    Outlook too (`mso-hide:all`), and the colour scheme declared (a light design that clients
    should not invert into unreadable logos)."""
    html = _PREVIEW.sub(lambda m: f"{m.group(1)}mso-hide:all;{m.group(2)}{m.group(3)}{PREVIEW_FILLER}{m.group(4)}",
                        html, count=1)
    return html.replace("<head>", "<head>" + _COLOR_SCHEME, 1)


_DOCTYPE = "<!doctype html>"


def inline_css(html: str) -> str:
    """premailer with the settings MJML output needs (each default below breaks something).

    - strip_important=False: MJML's responsive column rules live in @media blocks with !important.
    - allow_network=False: no fetching web fonts or @import while building offline.
    - remove_classes=False: the @media rules select on MJML's classes.
    - cssutils logging silenced: it warns about every vendor property (mso-*, -webkit-*).
    - images keep MJML's pixel `width`: premailer copies `width:100%` from the inline CSS into
      every `width` attribute (useful on tables), and Outlook's Word engine sizes an image by
      that attribute, so a percentage there blows up a 2x asset to its full file width.
    - MJML's reset block (tables, cells, images, paragraphs) stays in <head> and is not
      copied onto every element: inlined, it was 213 copies of the same table reset, about
      a fifth of each edition's bytes, and every client that lays out MJML's tables honours
      a <head> style (Outlook's Word engine included, which is whom the reset is for).
    - the lowercase doctype premailer drops is put back.
    """
    import premailer

    _quiet_cssutils()
    inliner = premailer.Premailer(
        _RESET_BLOCK.sub(r'\1 data-premailer="ignore"\2', html, count=1),
        strip_important=False,
        allow_network=False,
        remove_classes=False,
        keep_style_tags=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        exclude_pseudoclasses=True,
    )
    out = _restore_image_widths(html, inliner.transform(pretty_print=False))
    if not out.lower().startswith("<!doctype"):
        out = f"{_DOCTYPE}\n{out}"
    return out


_RESET_BLOCK = re.compile(r'(<style type="text/css")(>\s*#outlook a)')
_IMG = re.compile(r"<img\b[^>]*>")
_WIDTH = re.compile(r'\swidth="([^"]*)"')


def _restore_image_widths(before: str, after: str) -> str:
    """Each image's width attribute as MJML wrote it (images keep their order through premailer)."""
    widths = iter([m.group(1) if (m := _WIDTH.search(tag)) else None for tag in _IMG.findall(before)])

    def restore(match: re.Match) -> str:
        width = next(widths, None)
        if width is None or not width.isdigit():
            return match.group(0)
        return _WIDTH.sub(f' width="{width}"', match.group(0), count=1)
    return _IMG.sub(restore, after)


_cssutils_quiet = False


def _quiet_cssutils() -> None:
    global _cssutils_quiet
    if not _cssutils_quiet:
        import cssutils

        cssutils.log.setLevel(logging.CRITICAL)
        logging.getLogger("CSSUTILS").setLevel(logging.CRITICAL)
        _cssutils_quiet = True


_UNRENDERED = [("<mj-", "an MJML tag (<mj-…>)"), ("</mj-", "an MJML closing tag"),
               ("{{", "Jinja '{{'"), ("{%", "Jinja '{%'"), ("[[s:", "a placeholder used outside {{ }}"),
               ("[[t:", "an unfilled text placeholder"), ("[[m:", "an unfilled Markdown placeholder")]


def find_unrendered(html: str) -> list[str]:
    """mjml-python passes unknown mj- tags through silently; Jinja syntax must never reach readers."""
    return [label for needle, label in _UNRENDERED if needle in html]

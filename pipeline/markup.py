"""Inline Markdown -> email HTML and -> plain text, from the same parse.

Only what issue text needs is enabled (paragraphs, bold, italics, links, line
breaks). Raw HTML is not a Markdown feature here: `<b>` in a source or a
translation shows as the literal characters, escaped. Elements get inline
styles directly because this HTML is inserted after CSS inlining.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import escape

_BLOCK_RULES_OFF = ["table", "code", "fence", "blockquote", "hr", "list", "reference", "html_block",
                    "heading", "lheading"]
_INLINE_RULES_OFF = ["html_inline", "image", "autolink", "backticks", "entity"]


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(_BLOCK_RULES_OFF)
    md.disable(_INLINE_RULES_OFF)
    return md


_FIXED_MARKUP = {"softbreak": "\n", "hardbreak": "<br>", "strong_open": "<strong>", "strong_close": "</strong>",
                 "em_open": "<em>", "em_close": "</em>", "link_close": "</a>"}


def _inline_html(children, link_style: str) -> str:
    out = []
    for tok in children:
        t = tok.type
        if t in _FIXED_MARKUP:
            out.append(_FIXED_MARKUP[t])
        elif t == "link_open":
            out.append(f'<a href="{escape(tok.attrs.get("href", ""))}" style="{link_style}" target="_blank">')
        else:  # text, and any other token, keeps its text, escaped
            out.append(str(escape(tok.content)))
    return "".join(out)


@lru_cache(maxsize=4096)
def to_html(source: str, paragraph_style: str, link_style: str) -> str:
    """Markdown paragraphs as <p> elements carrying their own inline styles."""
    tokens = _parser().parse(source)
    out = []
    for tok in tokens:
        if tok.type == "inline":
            out.append(f'<p style="{paragraph_style}">{_inline_html(tok.children or [], link_style)}</p>')
    return "".join(out)


@lru_cache(maxsize=4096)
def to_inline_html(source: str, link_style: str) -> str:
    """One paragraph's worth of Markdown without the <p> (for labels and list items)."""
    tokens = _parser().parse(source)
    return "<br>".join(_inline_html(t.children or [], link_style) for t in tokens if t.type == "inline")


@lru_cache(maxsize=4096)
def to_text(source: str) -> str:
    """Plain-text rendering: emphasis markers dropped, links as `text (URL)`."""
    paragraphs = []
    for tok in _parser().parse(source):
        if tok.type != "inline":
            continue
        out, link_stack = [], []
        for child in tok.children or []:
            t = child.type
            if t in ("text", "code_inline"):
                out.append(child.content)
            elif t == "softbreak":
                out.append(" ")
            elif t == "hardbreak":
                out.append("\n")
            elif t == "link_open":
                link_stack.append((len(out), child.attrs.get("href", "")))
            elif t == "link_close" and link_stack:
                start, href = link_stack.pop()
                label = "".join(out[start:])
                if href and href not in (label, f"mailto:{label}"):
                    out.append(f" ({href})")
        paragraphs.append("".join(out))
    return "\n\n".join(paragraphs)

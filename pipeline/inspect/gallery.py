"""The QA gallery: dist/<issue>/qa/index.html, every edition's screenshots beside its findings.

Self-contained: one HTML file with its own CSS (no script, no web font, nothing fetched), the
PNGs next to it (`<lang>-<width>.png`) by relative links, so the folder can be zipped,
mailed or opened from disk. Each finding with a place on a screenshot is numbered there too.
"""

from __future__ import annotations

import json
import re
import struct
from html import escape
from pathlib import Path

from ..files import write_atomic
from ..issue import PSEUDO_LOCALE
from .findings import ERROR, QaReport, short_where

_SHOT = re.compile(r"^[A-Za-z0-9-]+-\d+\.png$")
_SHOWN_WIDTH = {375: 300, 600: 360}     # how wide each screenshot is drawn (CSS px)

_CSS = """
body { font-family: Arial, Helvetica, sans-serif; margin: 0; color: #1d2330; background: #f2f4f8; }
header { background: #fff; padding: 16px 24px; border-bottom: 1px solid #d9dee8; }
h1 { font-size: 20px; margin: 0 0 6px 0; }
h2 { font-size: 18px; margin: 0 0 12px 0; }
.verdict.failed { color: #a4161a; } .verdict.passed { color: #1b6e3a; }
nav a { display: inline-block; margin: 6px 8px 0 0; padding: 4px 8px; border-radius: 4px; background: #e8ecf4;
        color: #1d2330; text-decoration: none; font-size: 14px; }
nav a.has-errors { background: #fbe3e4; } nav a.has-warnings { background: #fff3cd; }
.notes { font-size: 13px; color: #555; margin: 8px 0 0 0; padding-left: 18px; }
section { margin: 24px; padding: 16px; background: #fff; border: 1px solid #d9dee8; border-radius: 6px; }
.row { display: flex; gap: 20px; align-items: flex-start; }
figure { margin: 0; flex: none; }
figcaption { font-size: 13px; color: #555; margin-bottom: 4px; }
.frame { position: relative; border: 1px solid #c5ccd9; line-height: 0; }
.frame img { width: 100%; height: auto; display: block; }
.mark { position: absolute; box-sizing: border-box; border: 2px solid #d00000; background: rgba(208,0,0,.08);
        min-width: 6px; min-height: 6px; }
.mark.warning { border-color: #e08a00; background: rgba(224,138,0,.08); }
.mark span { position: absolute; left: -2px; top: -16px; font: bold 11px/14px Arial, sans-serif; color: #fff;
             background: #d00000; padding: 0 3px; border-radius: 2px; }
.mark.warning span { background: #b86e00; }
.findings { flex: 1; min-width: 280px; position: sticky; top: 8px; max-height: 96vh; overflow: auto; }
.findings ol { margin: 0; padding-left: 28px; font-size: 13px; line-height: 1.45; }
.findings li { margin-bottom: 8px; }
.findings li.error::marker { color: #d00000; font-weight: bold; }
.sev { font-weight: bold; } .sev.error { color: #a4161a; } .sev.warning { color: #8a5a00; }
code { font-size: 11px; color: #555; word-break: break-all; }
.ok { color: #1b6e3a; font-weight: bold; }
"""


def _png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as handle:
        head = handle.read(24)
    return struct.unpack(">II", head[16:24]) if head[:8] == b"\x89PNG\r\n\x1a\n" else (0, 0)


def _where(where: str) -> str:
    """The selector's last steps (the whole of it on hover): enough to find the element."""
    if not where:
        return ""
    return f'<br><code title="{escape(where)}">{escape(short_where(where))}</code>'


def _name(lang: str) -> str:
    if lang == PSEUDO_LOCALE:
        return "pseudo-localization"
    try:
        from babel import Locale

        return Locale.parse(lang).get_display_name("en")
    except Exception:   # an unknown code still gets its row
        return lang


def _marks(findings, numbers, width, size) -> str:
    w, h = size
    if not (w and h):
        return ""
    out = []
    for f in findings:
        if f.width != width or not f.box:
            continue
        x, y, bw, bh = f.box
        style = (f"left:{100 * x / w:.3f}%;top:{100 * y / h:.3f}%;"
                 f"width:{100 * max(bw, 1) / w:.3f}%;height:{100 * max(bh, 1) / h:.3f}%")
        out.append(f'<a class="mark {f.severity}" href="#f-{escape(f.lang)}-{numbers[id(f)]}" style="{style}" '
                   f'title="{escape(f.code)}: {escape(f.message)}"><span>{numbers[id(f)]}</span></a>')
    return "".join(out)


def write_gallery(report: QaReport, folder: Path) -> Path:
    """qa/index.html (and qa/report.json) for a report whose screenshots are in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    current = {p.name for shots in report.screenshots.values() for p in shots.values()}
    for old in folder.glob("*.png"):       # screenshots of languages or widths no longer checked
        if _SHOT.match(old.name) and old.name not in current:
            old.unlink()
    verdict = "failed" if report.failed else "passed"
    nav, sections = [], []
    for lang in report.languages:
        found = report.for_lang(lang)
        errors = sum(1 for f in found if f.severity == ERROR)
        warnings = len(found) - errors
        css = "has-errors" if errors else "has-warnings" if warnings else ""
        nav.append(f'<a class="{css}" href="#{escape(lang)}">{escape(lang)} · {errors} E · {warnings} W</a>')
        numbers = {id(f): i for i, f in enumerate(found, 1)}
        figures = []
        for width, path in sorted(report.screenshots.get(lang, {}).items()):
            size = _png_size(path)
            shown = _SHOWN_WIDTH.get(width, min(width, 360))
            figures.append(
                f'<figure><figcaption>{width} px · <a href="{escape(path.name)}">full size</a></figcaption>'
                f'<div class="frame" style="width:{shown}px"><img src="{escape(path.name)}" '
                f'alt="{escape(lang)} edition at {width} px" width="{size[0]}" height="{size[1]}" loading="lazy">'
                f'{_marks(found, numbers, width, size)}</div></figure>')
        if found:
            items = "".join(
                f'<li id="f-{escape(lang)}-{numbers[id(f)]}" class="{f.severity}"><span class="sev {f.severity}">'
                f'{f.severity}</span> <b>[{escape(f.code)}]</b>{" at " + str(f.width) + " px" if f.width else ""}: '
                f'{escape(f.message)}{_where(f.where)}</li>'
                for f in found)
            listing = f"<ol>{items}</ol>"
        else:
            listing = '<p class="ok">No findings.</p>'
        sections.append(
            f'<section id="{escape(lang)}" lang="en"><h2>{escape(_name(lang))} ({escape(lang)}): {errors} error(s), '
            f'{warnings} warning(s) · <a href="../{escape(lang)}.html">{escape(lang)}.html</a></h2>'
            f'<div class="row">{"".join(figures)}<div class="findings">{listing}</div></div></section>')
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    title = f"QA of {report.issue_id}"
    page = (f'<!doctype html>\n<html lang="en" dir="ltr"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><header><h1>{escape(title)}: "
            f'<span class="verdict {verdict}">{verdict}</span></h1><div>{escape(report.summary())}</div>'
            f'<nav>{"".join(nav)}</nav><ul class="notes">{notes}</ul></header>'
            f'<main>{"".join(sections)}</main></body></html>\n')
    index = folder / "index.html"
    write_atomic(index, page)
    data = report.as_dict()
    data["gallery"] = str(index)
    write_atomic(folder / "report.json", json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return index


__all__ = ["write_gallery"]

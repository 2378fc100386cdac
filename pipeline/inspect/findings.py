"""What `newsletter qa` found: one Finding per problem, gathered in a QaReport.

Severities: an *error* is something a reader would see broken (a page wider than the phone,
an image that does not load, a link that goes nowhere, text too small to read, a serious
accessibility violation); a *warning* is something a person should look at (a long subject,
a small tap target, footer small print). `newsletter qa` exits 1 on errors, and with
--strict on warnings too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

ERROR, WARNING = "error", "warning"


def short_where(where: str, steps: int = 4) -> str:
    """A selector's last steps: enough to find the element, short enough to read."""
    parts = where.split(" > ")
    return where if len(parts) <= steps else "… > " + " > ".join(parts[-steps:])


@dataclass
class Finding:
    lang: str
    width: int | None          # viewport width in CSS px; None for checks of the HTML itself
    code: str                  # stable name of the check, e.g. "overflow", "link-relative", "axe-image-alt"
    severity: str              # "error" or "warning"
    message: str
    where: str = ""            # a CSS selector (or the file) that locates it
    edition: str = ""          # the file checked, e.g. "el.html"
    box: tuple[float, float, float, float] | None = field(default=None, compare=False)  # x, y, w, h on the page

    def __str__(self) -> str:
        at = f" @{self.width}px" if self.width else ""
        where = f"\n      at {short_where(self.where)}" if self.where else ""
        return f"{self.severity}: {self.lang}{at}: [{self.code}] {self.message}{where}"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["box"] = list(self.box) if self.box else None
        return data


@dataclass
class QaReport:
    issue_id: str
    out_dir: Path                                   # the build folder QA checked
    languages: list[str]
    widths: tuple[int, ...]
    findings: list[Finding]
    strict: bool = False
    gallery: Path | None = None                     # qa/index.html
    screenshots: dict[str, dict[int, Path]] = field(default_factory=dict)   # lang -> width -> PNG
    notes: list[str] = field(default_factory=list)  # what was deliberately not checked, and why
    seconds: float = 0.0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def failed(self) -> bool:
        """What makes `newsletter qa` exit 1: any error; with --strict, any warning too."""
        return not self.passed()

    def passed(self, strict: bool | None = None) -> bool:
        """No errors, and with strict (default: the run's --strict) no warnings either."""
        strict = self.strict if strict is None else strict
        return not (self.errors or (strict and self.warnings))

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def for_lang(self, lang: str) -> list[Finding]:
        return [f for f in self.findings if f.lang == lang]

    def summary(self) -> str:
        verdict = "FAILED" if self.failed else "passed"
        strict = " (--strict: warnings count)" if self.strict else ""
        return (f"qa {verdict}{strict}: {self.issue_id}, {len(self.languages)} edition(s) at "
                f"{', '.join(map(str, self.widths))} px: {len(self.errors)} error(s), "
                f"{len(self.warnings)} warning(s) in {self.seconds:.1f} s")

    def text(self) -> str:
        lines = []
        for lang in self.languages:
            found = self.for_lang(lang)
            if not found:
                lines.append(f"{lang}: ok")
                continue
            errors = sum(1 for f in found if f.severity == ERROR)
            lines.append(f"{lang}: {errors} error(s), {len(found) - errors} warning(s)")
            lines.extend(f"  {f}" for f in found)
        lines.extend(f"note: {note}" for note in self.notes)
        if self.gallery:
            lines.append(f"screenshots and findings: {self.gallery}")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict:
        return {
            "issue": self.issue_id,
            "out_dir": str(self.out_dir),
            "languages": list(self.languages),
            "widths": list(self.widths),
            "strict": self.strict,
            "passed": not self.failed,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.as_dict() for f in self.findings],
            "gallery": str(self.gallery) if self.gallery else None,
            "screenshots": {lang: {str(w): str(p) for w, p in shots.items()}
                            for lang, shots in self.screenshots.items()},
            "notes": list(self.notes),
            "seconds": round(self.seconds, 2),
        }


__all__ = ["Finding", "QaReport", "ERROR", "WARNING", "short_where"]

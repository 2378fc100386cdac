"""The one family of errors a user can cause.

They derive from click.ClickException so the CLI prints the message and exits
non-zero without a traceback; library callers can still catch them by type.
"""

from __future__ import annotations

from dataclasses import dataclass

import click


class PipelineError(click.ClickException):
    """A problem with the user's input or environment, reported without a traceback."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one file, located as precisely as the source allows."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}" if self.column else f":{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ValidationError(PipelineError):
    """Every problem found in a set of files, reported together."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        count = len(self.problems)
        summary = f"{count} problem{'s' if count != 1 else ''} found"
        super().__init__("\n".join(str(p) for p in self.problems) + f"\n{summary}")

    def show(self, file=None) -> None:
        """Print without click's "Error: " prefix, so every line starts with file:line:col
        and editors and CI annotators can jump to it."""
        click.echo(self.message, file=file, err=file is None)

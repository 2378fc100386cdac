"""The recipients file a partner gives to `newsletter send`: who gets its language's edition.

It is personal data, so it stays out of git: a file inside the checkout is refused unless
git ignores it. It comes from whatever an office keeps its contacts in, so it is read the way
Excel and LibreOffice save one: CSV in UTF-8 (with or without BOM) or Windows-1252, separated
by `,`, by `;` (many European locales) or by tabs, or an XLSX workbook. Columns are found by
their names; every other column (consent date, source, ...) is kept as given, because who
agreed to receive the newsletter, and when, must stay traceable.

Every bad row is reported at once with its spreadsheet row number, so one round of fixes is
enough, and a name is refused if it holds a line break (it would start a new mail header).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from ..errors import PipelineError, Problem, ValidationError
from ..files import shown_path
from .suppression import normalise

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx"}
SUPPORTED = ".csv or .txt (separated by commas, semicolons or tabs) or .xlsx"

# Header names, compared trimmed and case-insensitively; when several are present the first
# in the list is the column used, the others are ordinary fields (a postal `address` beside
# an `email` column).
ADDRESS_NAMES = ("email", "e-mail", "email address", "e-mail address", "mail", "address")
NAME_NAMES = ("name", "full name", "fullname")
LANGUAGE_NAMES = ("language", "lang", "locale")

DELIMITERS = ",;\t"
SNIFF_CHARS = 64 * 1024
MAX_SHOWN = 50  # problems printed; the rest are counted (a wrong file can have 100,000 bad rows)


@dataclass
class Recipient:
    address: str              # as email-validator normalises it (domain lower-cased, IDN in Unicode)
    name: str                 # "" when absent; one line
    lang: str                 # one of the list's languages; its first when the row gives none
    row: int                  # as a spreadsheet numbers it: the header is row 1
    fields: dict[str, str]    # every other column under its header, values exactly as given


@dataclass
class Duplicate:
    row: int
    address: str
    first_row: int            # the row kept


@dataclass
class RecipientFile:
    path: Path
    recipients: list[Recipient] = field(default_factory=list)   # to send to, in file order
    duplicates: list[Duplicate] = field(default_factory=list)   # same address again, ignoring case
    suppressed: list[Recipient] = field(default_factory=list)   # in the list's suppression set: skipped


def load_recipients(path: Path, mailing_list, suppressed: set[str] = frozenset(),
                    checkout: Path | None = None) -> RecipientFile:
    """The recipients of `mailing_list` in `path`, minus duplicates and suppressed addresses.

    `checkout` is the project's git checkout: a file inside it must be git-ignored. Raises
    PipelineError for a file that cannot be used at all, ValidationError listing every bad row.
    """
    if not path.is_file():
        raise PipelineError(f"{shown_path(path)}: file not found (give the recipients' CSV or XLSX file)")
    if checkout is not None:
        refuse_unless_git_ignores(path, checkout)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise PipelineError(f"{shown_path(path)}: unsupported recipients file: use {SUPPORTED}")
    rows = _read_csv(path) if kind == "csv" else _read_xlsx(path)
    return _recipient_file(path, rows, mailing_list, {normalise(a) for a in suppressed})


# --- keeping personal data out of git -------------------------------------------------------

def refuse_unless_git_ignores(path: Path, checkout: Path) -> None:
    """A file inside the checkout could be committed, and then it is in the history for good."""
    resolved, root = path.resolve(), checkout.resolve()
    if not resolved.is_relative_to(root):
        return
    inside = (f"{shown_path(path)}: this recipients file holds personal data and is inside the project's "
              f"checkout ({checkout})")
    try:
        result = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", "--", str(resolved.relative_to(root))],
                                capture_output=True, text=True, errors="replace", timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PipelineError(f"{inside}, and git could not be run to check that it ignores the file ({exc}): "
                            "move the file outside the checkout") from None
    if result.returncode == 0:
        return
    if result.returncode == 1:
        raise PipelineError(f"{inside}, where git would commit it: move the file outside the checkout "
                            "(or list it in .gitignore)")
    why = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit status {result.returncode}"
    raise PipelineError(f"{inside}, and git cannot tell whether it ignores the file ({why}): "
                        "move the file outside the checkout")


# --- reading the file -----------------------------------------------------------------------

def _read_csv(path: Path) -> list[list[str]]:
    text = _decode(path, _read_bytes(path))
    rows: list[list[str]] = []
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)):
            rows.append(cells)
    except csv.Error as exc:
        raise PipelineError(f"{shown_path(path)}:{len(rows) + 1}: not valid CSV ({exc})") from None
    return rows


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PipelineError(f"{shown_path(path)}: cannot read the file ({exc.strerror})") from None


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (BOM or not), else Windows-1252 as Excel on Windows saves "CSV"; UTF-16 if its BOM says so
    (Excel's "Unicode Text")."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PipelineError(f"{shown_path(path)}: the text is in neither UTF-8 nor Windows-1252; "
                        "in LibreOffice or Excel save the file as 'CSV UTF-8'")


def _delimiter(text: str) -> str:
    """What the first lines are separated by; else what the header has most of (`,` if none)."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS:
        sample = sample[:sample.rfind("\n") + 1] or sample  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.partition("\n")[0]
        return max(DELIMITERS, key=header.count)


def _read_xlsx(path: Path) -> list[list[str]]:
    import openpyxl  # imported here: ~75 ms, and only XLSX files need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)  # read_only: row by row
    except Exception as exc:  # openpyxl raises several unrelated types for a damaged file
        raise PipelineError(f"{shown_path(path)}: cannot read this XLSX file ({exc})") from None
    try:
        if not book.worksheets:
            raise PipelineError(f"{shown_path(path)}: the workbook has no worksheet")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a size stored wrong by the writing program would cut rows off
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    except PipelineError:
        raise
    except Exception as exc:
        raise PipelineError(f"{shown_path(path)}: cannot read this XLSX file ({exc})") from None
    finally:
        book.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # a date cell: Excel has no dates without a time
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


# --- from rows to recipients ----------------------------------------------------------------

@dataclass
class _Columns:
    headers: list[str]        # as written, trimmed; "" for a column without a header
    address: int
    name: int | None
    lang: int | None

    @property
    def others(self) -> list[int]:
        return [i for i, h in enumerate(self.headers) if h and i not in (self.address, self.name, self.lang)]


def _columns(path: Path, header: list[str]) -> _Columns:
    headers = [cell.strip() for cell in header]
    keys = [" ".join(h.split()).lower() for h in headers]
    named = [h for h in headers if h]
    if not named:
        raise PipelineError(f"{shown_path(path)}:1: no header row: the first row must name the columns "
                            "(an 'email' column at least)")
    twice = next((h for h, k in zip(headers, keys) if k and keys.count(k) > 1), None)
    if twice:
        raise PipelineError(f"{shown_path(path)}:1: the column {twice!r} appears twice: keep one")

    def find(names: tuple[str, ...]) -> int | None:
        return next((keys.index(n) for n in names if n in keys), None)

    address = find(ADDRESS_NAMES)
    if address is None:
        raise PipelineError(f"{shown_path(path)}:1: no address column (name it 'email'); the columns are: "
                            + ", ".join(repr(h) for h in named))
    return _Columns(headers, address, find(NAME_NAMES), find(LANGUAGE_NAMES))


def _recipient_file(path: Path, rows: list[list[str]], mailing_list, suppressed: set[str]) -> RecipientFile:
    columns = _columns(path, rows[0] if rows else [])
    loaded = RecipientFile(path)
    problems: list[Problem] = []
    first_rows: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        found = _recipient(cells, number, columns, mailing_list, _reporter(path, number, problems))
        if found is None:
            continue
        recipient, addresses = found
        key = normalise(recipient.address)
        if key in first_rows:
            loaded.duplicates.append(Duplicate(number, recipient.address, first_rows[key]))
            continue
        first_rows[key] = number
        (loaded.suppressed if addresses & suppressed else loaded.recipients).append(recipient)
    if problems:
        raise _refusal(problems)
    return loaded


def _reporter(path: Path, number: int, problems: list[Problem]):
    def report(column: str, message: str) -> None:
        problems.append(Problem(shown_path(path), number, 0, column, message))
    return report


def _recipient(cells: list[str], number: int, columns: _Columns, mailing_list,
               report) -> tuple[Recipient, set[str]] | None:
    """The row's recipient and every spelling of its address a suppression file may hold;
    None when the row is bad (reported)."""
    def cell(index: int | None) -> str:
        return cells[index] if index is not None and index < len(cells) else ""

    def header(index: int | None) -> str:
        return columns.headers[index] if index is not None else ""

    stray = _unnamed_values(cells, columns, report)
    address, spellings = _address(cell(columns.address).strip(), header(columns.address), report)
    name = _name(cell(columns.name).strip(), header(columns.name), report)
    lang = _language(cell(columns.lang).strip(), header(columns.lang), mailing_list, report)
    if stray or address is None or name is None or lang is None:
        return None
    fields = {columns.headers[i]: cell(i) for i in columns.others}
    return Recipient(address, name, lang, number, fields), spellings


def _unnamed_values(cells: list[str], columns: _Columns, report) -> bool:
    """A value under no header is usually half of a value: a name with a comma, not in quotes."""
    found = False
    for index, value in enumerate(cells):
        if value.strip() and (index >= len(columns.headers) or not columns.headers[index]):
            report(f"column {index + 1}", f"{value!r} is in a column without a header: name the column, "
                                          "or put a value that holds the separator in quotes")
            found = True
    return found


def _address(value: str, header: str, report) -> tuple[str | None, set[str]]:
    if not value:
        report(header, "no address: every row needs one (delete rows without)")
        return None, set()
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        report(header, f"{value!r} is not a valid address: {exc}")
        return None, set()
    spellings = {normalise(value), normalise(checked.normalized), normalise(checked.ascii_email or "")} - {""}
    return checked.normalized, spellings


def _name(value: str, header: str, report) -> str | None:
    odd = next((c for c in value if unicodedata.category(c) in ("Cc", "Zl", "Zp")), None)
    if odd is not None:
        report(header, f"{value!r} holds a line break or control character ({odd!r}): "
                       "a name must be one line (it goes into the To: header)")
        return None
    return value


def _language(value: str, header: str, mailing_list, report) -> str | None:
    languages = list(mailing_list.languages)
    if not value:
        return languages[0] if languages else ""
    match = next((lang for lang in languages if lang.lower() == value.lower()), None)
    if match is None:
        allowed = ", ".join(languages) or "none"
        report(header, f"{value!r} is not a language of list {mailing_list.id!r} (its languages: {allowed}; "
                       "an empty cell means the first)")
    return match


def _refusal(problems: list[Problem]) -> ValidationError:
    """Every problem kept in .problems, only the first MAX_SHOWN printed."""
    error = ValidationError(problems)
    if len(error.problems) > MAX_SHOWN:
        error.message = "\n".join([*(str(p) for p in error.problems[:MAX_SHOWN]),
                                   f"… and {len(error.problems) - MAX_SHOWN} more problems",
                                   f"{len(error.problems)} problems found"])
    return error


__all__ = ["Recipient", "Duplicate", "RecipientFile", "load_recipients"]

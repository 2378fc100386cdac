"""Terminology that translators own: the termbase, inflection-aware term checks, review sheets.

- `termbase`: concepts.csv + one <lang>.csv per language (spreadsheet-friendly, one row per
  concept, so two translators editing different languages never touch the same file).
- `matching`: finds a term in text across inflection (cases, articles, compounds, accents).
- `qa`: the term checks run by `newsletter check`, `build` and (later) machine translation.
- `sheets`: review round trip (CSV, XLSX, TBX) with conflict detection.
"""

from .termbase import Concept, LanguageTerm, Termbase, load_termbase  # noqa: F401

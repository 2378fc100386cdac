"""Finding a glossary term in running text, across inflection.

Exact matching cries wolf in inflected languages (Weblate issues #1297, #3023):
Polish "ekonomii społecznej" is the genitive of "ekonomia społeczna", Bulgarian
"социалната икономика" carries the definite article as a suffix, German builds
compounds ("Sozialwirtschaftsunternehmen"). Rather than a full stemmer per language
(none is packaged for Polish, Latvian or Bulgarian), a word matches a term word when
both are the same stem plus an ending from that language's inflection endings,
with the stem alternations that language has (Polish praktyka -> praktyce). Greek is
compared without accents, every language without case. Glossary `variants` cover
what this cannot (irregular forms, `*` wildcards).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Inflection endings per language (nouns and adjectives), after normalization.
_ENDINGS: dict[str, str] = {
    "en": "s es 's ies",
    "pl": "a ą ę e i y o u ie iem em om ach ami ów owi owie ej ego emu ym ymi im imi ich ych "
          "ii ia iach iami iom ię ią iu io ieg iego iej im ej",
    "bg": "а я о е и ът ят та то те ата ята ото ето ите ия ият ова ове овете ища ищата ен ни на но "
          "ната ното ните ия ията ията ове ът ия ен на ен",
    "lv": "s a am ā as ai u i us os ām ās iem ēm ie e es ei ē is ais ajā ajai ajam ajiem ajām ajās "
          "ajos o ī īs ij ij ijā ijas iju ijām ām ēs",
    "el": "α ασ εσ η ησ ο οσ ου ουσ οι ων ι ια ιασ ιεσ ιων εισ εων ων ου ησ ικ ικη ικησ ικεσ ικων "
          "ικο ικοσ ικου ικοι ει εια ειασ",
    "de": "e en er es em n s ern ens",
    "nl": "e en s 's n es",
    "ro": "ă a e i ul ului ei ii ile ilor le lor lui u uri urile urilor ea ele elor ă ăi",
    "pt": "s es a as o os",
    "es": "s es a as o os",
    "hu": "ok ek ök ot et öt at ban ben ból ből ra re ról ről nak nek val vel hoz hez höz ként ja je "
          "a e i t k n on en ön ig ért",
}
_DEFAULT_ENDINGS = "s es e a o"

# Stem-final alternations: (form in the base word, form before some endings).
_ALTERNATIONS: dict[str, list[tuple[str, str]]] = {
    "pl": [("k", "c"), ("g", "dz"), ("ch", "sz"), ("r", "rz"), ("ł", "l"), ("t", "c"), ("d", "dz"),
           ("st", "ść"), ("sn", "śn"), ("zd", "ździ"), ("sł", "śl")],
    "lv": [("k", "c"), ("g", "dz"), ("s", "š"), ("z", "ž"), ("n", "ņ"), ("l", "ļ"), ("t", "š"), ("d", "ž")],
    "en": [("y", "i")],
    "bg": [("ен", "н"), ("ър", "р"), ("ъл", "л")],  # fleeting vowel: междурегионален -> междурегионалния
    "pt": [("ã", "õ"), ("ã", "ãe"), ("l", "i")],       # ação -> ações, regional -> regionais
    "nl": [(v + v + c, v + c) for v in "aeou" for c in "bdfgklmnprst"]  # regionaal -> regionale
          + [("f", "v"), ("s", "z"), ("heid", "hed")],                   # overheid -> overheden
}
# Accents that move or vanish with inflection (Spanish reunión -> reuniones) are ignored there.
_IGNORED_ACCENTS = {"es": {"\u0301"}, "pt": {"\u0301", "\u0302"}}
# Languages whose norm never attaches anything to a Latin acronym with a hyphen: there
# "SECON-а" is an altered name. Elsewhere a hyphen is the norm: Polish SECON-u, Romanian
# SECON-ului, German SECON-Partner, Dutch Interreg Europe-project, Hungarian SECON-nak.
NO_HYPHENATED_FORMS = {"bg", "el", "lv"}
COMPOUNDING = {"de", "nl"}
MIN_STEM = 3
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_TERM_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?\*?", re.UNICODE)  # a term may end a word with * (any ending)


@lru_cache(maxsize=None)
def endings(lang: str) -> tuple[str, ...]:
    base = lang.split("_")[0]
    words = set(_ENDINGS.get(base, _DEFAULT_ENDINGS).split()) | {""}
    return tuple(sorted((normalize_word(w, base) if w else "" for w in words), key=len, reverse=True))


def normalize_word(word: str, lang: str, *, keep_case: bool = False) -> str:
    """Compare-form of a word: NFC, case-folded, Greek without accents and final sigma."""
    text = unicodedata.normalize("NFC", word.replace("’", "'"))
    if not keep_case:
        text = text.casefold()
    base = lang.split("_")[0]
    if base == "el":
        text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
        text = unicodedata.normalize("NFC", text).replace("ς", "σ")
    elif base == "pl":
        text = text.replace("ó", "o")  # ó/o alternate inside stems: stół -> stole, szkoła -> szkół
    elif base in _IGNORED_ACCENTS:
        marks = _IGNORED_ACCENTS[base]
        text = unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text) if c not in marks))
    return text


def tokenize_with_offsets(text: str, lang: str, *, keep_case: bool = False) -> list[tuple[str, int, int]]:
    """Words with their character offsets, to replace a found term in the original text."""
    return [(normalize_word(m.group(0), lang, keep_case=keep_case), m.start(), m.end())
            for m in _WORD.finditer(text)]


def ending_of(word: str, base: str, lang: str) -> tuple[str, str] | None:
    """(base's own ending, word's ending) when `word` is an inflected form of `base`:
    ("gospodarki", "gospodarka") -> ("a", "i")."""
    w, b = normalize_word(word, lang), normalize_word(base, lang)
    for own in endings(lang):  # longest first
        if own and not b.endswith(own):
            continue
        stem = b[: len(b) - len(own)] if own else b
        if len(stem) >= MIN_STEM and w.startswith(stem) and w[len(stem):] in endings(lang):
            return own, word[len(stem):]
    return None


def inflect_like(base: str, own_ending: str, new_ending: str, lang: str) -> str | None:
    """Swap `own_ending` of `base` for `new_ending` (ekonomia, a -> i: ekonomii); None if
    `base` does not end that way (a different declension: leave it to a translator)."""
    if own_ending and not normalize_word(base, lang).endswith(own_ending):
        return None
    return base[: len(base) - len(own_ending)] + new_ending if own_ending else base + new_ending


def tokenize(text: str, lang: str, *, keep_case: bool = False, term: bool = False) -> list[str]:
    pattern = _TERM_WORD if term else _WORD
    return [normalize_word(m.group(0), lang, keep_case=keep_case) for m in pattern.finditer(text)]


@lru_cache(maxsize=65536)
def _stems(word: str, lang: str) -> tuple[str, ...]:
    """Every way to read `word` as stem + ending, with stem alternations undone."""
    found = []
    for ending in endings(lang):
        if ending and not word.endswith(ending):
            continue
        stem = word[: len(word) - len(ending)] if ending else word
        if len(stem) < MIN_STEM and stem != word:
            continue
        found.append(stem)
        for base, altered in _ALTERNATIONS.get(lang.split("_")[0], []):
            if stem.endswith(altered):
                found.append(stem[: len(stem) - len(altered)] + base)
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=262144)
def words_match(term_word: str, text_word: str, lang: str) -> bool:
    if term_word == text_word:
        return True
    if term_word.endswith("*"):  # glossary rule: any ending
        return text_word.startswith(term_word[:-1])
    if set(_stems(term_word, lang)) & set(_stems(text_word, lang)):
        return True
    base = lang.split("_")[0]
    if base in COMPOUNDING and len(term_word) >= 5:
        for stem in _stems(term_word, lang):
            if len(stem) >= 5 and len(text_word) > len(stem) and (text_word.startswith(stem) or text_word.endswith(stem)
                                                                   or (len(stem) >= 8 and stem in text_word)):
                return True
    return False


@lru_cache(maxsize=8192)
def _term_words(term: str, lang: str, keep_case: bool) -> tuple[str, ...]:
    return tuple(tokenize(term, lang, keep_case=keep_case, term=True))


@dataclass(frozen=True)
class Span:
    start: int
    end: int  # exclusive, in tokens


def match_at(words: tuple[str, ...], tokens: list[str], start: int, lang: str, max_gap_word: int = 3) -> int | None:
    """End (exclusive) of the term `words` if it occurs at tokens[start], else None.

    Between two words of the term one short word may be inserted (an article or
    preposition: "acceso a la financiación" for "acceso a financiación").
    """
    if not words or start >= len(tokens) or not words_match(words[0], tokens[start], lang):
        return None
    position = start + 1
    for word in words[1:]:
        if position < len(tokens) and words_match(word, tokens[position], lang):
            position += 1
        elif (max_gap_word and position + 1 < len(tokens) and len(tokens[position]) <= max_gap_word
              and words_match(word, tokens[position + 1], lang)):
            position += 2
        else:
            return None
    return position


def find_term(term: str, tokens: list[str], lang: str, *, keep_case: bool = False,
              max_gap_word: int = 3) -> list[Span]:
    """Where a (multi-word) term occurs in tokenized text."""
    words = _term_words(term, lang, keep_case)
    if not words:
        return []
    # Inflection changes the end of a word, not its first letters: a cheap filter on the
    # first word's opening letters (not for compounding languages, where a term may sit
    # inside a longer word).
    first = words[0].rstrip("*")
    opening = "" if lang.split("_")[0] in COMPOUNDING else first[:min(3, max(1, len(first) - 2))]
    spans = []
    for start in range(len(tokens)):
        if opening and not tokens[start].startswith(opening):
            continue
        end = match_at(words, tokens, start, lang, max_gap_word)
        if end is not None:
            spans.append(Span(start, end))
    return spans


def stems(word: str, lang: str) -> tuple[str, ...]:
    """Public view of the stem readings of a word (for indexing many terms at once)."""
    return _stems(word, lang)


def term_words(term: str, lang: str, keep_case: bool = False) -> tuple[str, ...]:
    return _term_words(term, lang, keep_case)


def contains_exact(term: str, text: str, lang: str = "", *, case_sensitive: bool = True) -> bool:
    """A do-not-translate name as written, as a whole word.

    Where the language's norm inflects acronyms with a hyphen (Polish SECON-u), that
    form counts; elsewhere (Bulgarian, Greek, Latvian) "SECON-а" is an altered name.
    """
    flags = 0 if case_sensitive else re.IGNORECASE
    text = unicodedata.normalize("NFC", text)
    for match in re.finditer(r"(?<![^\W_])" + re.escape(term) + r"(?![^\W_])", text, flags):
        after = text[match.end():match.end() + 2]
        if after[:1] in ("-", "‑") and after[1:2].isalpha() and lang.split("_")[0] in NO_HYPHENATED_FORMS:
            continue
        return True
    return False

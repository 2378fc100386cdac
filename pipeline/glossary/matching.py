"""Finding a glossary term in running text, across inflection.

Exact matching cries wolf in inflected languages (Weblate issues #1297, #3023):
Polish "ekonomii społecznej" is the genitive of "ekonomia społeczna", Bulgarian
"социалната икономика" carries the definite article as a suffix, German builds
compounds ("Sozialwirtschaftsunternehmen"). Rather than a full stemmer per language
(none is packaged for Polish, Latvian or Bulgarian), a word matches a term word when
both are the same stem plus an ending from that language's inflection endings,
with the stem alternations that language has (Polish praktyka -> praktyce,
działanie -> działań; German Thema -> Themen, Praxis -> Praktiken). Greek is
compared without accents, every language without case. Glossary `variants` cover
what this cannot (irregular forms, `*` wildcards).

A second signal, where the rules miss: the words' lemmas from simplemma's
dictionaries (German Museen -> Museum). Only dictionary entries count (no guessed
lemmas), and only between words that begin alike, because a lemma also joins what a
reviewer keeps apart: Polish najlepsze, German beste and Dutch beste have the lemma
of dobry, gut and goed ("best" is not "good").

What never counts as the term, whichever signal found it:
- a comparative or superlative where the term has none: Bulgarian най-добри /
  по-добри, Polish najlepsze / bardziej, Romanian (cele) mai bune, Latvian labākā,
  Greek καλύτερες / πιο, German beste / innovativsten, Dutch meest;
- in languages that do not build compounds, a term that is only one part of a
  hyphenated compound (Polish społeczno-gospodarczy is not społeczny);
- a span that is, or is closer to, the English (source) term than the target term
  (Polish "Interreg Europe" is not an inflected "Interreg Europa", German "Region of
  Peloponnese" is not "Region Peloponnes"), when the caller passes the English forms.

Word order is fixed except in Polish, where adjective and noun of a two-word term may
come in either order (polityka regionalna, "Regionalne polityki"); the other
languages keep their terms' order (Romanian reviewers forbid "practici bune" for
"bune practici"; Spanish and Portuguese change meaning with the adjective's place).
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
           ("st", "ść"), ("sn", "śn"), ("zd", "ździ"), ("sł", "śl"),
           # soft consonants: spelt with -i- before a vowel, with an accent at a word's end:
           # działania -> działań, zamówienia -> zamówień (gen. pl. of -enie/-anie), zdolności -> zdolność
           ("ń", "ni"), ("ć", "ci"), ("ś", "si"), ("ź", "zi")],
    "lv": [("k", "c"), ("g", "dz"), ("s", "š"), ("z", "ž"), ("n", "ņ"), ("l", "ļ"), ("t", "š"), ("d", "ž")],
    "en": [("y", "i")],
    "bg": [("ен", "н"), ("ър", "р"), ("ъл", "л")],  # fleeting vowel: междурегионален -> междурегионалния
    "pt": [("ã", "õ"), ("ã", "ãe"), ("l", "i")],       # ação -> ações, regional -> regionais
    "nl": [(v + v + c, v + c) for v in "aeou" for c in "bdfgklmnprst"]  # regionaal -> regionale
          + [("f", "v"), ("s", "z"), ("heid", "hed")],                   # overheid -> overheden
}
# Plurals that replace the end of the singular (German loanwords from Latin and Greek):
# (singular's end, plural's end). Thema -> Themen, Museum -> Museen, Gremium -> Gremien,
# Praxis -> Praxen / Praktiken, Risiko -> Risiken, Material -> Materialien.
_PLURAL_ENDS: dict[str, list[tuple[str, str]]] = {
    "de": [("um", "en"), ("a", "en"), ("is", "en"), ("us", "en"), ("on", "en"), ("o", "en"),
           ("xis", "ktiken"), ("al", "alien"), ("il", "ilien"), ("ma", "mata")],
}
# Accents that move or vanish with inflection (Spanish reunión -> reuniones) are ignored there.
_IGNORED_ACCENTS = {"es": {"\u0301"}, "pt": {"\u0301", "\u0302"}}
# Languages whose norm never attaches anything to a Latin acronym with a hyphen: there
# "SECON-а" is an altered name. Elsewhere a hyphen is the norm: Polish SECON-u, Romanian
# SECON-ului, German SECON-Partner, Dutch Interreg Europe-project, Hungarian SECON-nak.
NO_HYPHENATED_FORMS = {"bg", "el", "lv"}
COMPOUNDING = {"de", "nl"}
# Two-word terms whose adjective may stand before or after the noun.
FREE_ADJECTIVE_ORDER = {"pl"}
MIN_STEM = 3
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_TERM_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?\*?", re.UNICODE)  # a term may end a word with * (any ending)
_HYPHENS = {"-", "\u2010", "\u2011"}  # hyphen-minus, hyphen, non-breaking hyphen (not dashes)
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”„«»–—/\n]")

# Comparison and superlative, which a term in the positive degree never means
# (normalized forms). `words`: degree words of their own (suppletive forms: German
# beste, Dutch beter); `starts`: the same as word beginnings (Polish lepsz-, Greek
# καλυτερ-); `before`: analytic markers that make the next word a comparative or
# superlative (Romanian cele mai bune, Greek πιο καλές); `prefixes`: glued to the
# adjective (Polish najlepsze, Latvian vislabākais, Hungarian legjobb);
# `hyphen_prefixes`: joined by a hyphen (Bulgarian най-добри, по-добри); `infixes`: the
# comparative inside the word after the stem (Latvian labāk-, Greek -τερ-/-τατ-);
# `suffixes`: after the stem, which a compound would otherwise take in (German innovativsten).
_DEGREE: dict[str, dict[str, tuple[str, ...]]] = {
    "bg": {"hyphen_prefixes": ("най", "по"), "before": ("най",)},
    "pl": {"prefixes": ("naj",), "starts": ("lepsz", "gorsz"),
           "before": ("bardziej", "najbardziej", "mniej", "najmniej")},
    "de": {"words": ("best", "beste", "besten", "bester", "bestes", "bestem", "besser", "bessere", "besseren",
                     "besserer", "besseres", "besserem", "meiste", "meisten"),
           "suffixes": ("st", "ste", "sten", "ster", "stes", "stem", "este", "esten", "ester", "estes", "estem")},
    "nl": {"words": ("best", "beste", "beter", "betere", "meest"), "before": ("meest",), "suffixes": ("st", "ste")},
    "ro": {"before": ("mai",), "starts": ("optim",)},
    "el": {"before": ("πιο",), "starts": ("βελτιστ", "καλυτερ", "αριστ"), "infixes": ("τερ", "τατ")},
    "lv": {"prefixes": ("vis",), "infixes": ("āk",)},
    "es": {"words": ("mejor", "mejores", "peor", "peores"), "starts": ("optim",)},
    "pt": {"words": ("melhor", "melhores", "pior", "piores"), "starts": ("otim",)},
    "hu": {"prefixes": ("leg",), "starts": ("jobb",)},
}


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


class Tokens(list):
    """The normalized words of a text (a list, as before), and what matching needs to
    know about the text around them: the words as written (for lemmas), which words are
    glued to the previous one by a hyphen (`joined`: най-добри, społeczno-gospodarczy),
    and which follow punctuation (`breaks`)."""

    def __init__(self, words=(), surface=None, joined=frozenset(), breaks=frozenset()):
        super().__init__(words)
        self.surface = list(surface) if surface is not None else list(self)
        self.joined = frozenset(joined)
        self.breaks = frozenset(breaks)


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
    """Normalized words; for running text (not a term) a `Tokens` list that also knows
    the words as written, hyphen joins and punctuation between words."""
    pattern = _TERM_WORD if term else _WORD
    matches = list(pattern.finditer(text))
    words = [normalize_word(m.group(0), lang, keep_case=keep_case) for m in matches]
    if term:
        return words
    joined, breaks = set(), set()
    for i in range(1, len(matches)):
        between = text[matches[i - 1].end():matches[i].start()]
        if between in _HYPHENS:
            joined.add(i)
        elif _BREAK.search(between):
            breaks.add(i)
    return Tokens(words, [m.group(0) for m in matches], joined, breaks)


@lru_cache(maxsize=65536)
def _plain_stems(word: str, lang: str) -> tuple[str, ...]:
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


@lru_cache(maxsize=65536)
def _stems(word: str, lang: str) -> tuple[str, ...]:
    """Every way to read `word` as stem + ending, with stem alternations undone (and,
    where the language has them, a plural that replaces the singular's end: Themen
    is also read as Thema)."""
    found = list(_plain_stems(word, lang))
    for singular, plural in _PLURAL_ENDS.get(lang.split("_")[0], ()):
        if word.endswith(plural) and len(word) - len(plural) >= 2:
            found.extend(_plain_stems(word[: len(word) - len(plural)] + singular, lang))
    return tuple(dict.fromkeys(found))


def _degree_differs(term_word: str, text_word: str, lang: str) -> bool:
    """One word is a comparative or superlative and the other is not (labākā / labās)."""
    return _degree_marked(term_word, text_word, lang) or _degree_marked(text_word, term_word, lang)


def _degree_marked(term_word: str, text_word: str, lang: str) -> bool:
    """`text_word` is a comparative or superlative that `term_word` is not."""
    rules = _DEGREE.get(lang.split("_")[0])
    if not rules:
        return False
    if text_word in rules.get("words", ()) and term_word not in rules.get("words", ()):
        return True
    for start in rules.get("starts", ()):
        if text_word.startswith(start) and not term_word.startswith(start):
            return True
    for prefix in rules.get("prefixes", ()):
        if text_word.startswith(prefix) and not term_word.startswith(prefix) and len(text_word) > len(prefix) + 2:
            return True
    suffixes = rules.get("suffixes", ())
    for stem in _plain_stems(term_word, lang) if suffixes else ():
        rest = text_word[len(stem):]
        if len(stem) >= 4 and text_word.startswith(stem) and rest in suffixes and not term_word.endswith(rest):
            return True  # innovativsten / innovativ
    common = _common_prefix(term_word, text_word)
    for infix in rules.get("infixes", ()):
        if infix in text_word[max(common - 1, 1):] and infix not in term_word:
            return True
    return False


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@lru_cache(maxsize=262144)
def words_match(term_word: str, text_word: str, lang: str) -> bool:
    """The stem + ending rules (the first signal)."""
    if term_word == text_word:
        return True
    if term_word.endswith("*"):  # glossary rule: any ending
        return text_word.startswith(term_word[:-1])
    if _degree_differs(term_word, text_word, lang):
        return False
    if set(_stems(term_word, lang)) & set(_stems(text_word, lang)):
        return True
    base = lang.split("_")[0]
    if base in COMPOUNDING and len(term_word) >= 5:
        superlative = _DEGREE.get(base, {}).get("suffixes", ())
        for stem in _stems(term_word, lang):
            if len(stem) < 5 or len(text_word) <= len(stem):
                continue
            if text_word.startswith(stem) and text_word[len(stem):] in superlative:
                continue  # innovativsten is not innovativ, nor Sozialste sozial
            if text_word.startswith(stem) or text_word.endswith(stem) or (len(stem) >= 8 and stem in text_word):
                return True
    return False


# --- the second signal: lemmas ---------------------------------------------------------

LEMMAS = True  # benchmarks/term_qa.py --no-lemmas measures the checks without them
_LEMMA_LOOKUP = None
_LEMMA_LANGS = {"bg", "de", "el", "es", "lv", "nl", "pl", "pt", "ro", "hu", "en"}


def _lookup():
    """simplemma's dictionary lookup, with its low-memory backend: the Polish dictionary
    takes 420 MB and 7 s to load as a dict, 70 MB and 3.5 s this way. Only dictionary
    entries (no guessed lemmas); loaded the first time a word needs it."""
    global _LEMMA_LOOKUP
    if _LEMMA_LOOKUP is None:
        try:
            from simplemma.strategies import DictionaryLookupStrategy
            from simplemma.strategies.dictionaries import LOW_MEMORY_DICTIONARY_FACTORY
        except ImportError:  # the checks work without it, with the rules alone
            _LEMMA_LOOKUP = False
        else:
            _LEMMA_LOOKUP = DictionaryLookupStrategy(LOW_MEMORY_DICTIONARY_FACTORY)
    return _LEMMA_LOOKUP


@lru_cache(maxsize=262144)
def lemma(word: str, lang: str) -> str | None:
    """The dictionary lemma of a word as written (case-folded), None if simplemma does
    not know the word (or is not installed)."""
    base = lang.split("_")[0]
    lookup = _lookup() if base in _LEMMA_LANGS else None
    if not lookup:
        return None
    for form in dict.fromkeys((word, word.lower(), word.capitalize())):
        found = lookup.get_lemma(form, base)
        if found:
            return unicodedata.normalize("NFC", found).casefold()
    return None


def lemmas_match(term_word: str, term_surface: str, text_word: str, text_surface: str, lang: str) -> bool:
    """The second signal: the same dictionary lemma, for words that begin alike (at least
    three letters: Praxis / Praktiken) and differ in no degree of comparison."""
    if not LEMMAS or term_word.endswith("*") or lang.split("_")[0] not in _LEMMA_LANGS:
        return False
    if _common_prefix(term_word, text_word) < min(3, len(term_word), len(text_word)):
        return False
    if _degree_differs(term_word, text_word, lang):
        return False
    found = lemma(text_surface, lang)
    return found is not None and found == lemma(term_surface, lang)


@lru_cache(maxsize=8192)
def _term_words(term: str, lang: str, keep_case: bool) -> tuple[str, ...]:
    return tuple(tokenize(term, lang, keep_case=keep_case, term=True))


@lru_cache(maxsize=8192)
def _term_surfaces(term: str) -> tuple[str, ...]:
    return tuple(m.group(0).rstrip("*") for m in _TERM_WORD.finditer(unicodedata.normalize("NFC", term)))


@dataclass(frozen=True)
class Span:
    start: int
    end: int  # exclusive, in tokens
    reversed: bool = False  # the two words in the other order (Polish adjective + noun)


def _surface(tokens, position: int) -> str:
    surface = getattr(tokens, "surface", None)
    return surface[position] if surface is not None else tokens[position]


def _word_at(words, surfaces, index: int, tokens, position: int, lang: str, lemmas: bool = False) -> bool:
    word = words[index]
    if words_match(word, tokens[position], lang):
        return True
    return lemmas and lemmas_match(word, surfaces[index] if index < len(surfaces) else word,
                        tokens[position], _surface(tokens, position), lang)


def _is_degree_word(token: str, lang: str) -> bool:
    rules = _DEGREE.get(lang.split("_")[0], {})
    return token in rules.get("before", ())


def match_at(words: tuple[str, ...], tokens: list[str], start: int, lang: str, max_gap_word: int = 3,
             surfaces: tuple[str, ...] = (), lemmas: bool = False) -> int | None:
    """End (exclusive) of the term `words` if it occurs at tokens[start], else None.

    Between two words of the term one short word may be inserted (an article or
    preposition: "acceso a la financiación" for "acceso a financiación"), but not a
    degree marker (Romanian "economie mai socială").
    """
    surfaces = surfaces or words
    if not words or start >= len(tokens) or not _word_at(words, surfaces, 0, tokens, start, lang, lemmas):
        return None
    position = start + 1
    for index in range(1, len(words)):
        if position < len(tokens) and _word_at(words, surfaces, index, tokens, position, lang, lemmas):
            position += 1
        elif (max_gap_word and position + 1 < len(tokens) and len(tokens[position]) <= max_gap_word
              and not _is_degree_word(tokens[position], lang)
              and _word_at(words, surfaces, index, tokens, position + 1, lang, lemmas)):
            position += 2
        else:
            return None
    return position


_PL_ADJECTIVE = re.compile(r"(?:n|sk|ck|ow|cz|ąc|iw|yw|ln|ał|ist|yj|ij)(?:y|i|a|e)$")


def _adjective_and_noun(words: tuple[str, ...], lang: str) -> bool:
    """A two-word term of an adjective and a noun (in either order), told by the
    adjective's ending in its base form (Polish społeczna, regionalny, wiejski,
    sterująca, pozarządowa)."""
    if len(words) != 2 or any(w.endswith("*") for w in words):
        return False
    if lang.split("_")[0] == "pl":
        adjectives = [bool(_PL_ADJECTIVE.search(w)) for w in words]
        return adjectives.count(True) == 1
    return False


def _rejected(span: Span, words: tuple[str, ...], tokens, lang: str) -> bool:
    """A span that the words match but a reviewer would not read as the term."""
    base = lang.split("_")[0]
    if base == "en":
        return False
    joined = getattr(tokens, "joined", frozenset())
    breaks = getattr(tokens, "breaks", frozenset())
    rules = _DEGREE.get(base, {})
    if span.start > 0 and span.start not in breaks:
        before = tokens[span.start - 1]
        if before in rules.get("before", ()):
            return True  # Romanian cele mai bune practici, Polish bardziej społeczna
        if span.start in joined and before in rules.get("hyphen_prefixes", ()):
            return True  # Bulgarian най-добри практики, по-добри практики
    if base in COMPOUNDING:
        return False  # German and Dutch build compounds with a hyphen too: EU-Regionen
    if span.start in joined:
        return True  # społeczno-gospodarczy: the term is the second half of a compound
    if span.end in joined and span.end < len(tokens) and len(tokens[span.end]) >= 4 \
            and tokens[span.end] not in endings(lang):
        return True  # the term is the first half of a compound (not SECON-u, ONG-urile)
    return False


def _distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _closer_to_source(span: Span, words: tuple[str, ...], tokens, lang: str, source: tuple[str, ...]) -> bool:
    """The span is the English term (or nearer to it than to the target term): Polish
    "Interreg Europe" for "Interreg Europa", German "Region of Peloponnese" for "Region
    Peloponnes". A form that is itself an English spelling (German variant "Good
    Practice") is exempt."""
    if not source:
        return False
    form = " ".join(w.rstrip("*") for w in (reversed(words) if span.reversed else words))
    english = [" ".join(normalize_word(w, lang) for w in _WORD.findall(e)) for e in source]
    if any(_distance(form, e) == 0 for e in english):
        return False
    found = " ".join(tokens[span.start:span.end])
    to_source = min(_distance(found, e) for e in english)
    return to_source == 0 or to_source < _distance(found, form)


def find_term(term: str, tokens: list[str], lang: str, *, keep_case: bool = False,
              max_gap_word: int = 3, source: tuple[str, ...] | list[str] = (), lemmas: bool = False) -> list[Span]:
    """Where a (multi-word) term occurs in tokenized text.

    `source`: the English forms of the concept; a span that is (nearer to) one of them
    is not the target term. `lemmas`: let the lemma signal match words the rules do not
    (it loads the language's dictionary the first time: 0.2-3.5 s, so callers ask for it
    only as a second chance, where the rules found nothing).
    """
    words = _term_words(term, lang, keep_case)
    if not words:
        return []
    surfaces = _term_surfaces(term)
    if len(surfaces) != len(words):
        surfaces = words
    spans = [s for s in _spans(words, surfaces, tokens, lang, max_gap_word, lemmas)
             if not _rejected(s, words, tokens, lang)]
    if not spans and lang.split("_")[0] in FREE_ADJECTIVE_ORDER and _adjective_and_noun(words, lang):
        spans = [Span(s.start, s.end, reversed=True)
                 for s in _spans(words[::-1], surfaces[::-1], tokens, lang, 0, lemmas)
                 if s.start + 1 not in getattr(tokens, "breaks", ()) and not _rejected(s, words, tokens, lang)]
    if source:
        spans = [s for s in spans if not _closer_to_source(s, words, tokens, lang, tuple(source))]
    return spans


def _spans(words, surfaces, tokens, lang: str, max_gap_word: int, lemmas: bool = False) -> list[Span]:
    # Inflection changes the end of a word, not its first letters: a cheap filter on the
    # first word's opening letters (not for compounding languages, where a term may sit
    # inside a longer word). The lemma signal needs as much: words that begin alike.
    first = words[0].rstrip("*")
    opening = "" if lang.split("_")[0] in COMPOUNDING else first[:min(3, max(1, len(first) - 2))]
    spans = []
    for start in range(len(tokens)):
        if opening and not tokens[start].startswith(opening):
            continue
        end = match_at(words, tokens, start, lang, max_gap_word, surfaces, lemmas)
        if end is not None:
            spans.append(Span(start, end))
    return spans


def stems(word: str, lang: str) -> tuple[str, ...]:
    """Public view of the stem readings of a word (for indexing many terms at once)."""
    return _stems(word, lang)


def term_words(term: str, lang: str, keep_case: bool = False) -> tuple[str, ...]:
    return _term_words(term, lang, keep_case)


def exact_spans(term: str, text: str, lang: str = "", *, case_sensitive: bool = True) -> list[tuple[int, int]]:
    """Character spans of a do-not-translate name as written, as a whole word.

    Where the language's norm inflects acronyms with a hyphen (Polish SECON-u), that
    form counts; elsewhere (Bulgarian, Greek, Latvian) "SECON-а" is an altered name.
    """
    flags = 0 if case_sensitive else re.IGNORECASE
    text = unicodedata.normalize("NFC", text)
    found = []
    for match in re.finditer(r"(?<![^\W_])" + re.escape(unicodedata.normalize("NFC", term)) + r"(?![^\W_])",
                             text, flags):
        after = text[match.end():match.end() + 2]
        if after[:1] in ("-", "‑") and after[1:2].isalpha() and lang.split("_")[0] in NO_HYPHENATED_FORMS:
            continue
        found.append((match.start(), match.end()))
    return found


def contains_exact(term: str, text: str, lang: str = "", *, case_sensitive: bool = True) -> bool:
    """A do-not-translate name as written, as a whole word (see `exact_spans`)."""
    return bool(exact_spans(term, text, lang, case_sensitive=case_sensitive))

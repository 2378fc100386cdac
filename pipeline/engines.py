"""Machine-translation engines behind one small interface, with a registry by name.

Adapters wrap deep-translator's providers so their real client code runs, and fix
what it lacks for this job:
- no request timeout (deep-translator #163): its provider modules get a `requests`
  stand-in that adds one to every call;
- exceptions that share no base class: mapped to `TransientError` (429, 5xx,
  timeouts, dropped connections: worth a retry) or `EngineError` (a clear message);
- LibreTranslator accepts only 17 hard-coded languages although LibreTranslate
  servers translate el, nl, ro, lv, bg: the adapter passes the full list;
- MyMemory wants region codes (bg-BG): the adapter maps them.
API keys come from environment variables only and are never written or printed.
"""

from __future__ import annotations

import os
import random
import unicodedata
from dataclasses import dataclass
from typing import Callable, ClassVar

from .errors import PipelineError


class EngineError(PipelineError):
    """A failure retrying will not fix (bad key, unsupported language, ...)."""


class TransientError(Exception):
    """A failure worth retrying: rate limit, server error, timeout, dropped connection."""


# --- timeouts for deep-translator --------------------------------------------------------

class _RequestsWithTimeout:
    """Stands in for the `requests` module inside deep-translator's provider modules."""

    def __init__(self, timeout: float):
        import requests

        self._requests = requests
        self.timeout = timeout

    def get(self, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self._requests.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self._requests.post(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._requests, name)


def _install_timeout(module_name: str, timeout: float) -> None:
    import importlib

    module = importlib.import_module(f"deep_translator.{module_name}")
    shim = module.__dict__.get("requests")
    if isinstance(shim, _RequestsWithTimeout):
        shim.timeout = timeout
    else:
        module.requests = _RequestsWithTimeout(timeout)


def _classify(exc: BaseException, engine: str) -> Exception:
    """deep-translator and requests exceptions -> TransientError or EngineError."""
    import requests
    from deep_translator import exceptions as dt

    name = type(exc).__name__
    if isinstance(exc, (requests.exceptions.Timeout, TimeoutError)):
        return TransientError(f"{engine}: no answer within the timeout")
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                        ConnectionError)):
        return TransientError(f"{engine}: connection failed or dropped ({name})")
    if isinstance(exc, dt.TooManyRequests):
        return TransientError(f"{engine}: too many requests (429)")
    if isinstance(exc, dt.ServerException):
        code = {v: k for k, v in dt.ServerException.errors.items()}.get(str(exc))
        if code in (None, 429, 500, 502, 503, 504):
            return TransientError(f"{engine}: server error {code or ''} ({exc})".replace("  ", " "))
        if code in (401, 402, 403):
            return EngineError(f"{engine}: the API key was rejected or its quota is used up ({exc})")
        return EngineError(f"{engine}: the server refused the request ({code} {exc})")
    if isinstance(exc, dt.RequestError):
        return TransientError(f"{engine}: request failed ({exc})")
    if isinstance(exc, ValueError) and "JSON" in name + str(exc):
        return TransientError(f"{engine}: the server's answer was not valid JSON")
    if isinstance(exc, dt.TranslationNotFound):
        return TransientError(f"{engine}: the server returned no translation")
    if isinstance(exc, dt.AuthorizationException):
        return EngineError(f"{engine}: the API key was rejected")
    if isinstance(exc, dt.ApiKeyException):
        return EngineError(f"{engine}: no API key (set the environment variable named in the README)")
    if isinstance(exc, dt.LanguageNotSupportedException):
        return EngineError(f"{engine}: language not supported ({exc})")
    if isinstance(exc, (dt.NotValidLength, dt.NotValidPayload)):
        return EngineError(f"{engine}: text too long or invalid for this engine")
    return EngineError(f"{engine}: unexpected error {name}: {exc}")


# --- the interface ---------------------------------------------------------------------------

@dataclass
class EngineSettings:
    url: str | None = None
    timeout: float = 20.0


class Engine:
    """Translate one text per request. Subclasses set the name and the request size limit."""

    name: ClassVar[str]
    max_request_chars: ClassVar[int] = 5000      # limit on the URL-encoded text
    network: ClassVar[bool] = True
    needs: ClassVar[str | None] = "deep_translator"

    def __init__(self, settings: EngineSettings):
        self.settings = settings

    @classmethod
    def enabled(cls) -> bool:
        if cls.needs is None:
            return True
        try:
            __import__(cls.needs)
        except ImportError:
            return False
        return True

    def supports(self, lang: str) -> bool:
        return True

    def translate(self, text: str, source: str, target: str) -> str:
        """One request; raises TransientError or EngineError."""
        try:
            return self._translate(text, source, target)
        except (TransientError, EngineError):
            raise
        except Exception as exc:  # deep-translator's exceptions share no base class
            raise _classify(exc, self.name) from exc

    def _translate(self, text: str, source: str, target: str) -> str:
        raise NotImplementedError


class _DeepTranslatorEngine(Engine):
    module: ClassVar[str]

    def _translate(self, text: str, source: str, target: str) -> str:
        _install_timeout(self.module, self.settings.timeout)
        return self.client(source, target).translate(text)

    def client(self, source: str, target: str):
        raise NotImplementedError

    def _codes(self) -> set[str]:
        return set()

    def supports(self, lang: str) -> bool:
        return lang in self._codes()


class GoogleEngine(_DeepTranslatorEngine):
    name = "google"
    module = "google"
    max_request_chars = 5000

    def _codes(self):
        from deep_translator.constants import GOOGLE_LANGUAGES_TO_CODES
        return set(GOOGLE_LANGUAGES_TO_CODES.values())

    def client(self, source, target):
        from deep_translator import GoogleTranslator
        return GoogleTranslator(source=source, target=target)


class DeeplEngine(_DeepTranslatorEngine):
    name = "deepl"
    module = "deepl"
    max_request_chars = 100_000
    key_variable = "DEEPL_API_KEY"

    def _codes(self):
        from deep_translator.constants import DEEPL_LANGUAGE_TO_CODE
        return set(DEEPL_LANGUAGE_TO_CODE.values())

    def client(self, source, target):
        from deep_translator import DeeplTranslator
        key = os.environ.get(self.key_variable)
        if not key:
            raise EngineError(f"deepl: set the environment variable {self.key_variable} to your API key")
        return DeeplTranslator(source=source, target=target, api_key=key,
                               use_free_api=key.endswith(":fx"))


class MicrosoftEngine(_DeepTranslatorEngine):
    name = "microsoft"
    module = "microsoft"
    max_request_chars = 10_000
    key_variable = "MICROSOFT_TRANSLATOR_KEY"

    def supports(self, lang: str) -> bool:
        return True  # the service lists its languages at run time; all nine are served

    def client(self, source, target):
        from deep_translator import MicrosoftTranslator
        key = os.environ.get(self.key_variable)
        if not key:
            raise EngineError(f"microsoft: set the environment variable {self.key_variable} to your API key")
        return MicrosoftTranslator(source=source, target=target, api_key=key,
                                   region=os.environ.get("MICROSOFT_TRANSLATOR_REGION"))


class LibreEngine(_DeepTranslatorEngine):
    """A LibreTranslate server, typically self-hosted (no text leaves the consortium)."""

    name = "libre"
    module = "libre"
    max_request_chars = 5000
    key_variable = "LIBRETRANSLATE_API_KEY"
    # Languages current LibreTranslate servers translate that deep-translator's list lacks.
    EXTRA = {"greek": "el", "dutch": "nl", "romanian": "ro", "latvian": "lv", "bulgarian": "bg",
             "hungarian": "hu", "czech": "cs", "danish": "da", "estonian": "et", "finnish": "fi",
             "lithuanian": "lt", "slovak": "sk", "slovenian": "sl", "swedish": "sv", "ukrainian": "uk"}

    def _codes(self):
        from deep_translator.constants import LIBRE_LANGUAGES_TO_CODES
        return set(LIBRE_LANGUAGES_TO_CODES.values()) | set(self.EXTRA.values())

    def client(self, source, target):
        from deep_translator import LibreTranslator
        from deep_translator.base import BaseTranslator
        from deep_translator.constants import LIBRE_LANGUAGES_TO_CODES

        url = self.settings.url
        if not url:
            raise EngineError("libre: give the server's address with --url or translation.url in project.yaml")
        client = LibreTranslator.__new__(LibreTranslator)
        # A self-hosted server usually needs no key; deep-translator insists on one.
        client.api_key = os.environ.get(self.key_variable) or "no-key"
        BaseTranslator.__init__(client, base_url=url.rstrip("/") + "/", source=source, target=target,
                                languages={**LIBRE_LANGUAGES_TO_CODES, **self.EXTRA})
        return client


class MyMemoryEngine(_DeepTranslatorEngine):
    name = "mymemory"
    module = "mymemory"
    max_request_chars = 500
    PREFERRED = {"en": "en-GB", "pt": "pt-PT", "es": "es-ES", "nl": "nl-NL", "de": "de-DE", "fr": "fr-FR"}

    def _region_code(self, lang: str) -> str | None:
        from deep_translator.constants import MY_MEMORY_LANGUAGES_TO_CODES
        codes = sorted(MY_MEMORY_LANGUAGES_TO_CODES.values())
        if lang in self.PREFERRED and self.PREFERRED[lang] in codes:
            return self.PREFERRED[lang]
        return next((c for c in codes if c == f"{lang}-{lang.upper()}"), None) or \
            next((c for c in codes if c.startswith(f"{lang}-")), None)

    def supports(self, lang: str) -> bool:
        return self._region_code(lang) is not None

    def client(self, source, target):
        from deep_translator import MyMemoryTranslator
        return MyMemoryTranslator(source=self._region_code(source), target=self._region_code(target),
                                  email=os.environ.get("MYMEMORY_EMAIL"))


# --- pseudo-localization -------------------------------------------------------------------

_ACCENTED = str.maketrans("aAcCeEgGiIlLnNoOrRsSuUyYzZ", "åÅçÇéÉğĞîÎłŁñÑöÖřŘšŠüÜýÝžŽ")


class PseudoEngine(Engine):
    """Offline pseudo-localization: accented, ~35 % longer, bracketed; placeholders untouched.

    Shows in a layout where translated text will be longer and where strings were
    left untranslated, without any network.
    """

    name = "pseudo"
    network = False
    needs = None
    max_request_chars = 1_000_000

    def _translate(self, text: str, source: str, target: str) -> str:
        out, i = [], 0
        while i < len(text):  # keep {n} placeholders exactly
            if text[i] == "{" and "}" in text[i:i + 8] and text[i + 1:text.index("}", i)].isdigit():
                end = text.index("}", i) + 1
                out.append(text[i:end])
                i = end
                continue
            out.append(text[i].translate(_ACCENTED))
            i += 1
        body = unicodedata.normalize("NFC", "".join(out))
        letters = sum(c.isalpha() for c in text)
        padding = "~" * max(1, round(letters * 0.35))
        return f"⟦{body} {padding}⟧"


ENGINES: dict[str, type[Engine]] = {cls.name: cls for cls in
                                    (GoogleEngine, DeeplEngine, MicrosoftEngine, LibreEngine, MyMemoryEngine,
                                     PseudoEngine)}


def make_engine(name: str, settings: EngineSettings) -> Engine:
    cls = ENGINES.get(name)
    if cls is None:
        raise EngineError(f"unknown engine {name!r} (choose from {', '.join(sorted(ENGINES))})")
    if not cls.enabled():
        raise EngineError(f"engine {name!r} needs the package {cls.needs}: pip install deep-translator")
    return cls(settings)


def backoff_delays(attempts: int, base: float, cap: float = 30.0, rng: Callable[[], float] = random.random):
    """Exponential backoff with full jitter: sleep between 0 and min(cap, base * 2**n)."""
    return [rng() * min(cap, base * 2 ** n) for n in range(attempts)]

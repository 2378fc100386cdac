"""Machine-translation engines behind one small interface, with a registry by name.

What a failure means decides what the run does with it, so every failure becomes one
of two exceptions whose message a person can act on:
- `TransientError` (429, 5xx, a timeout, a connection dropped mid-answer): retrying
  may help, and translate.py does, with backoff;
- `EngineError` (a bad address, a refused connection, a host that does not exist, a
  certificate that is not trusted, a rejected key, a used-up quota, a request the
  provider refuses): retrying cannot help and would only delay the message, so the run
  stops at once and says what to change.
Messages name the engine, the server (scheme, host and port: never a path's query or a
key) and the setting to change. Keys come from environment variables only, travel in a
header or the request body (never a URL, which proxies and server logs keep), and are
blanked out of any text a server echoes back.

LibreTranslate and DeepL are called over HTTP directly: deep-translator puts their keys in
the URL, calls DeepL's deprecated GET form, and maps HTTP statuses to Yandex's error names
(a LibreTranslate 404 came out as "ERR_DAILY_CHAR_LIMIT_EXCEEDED"). The other providers keep
deep-translator's client code, with a `requests` stand-in in its modules that adds the
timeout it lacks (deep-translator #163), keeps its own code from swallowing network errors
(its Microsoft client logs them and carries on), and keeps the last answer so its status
can be read the provider's way. LibreTranslator knows only 17 languages although servers
translate el, nl, ro, lv, bg, and MyMemory wants region codes (bg-BG): handled here too.
"""

from __future__ import annotations

import os
import random
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Callable, ClassVar
from urllib.parse import quote, urljoin, urlsplit

from .errors import PipelineError


class EngineError(PipelineError):
    """A failure retrying will not fix (bad address or key, quota, unsupported language, ...)."""


class TransientError(Exception):
    """A failure worth retrying: rate limit, server error, timeout, dropped connection."""

    @property
    def timed_out(self) -> bool:
        return ": timeout after " in str(self)


KEY_VARIABLES = ("DEEPL_API_KEY", "LIBRETRANSLATE_API_KEY", "MICROSOFT_TRANSLATOR_KEY", "MYMEMORY_EMAIL")
OTHER_ENGINE = "choose another engine with --engine or translation.engines in project.yaml"
NETWORK_HINT = "check the network connection and any proxy settings (HTTPS_PROXY, NO_PROXY)"


def _scrub(text: str) -> str:
    """A server may echo a key back (deep-translator even put it in its own messages)."""
    for variable in KEY_VARIABLES:
        value = os.environ.get(variable) or ""
        if len(value.strip()) >= 4:
            for form in sorted({value, value.strip(), quote(value.strip(), safe=""), quote(value.strip())}, key=len,
                               reverse=True):
                text = text.replace(form, f"<{variable}>")
    return text


def _scrubbed(error: Exception) -> Exception:
    if isinstance(error, EngineError):
        clean = _scrub(error.message)
        return error if clean == error.message else EngineError(clean)
    clean = _scrub(str(error))
    return error if clean == str(error) else type(error)(clean)


def _origin(url: str) -> str:
    """scheme://host[:port] of an address: what a message may show (no user, path or query)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "the address given"
    if not parts.scheme or not host:
        return "the address given"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _where(url: str) -> str:
    """The origin and the path: for a wrong path (404) the path is the point."""
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    return _origin(url) + (path or "/")


def _port(url: str) -> int | None:
    try:
        parts = urlsplit(url)
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


def _seconds(value: float) -> str:
    return f"{value:g}"


def _causes(exc: BaseException):
    """The exception and everything it wraps (requests -> urllib3 -> socket/ssl)."""
    seen, todo = set(), [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        for linked in (getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                todo.append(linked)


def _find(exc: BaseException, kind):
    return next((c for c in _causes(exc) if isinstance(c, kind)), None)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class _Answer:
    """A non-2xx answer, as the provider-specific status mapping needs it."""

    status: int
    detail: str          # the provider's own error text, if it gave one
    payload: object      # the parsed JSON body, or None
    url: str
    label: str = "HTTP"  # MyMemory puts its real status in the body

    @property
    def said(self) -> str:
        return f"{self.label} {self.status}" + (f": {self.detail}" if self.detail else "")


def _answer(response) -> _Answer:
    try:
        payload = response.json()
    except ValueError:
        payload = None
    detail = ""
    if isinstance(payload, dict):
        for field in ("error", "message", "responseDetails", "detail"):
            value = payload.get(field)
            if isinstance(value, dict):
                value = value.get("message") or value.get("code")
            if value:
                detail = _short(value)
                break
    if not detail:
        text = (response.text or "").strip()
        detail = _short(text) if text and not text.startswith("<") else (response.reason or "")
    return _Answer(response.status_code, _scrub(detail), payload, response.url or "")


# --- deep-translator's modules: a timeout, network errors kept, the last answer kept ------------------

_last = threading.local()   # the last answer a deep-translator client got, per worker thread


class _Transport(Exception):
    """A network failure inside deep-translator's code. Not a RequestException, so its own
    `except` clauses (Microsoft's logs and carries on) let it through to be classified here."""

    def __init__(self, error: BaseException, url: str):
        super().__init__(str(error))
        self.error, self.url = error, url


class _RequestsWithTimeout:
    """Stands in for the `requests` module inside deep-translator's provider modules."""

    def __init__(self, timeout: float):
        import requests

        self._requests = requests
        self.timeout = timeout

    def _call(self, method: str, url, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = getattr(self._requests, method)(url, *args, **kwargs)
        except self._requests.exceptions.RequestException as exc:
            raise _Transport(exc, str(url)) from exc
        _last.response = response
        return response

    def get(self, url, *args, **kwargs):
        return self._call("get", url, *args, **kwargs)

    def post(self, url, *args, **kwargs):
        return self._call("post", url, *args, **kwargs)

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
    key_variable: ClassVar[str | None] = None

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
        except (TransientError, EngineError) as exc:
            error, cause = exc, exc.__cause__
        except Exception as exc:  # deep-translator's exceptions share no base class
            error, cause = self._classify(exc), exc
        raise _scrubbed(error) from cause

    def _translate(self, text: str, source: str, target: str) -> str:
        raise NotImplementedError

    def _classify(self, exc: BaseException) -> Exception:
        return EngineError(f"{self.name}: unexpected error {type(exc).__name__}: {_short(exc)}; "
                           f"please report it, or {OTHER_ENGINE}")

    # what to tell a person -------------------------------------------------------------------
    def address_hint(self) -> str:
        return NETWORK_HINT

    def _network_error(self, exc: BaseException, url: str) -> Exception:
        """A requests exception -> final for a wrong address, refusal or TLS; else retryable."""
        import ssl

        import requests
        from urllib3.exceptions import NewConnectionError

        errors = requests.exceptions
        name, origin, hint = self.name, _origin(url), self.address_hint()
        if isinstance(exc, errors.Timeout):
            what = "could not connect to" if isinstance(exc, errors.ConnectTimeout) else "no answer from"
            return TransientError(f"{name}: timeout after {_seconds(self.settings.timeout)} s: {what} {origin}; "
                                  "if the server is just slow, raise --timeout or translation.timeout in project.yaml")
        if isinstance(exc, errors.SSLError):
            return EngineError(self._tls_message(_find(exc, ssl.SSLError), url))
        if isinstance(exc, errors.ProxyError):
            return EngineError(f"{name}: cannot reach {origin} through the proxy ({self._cause(exc, url)}); "
                               "check the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)")
        if isinstance(exc, (errors.InvalidURL, errors.MissingSchema, errors.InvalidSchema)):
            return EngineError(f"{name}: {url.split('?')[0]!r} is not a usable address; give a full one "
                               f"such as https://translate.example.org/; {hint}")
        if isinstance(exc, errors.InvalidHeader):
            return EngineError(f"{name}: the API key in {self.key_variable} contains a character a request header "
                               "cannot carry (a line break?); set it again, exactly as the provider shows it")
        if isinstance(exc, errors.TooManyRedirects):
            return EngineError(f"{name}: {origin} redirects in circles; {hint}")
        if isinstance(exc, errors.ConnectionError) and _find(exc, NewConnectionError) is not None:
            return EngineError(f"{name}: cannot connect to {origin}: {self._cause(exc, url)}; {hint}")
        if isinstance(exc, (errors.ConnectionError, errors.ChunkedEncodingError, errors.ContentDecodingError)):
            return TransientError(f"{name}: the connection to {origin} was dropped before the whole answer "
                                  "arrived; if it keeps happening, check the server's log and any proxy in between")
        return TransientError(f"{name}: the request to {origin} failed ({type(exc).__name__}); "
                              f"if it keeps happening, {hint}")

    def _cause(self, exc: BaseException, url: str) -> str:
        import socket

        host = urlsplit(url).hostname or "the host"
        if _find(exc, ConnectionRefusedError) is not None:
            return f"connection refused (nothing is listening on port {_port(url)} there)"
        lookup = _find(exc, socket.gaierror)
        if lookup is not None:
            if lookup.errno == socket.EAI_AGAIN:
                return f"the host name {host} could not be looked up (DNS is not answering: is the network up?)"
            return f"the host name {host} was not found (DNS lookup failed)"
        failure = next((c for c in _causes(exc) if isinstance(c, OSError) and c.strerror), None)
        reason = failure.strerror if failure is not None else "no connection"
        return reason[:1].lower() + reason[1:]

    def _tls_message(self, error, url: str) -> str:
        import ssl

        name, origin = self.name, _origin(url)
        if isinstance(error, ssl.SSLCertVerificationError):
            reason = error.verify_message or error.reason or "not trusted"
            return (f"{name}: the TLS certificate of {origin} is not accepted ({reason}); if the server's "
                    "certificate comes from your organisation's own certificate authority, set REQUESTS_CA_BUNDLE "
                    "to that authority's certificate file (PEM); otherwise the server's certificate must be fixed "
                    "(renewed, or issued for this host name)")
        reason = (getattr(error, "reason", None) or "").upper() if error is not None else ""
        if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST"):
            said = reason.lower().replace("_", " ")
            return (f"{name}: {origin} does not speak TLS (https) on port {_port(url)} ({said}); "
                    f"if the server uses plain HTTP, use an http:// address; {self.address_hint()}")
        detail = _short(getattr(error, "strerror", None) or error or "handshake failed")
        return (f"{name}: the TLS connection to {origin} failed ({detail}); check that the address is right "
                "and that the server's TLS setup (certificate, protocol version) is sound")

    def _status_error(self, answer: _Answer) -> Exception:
        """An HTTP status as most providers mean it; subclasses add their own meanings first."""
        name, status = self.name, answer.status
        said = answer.said
        if status in (401, 403):
            if self.key_variable:
                return EngineError(f"{name}: the API key was rejected ({said}); check the key in "
                                   f"{self.key_variable}")
            return EngineError(f"{name}: the server refused access ({said}); {OTHER_ENGINE}")
        if status in (404, 405):
            return EngineError(f"{name}: no translation API at {_where(answer.url)} (check the address): "
                               f"the server answered {said}; {self.address_hint()}")
        if status == 429:
            return TransientError(f"{name}: too many requests ({said}); if it keeps happening, "
                                  "lower --jobs or translation.jobs in project.yaml")
        if status == 408 or 500 <= status < 600:   # 408: the server gave up waiting for the request
            return TransientError(f"{name}: server error at {_origin(answer.url)} ({said}); if it keeps "
                                  f"happening, the server's operator must look at it, or {OTHER_ENGINE}")
        if status == 413:
            return EngineError(f"{name}: the request is too large for the server ({said}); send shorter "
                               f"requests with --pack 1, or {OTHER_ENGINE}")
        return EngineError(f"{name}: the server refused the request ({said}); this is not a temporary "
                           f"failure: check the languages asked for, or {OTHER_ENGINE}")

    def _quota(self, said: str, what_to_do: str) -> EngineError:
        return EngineError(f"{self.name}: quota exceeded ({said}); {what_to_do}")


# --- LibreTranslate and DeepL, over HTTP --------------------------------------------------------

class _HttpEngine(Engine):
    """Calls the provider's HTTP API itself, so the key goes in a header or the body."""

    def _post(self, url: str, *, data: dict, headers: dict | None = None):
        import requests

        try:
            # Redirects are not followed: requests would turn the POST into a GET (and drop the body),
            # which a translation API answers with a confusing 405; saying where it points is clearer.
            response = requests.post(url, data=data, headers=headers, timeout=self.settings.timeout,
                                     allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            raise self._network_error(exc, url) from exc
        if 300 <= response.status_code < 400:
            target = response.headers.get("Location")
            target = _where(urljoin(url, target)) if target else "another address"
            raise EngineError(f"{self.name}: {_where(url)} redirects to {target} (HTTP {response.status_code}): "
                              f"use that address; {self.address_hint()}")
        if not 200 <= response.status_code < 300:
            raise self._status_error(_answer(response))
        try:
            return response.json()
        except ValueError:
            raise EngineError(f"{self.name}: the answer from {_where(url)} is not JSON, so this is not a "
                              f"translation API (a web page or a login portal?); {self.address_hint()}") from None

    def _unexpected_answer(self, url: str) -> EngineError:
        return EngineError(f"{self.name}: the answer from {_where(url)} has no translation in it, so this is not "
                           f"the API expected; {self.address_hint()}")


class DeeplEngine(_HttpEngine):
    name = "deepl"
    max_request_chars = 100_000
    key_variable = "DEEPL_API_KEY"
    url_variable = "DEEPL_SERVER_URL"   # another server speaking DeepL's API (a test server, a proxy)
    FREE, PRO = "https://api-free.deepl.com/", "https://api.deepl.com/"

    def _codes(self):
        from deep_translator.constants import DEEPL_LANGUAGE_TO_CODE
        return set(DEEPL_LANGUAGE_TO_CODE.values())

    def supports(self, lang: str) -> bool:
        return lang in self._codes()

    def address_hint(self) -> str:
        if os.environ.get(self.url_variable):
            return f"check {self.url_variable}, which points the deepl engine at another server"
        return NETWORK_HINT

    def _translate(self, text: str, source: str, target: str) -> str:
        key = (os.environ.get(self.key_variable) or "").strip()
        if not key:
            raise EngineError(f"deepl: set the environment variable {self.key_variable} to your API key")
        if not text.strip() or source == target:
            return text
        base = os.environ.get(self.url_variable) or (self.FREE if key.endswith(":fx") else self.PRO)
        url = base.rstrip("/") + "/v2/translate"
        payload = self._post(url, data={"text": text, "source_lang": source.upper(), "target_lang": target.upper()},
                             headers={"Authorization": f"DeepL-Auth-Key {key}"})
        try:
            return payload["translations"][0]["text"]
        except (KeyError, IndexError, TypeError):
            raise self._unexpected_answer(url) from None

    def _status_error(self, answer: _Answer) -> Exception:
        said = answer.said
        if answer.status == 456:
            return self._quota(said, "the character allowance of this DeepL account is used up: wait for the next "
                                     f"billing period or raise the limit in the account, or {OTHER_ENGINE}")
        if answer.status in (401, 403):
            return EngineError(f"deepl: the API key was rejected ({said}); check the key in {self.key_variable} "
                               "(free keys end in :fx and are sent to api-free.deepl.com, others to api.deepl.com)")
        return super()._status_error(answer)


class LibreEngine(_HttpEngine):
    """A LibreTranslate server, typically self-hosted (no text leaves the consortium)."""

    name = "libre"
    max_request_chars = 5000
    key_variable = "LIBRETRANSLATE_API_KEY"
    # Languages current LibreTranslate servers translate that deep-translator's list lacks.
    EXTRA = {"greek": "el", "dutch": "nl", "romanian": "ro", "latvian": "lv", "bulgarian": "bg",
             "hungarian": "hu", "czech": "cs", "danish": "da", "estonian": "et", "finnish": "fi",
             "lithuanian": "lt", "slovak": "sk", "slovenian": "sl", "swedish": "sv", "ukrainian": "uk"}
    # LibreTranslate's limits are per minute (worth waiting for), per hour or per day (not).
    LONG_LIMIT = re.compile(r"\bper\s+(?:\d+\s+)?(?:hour|day|month)", re.IGNORECASE)

    def _codes(self):
        from deep_translator.constants import LIBRE_LANGUAGES_TO_CODES
        return set(LIBRE_LANGUAGES_TO_CODES.values()) | set(self.EXTRA.values())

    def supports(self, lang: str) -> bool:
        return lang in self._codes()

    def address_hint(self) -> str:
        return ("check the server address given with --url or translation.url in project.yaml "
                "(its base address, e.g. http://host:5000/) and that the LibreTranslate server is running")

    def _base(self) -> str:
        url = self.settings.url
        if not url:
            raise EngineError("libre: give the server's address with --url or translation.url in project.yaml")
        return url.rstrip("/") + "/"

    def _translate(self, text: str, source: str, target: str) -> str:
        url = self._base() + "translate"
        if not text or source == target:
            return text
        fields = {"q": text, "source": source, "target": target, "format": "text"}
        key = (os.environ.get(self.key_variable) or "").strip()
        if key:   # in the form body, which LibreTranslate reads like the query string
            fields["api_key"] = key
        payload = self._post(url, data=fields)
        translated = payload.get("translatedText") if isinstance(payload, dict) else None
        if not isinstance(translated, str):
            raise self._unexpected_answer(url)
        return translated

    def _status_error(self, answer: _Answer) -> Exception:
        said = answer.said
        detail = answer.detail.lower()
        variable, has_key = self.key_variable, bool(os.environ.get(self.key_variable))
        if answer.status == 429 and self.LONG_LIMIT.search(answer.detail):
            return self._quota(said, f"this server's hourly or daily request limit is reached: wait, ask its "
                                     f"operator for a key with a higher limit (set it in {variable}), "
                                     f"or {OTHER_ENGINE}")
        if answer.status == 400 and "exceeds text limit" in detail:
            return self._quota(said, "the server's character limit per request is lower than what was sent: send "
                                     "shorter requests with --pack 1, ask its operator to raise --char-limit "
                                     f"(or to give you a key with a higher limit, in {variable}), or {OTHER_ENGINE}")
        if answer.status == 400 and "api key" in detail:
            return EngineError(f"libre: the server at {_origin(answer.url)} wants an API key ({said}); "
                               f"set {variable} to a key its operator gives you")
        if answer.status == 403 and "limits violations" in detail:
            return EngineError(f"libre: the server at {_origin(answer.url)} has blocked this computer for going over "
                               f"its request limit too often ({said}); wait before trying again, with fewer "
                               f"requests at once (--jobs or translation.jobs), or ask its operator for a key")
        if answer.status in (401, 403):
            if has_key:
                return EngineError(f"libre: the API key was rejected by {_origin(answer.url)} ({said}); "
                                   f"check the key in {variable}")
            return EngineError(f"libre: the server at {_origin(answer.url)} refused access ({said}); if it needs "
                               f"an API key (key rejected or missing), set {variable}")
        return super()._status_error(answer)

    def client(self, source, target):
        """deep-translator's own client, for benchmarks/translate.py's baseline only: it sends the
        key in the URL, so `translate` does not use it."""
        from deep_translator import LibreTranslator
        from deep_translator.base import BaseTranslator
        from deep_translator.constants import LIBRE_LANGUAGES_TO_CODES

        client = LibreTranslator.__new__(LibreTranslator)
        client.api_key = os.environ.get(self.key_variable) or "no-key"
        BaseTranslator.__init__(client, base_url=self._base(), source=source, target=target,
                                languages={**LIBRE_LANGUAGES_TO_CODES, **self.EXTRA})
        return client


# --- the rest: deep-translator's clients ----------------------------------------------------------

class _DeepTranslatorEngine(Engine):
    module: ClassVar[str]

    def _translate(self, text: str, source: str, target: str) -> str:
        _install_timeout(self.module, self.settings.timeout)
        _last.response = None
        return self.client(source, target).translate(text)

    def client(self, source: str, target: str):
        raise NotImplementedError

    def _codes(self) -> set[str]:
        return set()

    def supports(self, lang: str) -> bool:
        return lang in self._codes()

    def _classify(self, exc: BaseException) -> Exception:
        """Network failures and HTTP statuses first, read from what really happened; deep-translator's
        own exceptions only for the rest (its status names are Yandex's, not this provider's)."""
        from deep_translator import exceptions as dt

        name = self.name
        if isinstance(exc, _Transport):
            return self._network_error(exc.error, exc.url)
        response = getattr(_last, "response", None)
        if response is not None and not 200 <= response.status_code < 300:
            return self._status_error(_answer(response))
        if isinstance(exc, TimeoutError):
            return TransientError(f"{name}: timeout after {_seconds(self.settings.timeout)} s; if the server is "
                                  "just slow, raise --timeout or translation.timeout in project.yaml")
        if isinstance(exc, (dt.TooManyRequests, dt.ServerException, dt.RequestError)):
            return TransientError(f"{name}: the request failed ({_short(exc)}); if it keeps happening, "
                                  f"{self.address_hint()}")
        if isinstance(exc, ValueError) and "JSON" in type(exc).__name__ + str(exc):
            return TransientError(f"{name}: the server's answer was not valid JSON; if it keeps happening, "
                                  f"{self.address_hint()}")
        if isinstance(exc, dt.TranslationNotFound):
            return TransientError(f"{name}: the server returned no translation; if it keeps happening, "
                                  f"or {OTHER_ENGINE}")
        if isinstance(exc, dt.AuthorizationException):
            return EngineError(f"{name}: the API key was rejected; check the key in {self.key_variable}")
        if isinstance(exc, dt.ApiKeyException):
            return EngineError(f"{name}: no API key: set the environment variable {self.key_variable}")
        if isinstance(exc, dt.LanguageNotSupportedException):
            return EngineError(f"{name}: language not supported ({_short(exc)}); {OTHER_ENGINE}")
        if isinstance(exc, (dt.NotValidLength, dt.NotValidPayload)):
            return EngineError(f"{name}: text too long or invalid for this engine; {OTHER_ENGINE}")
        return super()._classify(exc)


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

    def _status_error(self, answer: _Answer) -> Exception:
        if answer.status in (401, 403):
            return EngineError(f"google: Google's free endpoint refused the request (HTTP {answer.status}); it "
                               f"blocks automated use at times: try again later, or {OTHER_ENGINE}")
        return super()._status_error(answer)


class MicrosoftEngine(_DeepTranslatorEngine):
    """deep-translator already sends the key in the Ocp-Apim-Subscription-Key header and the text
    in a JSON body; only api-version and the language pair are in the URL."""

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

    def _status_error(self, answer: _Answer) -> Exception:
        # Microsoft's error codes are the status times 1000 plus a detail: 403001 is the free tier's quota.
        error = answer.payload.get("error") if isinstance(answer.payload, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        said = answer.said
        if code == 403001:
            return self._quota(said, f"the free tier's monthly characters are used up: wait for next month or "
                                     f"move the resource to a paid tier, or {OTHER_ENGINE}")
        if answer.status in (401, 403):
            return EngineError(f"microsoft: the API key was rejected ({said}); check the key in {self.key_variable} "
                               "and the resource's region in MICROSOFT_TRANSLATOR_REGION")
        return super()._status_error(answer)


class MyMemoryEngine(_DeepTranslatorEngine):
    """MyMemory takes only GET with the text in the URL; the optional e-mail address goes there too."""

    name = "mymemory"
    module = "mymemory"
    max_request_chars = 500
    PREFERRED = {"en": "en-GB", "pt": "pt-PT", "es": "es-ES", "nl": "nl-NL", "de": "de-DE", "fr": "fr-FR"}
    QUOTA_HINT = ("MyMemory's daily free allowance is used up: set MYMEMORY_EMAIL to your address for a larger one, "
                  f"wait until tomorrow, or {OTHER_ENGINE}")

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

    def _translate(self, text: str, source: str, target: str) -> str:
        translated = super()._translate(text, source, target)
        # MyMemory answers HTTP 200 with its real status in the body, and its quota warning as the "translation".
        response = getattr(_last, "response", None)
        try:
            payload = response.json() if response is not None else None
        except ValueError:
            payload = None
        status = payload.get("responseStatus") if isinstance(payload, dict) else None
        if str(status or "200") != "200" or str(translated or "").startswith("MYMEMORY WARNING"):
            answer = _answer(response)
            answer.status = int(status) if str(status or "").isdigit() else 429
            answer.label = "MyMemory status"
            raise self._status_error(answer)
        return translated

    def _status_error(self, answer: _Answer) -> Exception:
        quota = isinstance(answer.payload, dict) and (answer.payload.get("quotaFinished") or "MYMEMORY WARNING" in str(
            (answer.payload.get("responseData") or {}).get("translatedText", "")))
        if quota:
            return self._quota(f"{answer.label} {answer.status}", self.QUOTA_HINT)
        if answer.status in (401, 403):
            return EngineError(f"mymemory: the request was refused ({answer.said}); check the languages asked "
                               f"for, or {OTHER_ENGINE}")
        return super()._status_error(answer)


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

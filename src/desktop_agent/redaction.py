"""Keep secrets (API keys, tokens, passwords) out of trajectories, reports and logs.

`redact` returns a copy of a str / dict / list / tuple structure with secrets
replaced by ``[REDACTED]``. Three things count as secrets:

- the values of environment variables whose names contain KEY, TOKEN, SECRET or
  PASSWORD (read at every call, so a key set after start-up is still caught),
  plus values given to `register_secret` (keys from the OS keyring);
- text that looks like a credential: ``sk-...`` keys, ``Bearer <token>``,
  ``api_key=...`` / ``apikey: ...`` and ``Authorization: ...`` headers;
- the whole value of a dict entry whose key is a credential name
  (``api_key``, ``authorization``, ``password``, ``token``, ``secret``, ...).

`RedactingFilter` applies the same to log records; entry points add it to
their handlers (`install_log_redaction`).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from typing import Any, TypeVar

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "clear_registered_secrets",
    "install_log_redaction",
    "redact",
    "redact_text",
    "register_secret",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

REDACTED = "[REDACTED]"

_ENV_NAME_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD")
_MIN_ENV_SECRET_LEN = 8
# Shorter registered values would blank out ordinary words.
_MIN_REGISTERED_LEN = 4

_SENSITIVE_KEYS = frozenset(
    {
        "api_key",
        "apikey",
        "x_api_key",
        "authorization",
        "proxy_authorization",
        "password",
        "passwd",
        "token",
        "access_token",
        "refresh_token",
        "auth_token",
        "secret",
        "client_secret",
    }
)

_SENSITIVE_SUFFIXES = ("_api_key", "_apikey", "_password", "_secret", "_token")

_SK_KEY = re.compile(r"sk-[A-Za-z0-9_-]{16,}")
# A token has a digit or is long, so prose like "bearer of news" is left alone.
_BEARER = re.compile(
    r"(?i)\b(bearer\s+)(?:(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}|[A-Za-z0-9._~+/=-]{20,})"
)
# `api_key=...`, `apikey: ...`, `"api_key": "..."` (also in JSON text and URLs).
_KEY_ASSIGN = re.compile(
    r"""(?ix)
    (?<![A-Za-z0-9])((?:api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|password|passwd)
       ["']?\s*[:=]\s*["']?)
    [^\s"'&,;}]+
    """
)
# A header value runs to the end of its line (or the closing quote in JSON/repr text).
_AUTH_HEADER = re.compile(r"""(?i)\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)[^\r\n"']+""")

_registered: set[str] = set()
_registered_lock = threading.RLock()  # re-entrant: logging can re-enter via __del__


def register_secret(value: str) -> None:
    """Treat `value` as a secret from now on (for keys that do not come from the env)."""
    value = value.strip()
    if len(value) < _MIN_REGISTERED_LEN:
        # Not an error: an empty keyring entry should not stop the app.
        logger.debug("not registering a secret shorter than %d chars", _MIN_REGISTERED_LEN)
        return
    with _registered_lock:
        _registered.add(value)


def clear_registered_secrets() -> None:
    """Forget every value given to `register_secret` (tests, key rotation)."""
    with _registered_lock:
        _registered.clear()


def _env_secrets() -> set[str]:
    found = set()
    for name, value in os.environ.items():
        upper = name.upper()
        if any(m in upper for m in _ENV_NAME_MARKERS):
            value = value.strip()
            if len(value) >= _MIN_ENV_SECRET_LEN:
                found.add(value)
    return found


@functools.lru_cache(maxsize=8)
def _literal_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    if not secrets:
        return None
    # Longest first, so a secret that contains another is replaced whole.
    return re.compile("|".join(re.escape(s) for s in secrets))


def _current_literals() -> re.Pattern[str] | None:
    # Read the environment outside the lock: a garbage-collected client can log
    # from inside this very function (its __del__), re-entering the filter.
    secrets = _env_secrets()
    with _registered_lock:
        secrets |= _registered
    return _literal_pattern(tuple(sorted(secrets, key=lambda s: (-len(s), s))))


def redact_text(text: str) -> str:
    """Return `text` with every secret replaced by ``[REDACTED]``."""
    return _redact_str(text, _current_literals())


def _redact_str(text: str, literals: re.Pattern[str] | None) -> str:
    if literals is not None:
        text = literals.sub(REDACTED, text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _KEY_ASSIGN.sub(lambda m: m.group(1) + REDACTED, text)
    return _SK_KEY.sub(REDACTED, text)


def _is_sensitive_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    norm = key.strip().lower().replace("-", "_")
    return norm in _SENSITIVE_KEYS or norm.endswith(_SENSITIVE_SUFFIXES)


def _redact_any(value: Any, literals: re.Pattern[str] | None) -> Any:
    if isinstance(value, str):
        return _redact_str(value, literals)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            new_key = _redact_str(key, literals) if isinstance(key, str) else key
            if _is_sensitive_key(key) and item not in (None, ""):
                out[new_key] = REDACTED
            else:
                out[new_key] = _redact_any(item, literals)
        return out
    if isinstance(value, list):
        return [_redact_any(item, literals) for item in value]
    if isinstance(value, tuple):
        items = [_redact_any(item, literals) for item in value]
        if hasattr(value, "_fields"):  # a NamedTuple keeps its type
            return type(value)(*items)
        return tuple(items)
    return value


def redact(value: T) -> T:
    """Return a deep copy of a str / dict / list / tuple structure without secrets.

    Other values (numbers, None, objects) are returned as they are.
    """
    result: T = _redact_any(value, _current_literals())
    return result


class RedactingFilter(logging.Filter):
    """A logging filter that removes secrets from a record's message, args and traceback.

    Add it to handlers (not loggers: a logger's filters skip records that
    propagate from child loggers). It never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        literals = _current_literals()
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we can, redacted
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = _redact_str(message, literals)
        # The message is formatted already; args would be applied twice.
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _redact_str(record.exc_text, literals)
        if record.stack_info:
            record.stack_info = _redact_str(record.stack_info, literals)
        return True


def install_log_redaction(logger_: logging.Logger | None = None) -> RedactingFilter:
    """Add one `RedactingFilter` to every handler of `logger_` (the root logger by default).

    Call it from an entry point after handlers are configured.
    """
    target = logger_ or logging.getLogger()
    flt = RedactingFilter()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
    return flt

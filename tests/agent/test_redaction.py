"""Secrets never leave the process: redact() on data, RedactingFilter on log records."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import NamedTuple

import pytest

from desktop_agent.redaction import (
    REDACTED,
    RedactingFilter,
    clear_registered_secrets,
    install_log_redaction,
    redact,
    redact_text,
    register_secret,
)

KEY = "sk-test-abcdefghijklmnopqrstuvwxyz0123"
PLAIN_SECRET = "correct-horse-battery"  # matches no pattern: only the env makes it secret


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    clear_registered_secrets()
    yield
    clear_registered_secrets()


def test_env_secret_is_redacted_deep_and_original_is_untouched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_SERVICE_PASSWORD", PLAIN_SECRET)
    data = {
        "note": f"login with {PLAIN_SECRET} please",
        "items": [PLAIN_SECRET, 3, None, 1.5, True],
        "pair": ("a", f"x{PLAIN_SECRET}y"),
    }
    out = redact(data)
    assert out == {
        "note": f"login with {REDACTED} please",
        "items": [REDACTED, 3, None, 1.5, True],
        "pair": ("a", f"x{REDACTED}y"),
    }
    assert isinstance(out["pair"], tuple)
    assert data["note"] == f"login with {PLAIN_SECRET} please"  # a copy, not in place
    assert out is not data
    assert out["items"] is not data["items"]


def test_env_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"value {PLAIN_SECRET}"
    assert redact(text) == text
    monkeypatch.setenv("some_token", PLAIN_SECRET)  # the name match ignores case
    assert redact(text) == f"value {REDACTED}"


def test_short_or_unrelated_env_values_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORT_KEY", "abc1234")  # 7 chars: too short to be a key
    monkeypatch.setenv("MY_FAVOURITE_WORD", "marmalade-sandwich")  # name has no marker
    text = "abc1234 marmalade-sandwich"
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key is {KEY}.", f"key is {REDACTED}."),
        ("Authorization: Bearer abc123def456ghi", f"Authorization: {REDACTED}"),
        ("send Bearer eyJhbGciOi.J9x1 now", f"send Bearer {REDACTED} now"),
        ("GET /v1?api_key=AbC123xyz&q=1", f"GET /v1?api_key={REDACTED}&q=1"),
        ("apikey: 9f8e7d6c5b", f"apikey: {REDACTED}"),
        ('{"api_key": "hunter2hunter2"}', f'{{"api_key": "{REDACTED}"}}'),
        ("OPENAI_API_KEY=zzzzzzzzzz1", f"OPENAI_API_KEY={REDACTED}"),
        ("authorization: Basic dXNlcjpwYXNz\nnext line", f"authorization: {REDACTED}\nnext line"),
    ],
)
def test_secret_looking_patterns(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_ordinary_text_is_left_alone() -> None:
    text = 'click("Save"), the bearer of news, type_text("sk-short"), max_tokens=512'
    assert redact(text) == text


def test_redaction_is_idempotent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    once = redact(f"Authorization: Bearer {KEY} api_key={KEY}")
    assert redact(once) == once
    assert KEY not in once


def test_sensitive_dict_keys_are_replaced_whole() -> None:
    data = {
        "api_key": "anything",
        "Authorization": "Basic xyz",
        "nested": {"password": 1234, "client-secret": "s", "token": None, "name": "ok"},
        "openai_api_key": "v",
    }
    assert redact(data) == {
        "api_key": REDACTED,
        "Authorization": REDACTED,
        "nested": {"password": REDACTED, "client-secret": REDACTED, "token": None, "name": "ok"},
        "openai_api_key": REDACTED,
    }


def test_registered_secret_from_keyring() -> None:
    secret = "keyring-value-42"
    assert redact([secret]) == [secret]
    register_secret(secret)
    assert redact([secret, f"({secret})"]) == [REDACTED, f"({REDACTED})"]
    register_secret("")  # ignored, does not blank every string
    assert redact("hello") == "hello"


def test_named_tuple_keeps_its_type(monkeypatch: pytest.MonkeyPatch) -> None:
    class Pair(NamedTuple):
        a: str
        b: int

    monkeypatch.setenv("X_SECRET", PLAIN_SECRET)
    out = redact(Pair(PLAIN_SECRET, 2))
    assert out == Pair(REDACTED, 2)
    assert type(out) is Pair


def test_log_filter_hides_key_in_msg_args_and_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    caplog.handler.addFilter(RedactingFilter())
    log = logging.getLogger("desktop_agent.test_redaction")
    with caplog.at_level(logging.INFO):
        log.info("calling model with key %s and headers %r", KEY, {"x": f"Bearer {KEY}"})
        log.warning(f"inline {KEY}")  # noqa: G004 - the filter must cope with this too
        try:
            raise RuntimeError(f"bad key {KEY}")
        except RuntimeError:
            log.exception("request failed")
    assert len(caplog.records) == 3
    assert "calling model with key [REDACTED]" in caplog.records[0].getMessage()
    for record in caplog.records:
        assert KEY not in record.getMessage()
    assert "RuntimeError: bad key [REDACTED]" in caplog.text
    assert KEY not in caplog.text


def test_install_log_redaction_adds_one_filter_per_handler() -> None:
    log = logging.getLogger("desktop_agent.test_install")
    handler = logging.StreamHandler()
    log.addHandler(handler)
    try:
        install_log_redaction(log)
        install_log_redaction(log)
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    finally:
        log.removeHandler(handler)

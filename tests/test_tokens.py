"""Signed link tokens: each is bound to one purpose and one secret, cannot be altered,
and expires by the injected clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest

from reconnect.clock import ManualClock
from reconnect.tokens import (
    MAX_TOKEN_LENGTH,
    Purpose,
    TokenError,
    TokenProblem,
    Tokens,
)

SECRET = "test-secret-key-that-is-long-enough"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MAX_AGE = {
    Purpose.CONFIRM: timedelta(days=7),
    Purpose.REFLECT: timedelta(days=30),
    Purpose.UNSUBSCRIBE: timedelta(days=365),
    Purpose.PREFERENCES: timedelta(days=365),
    Purpose.NO_INVITES: timedelta(days=365),
    Purpose.REJOIN: timedelta(days=7),
    Purpose.ADDRESS: timedelta(days=7),
}
URL_SAFE_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def tokens(clock: ManualClock) -> Tokens:
    return Tokens(SECRET, clock, MAX_AGE)


def problem_reading(tokens: Tokens, purpose: Purpose, token: str) -> TokenProblem:
    with pytest.raises(TokenError) as caught:
        tokens.read(purpose, token)
    return caught.value.problem


def other_char(char: str) -> str:
    """A different base64url character, far enough away to change the decoded bits."""
    return B64_ALPHABET[(B64_ALPHABET.index(char) + 32) % len(B64_ALPHABET)]


def replace_at(text: str, index: int) -> str:
    return text[:index] + other_char(text[index]) + text[index + 1:]


# Round trip


def test_round_trip_carries_the_holder(tokens: Tokens) -> None:
    token = tokens.make(Purpose.UNSUBSCRIBE, "h42")
    assert tokens.read(Purpose.UNSUBSCRIBE, token).holder == "h42"


def test_round_trip_carries_the_data(tokens: Tokens) -> None:
    token = tokens.make(Purpose.REFLECT, "h7", s="acknowledge", n=3)
    payload = tokens.read(Purpose.REFLECT, token)
    assert payload.holder == "h7"
    assert payload.data == {"s": "acknowledge", "n": 3}


def test_round_trip_without_data_gives_empty_data(tokens: Tokens) -> None:
    assert tokens.read(Purpose.CONFIRM, tokens.make(Purpose.CONFIRM, "h1")).data == {}


def test_round_trip_keeps_non_ascii_data(tokens: Tokens) -> None:
    token = tokens.make(Purpose.REFLECT, "h7", s="zoë-ümlaut")
    assert tokens.read(Purpose.REFLECT, token).data == {"s": "zoë-ümlaut"}


def test_token_is_url_safe(tokens: Tokens) -> None:
    token = tokens.make(Purpose.REFLECT, "h7", s="a/b+c=d e")
    assert URL_SAFE_TOKEN.fullmatch(token)


def test_a_later_token_still_reads(tokens: Tokens, clock: ManualClock) -> None:
    clock.advance(timedelta(days=3))
    assert tokens.read(Purpose.CONFIRM, tokens.make(Purpose.CONFIRM, "h9")).holder == "h9"


# Purpose


@pytest.mark.parametrize(("made_for", "read_as"), list(permutations(Purpose, 2)))
def test_token_for_one_purpose_is_invalid_for_another(
        tokens: Tokens, made_for: Purpose, read_as: Purpose) -> None:
    token = tokens.make(made_for, "h42", s="acknowledge")
    assert problem_reading(tokens, read_as, token) is TokenProblem.INVALID


# Tampering


def test_tampered_payload_is_invalid(tokens: Tokens) -> None:
    token = tokens.make(Purpose.REFLECT, "h42", s="acknowledge")
    body, mac = token.split(".")
    assert problem_reading(tokens, Purpose.REFLECT,
                           f"{replace_at(body, 2)}.{mac}") is TokenProblem.INVALID


def test_payload_for_another_holder_is_invalid(tokens: Tokens) -> None:
    # Splice the payload of holder 43's token onto holder 42's MAC.
    body_42, mac_42 = tokens.make(Purpose.REFLECT, "h42").split(".")
    body_43, _ = tokens.make(Purpose.REFLECT, "h43").split(".")
    assert body_42 != body_43
    assert problem_reading(tokens, Purpose.REFLECT,
                           f"{body_43}.{mac_42}") is TokenProblem.INVALID


def test_tampered_mac_is_invalid(tokens: Tokens) -> None:
    body, mac = tokens.make(Purpose.REFLECT, "h42").split(".")
    for index in (0, len(mac) // 2):
        assert problem_reading(tokens, Purpose.REFLECT,
                               f"{body}.{replace_at(mac, index)}") is TokenProblem.INVALID


def test_only_the_exact_issued_token_is_accepted(tokens: Tokens) -> None:
    token = tokens.make(Purpose.REFLECT, "h42")
    body, mac = token.split(".")
    variants = [f"{body}.{mac[:-1]}{char}" for char in B64_ALPHABET if char != mac[-1]]
    variants += [f"{token}=", f"{token}=="]
    accepted: list[str] = []
    for variant in variants:
        try:
            tokens.read(Purpose.REFLECT, variant)
        except TokenError:
            continue
        accepted.append(variant)
    assert accepted == []


def test_truncated_mac_is_invalid(tokens: Tokens) -> None:
    token = tokens.make(Purpose.REFLECT, "h42")
    assert problem_reading(tokens, Purpose.REFLECT, token[:-4]) is TokenProblem.INVALID


def test_token_signed_with_another_secret_is_invalid(clock: ManualClock) -> None:
    ours = Tokens(SECRET, clock, MAX_AGE)
    theirs = Tokens("a-different-secret-key-entirely", clock, MAX_AGE)
    token = theirs.make(Purpose.REFLECT, "h42")
    assert problem_reading(ours, Purpose.REFLECT, token) is TokenProblem.INVALID


def test_same_secret_in_another_instance_accepts_the_token(clock: ManualClock) -> None:
    token = Tokens(SECRET, clock, MAX_AGE).make(Purpose.REFLECT, "h42")
    assert Tokens(SECRET, clock, MAX_AGE).read(Purpose.REFLECT, token).holder == "h42"


# Garbage


@pytest.mark.parametrize("garbage", [
    pytest.param("", id="empty"),
    pytest.param("no-dot-at-all", id="no-dot"),
    pytest.param(".", id="only-dot"),
    pytest.param("eyJwIjoxfQ.", id="no-mac"),
    pytest.param(".AAAAAAAAAAAAAAAAAAAAAA", id="no-body"),
    pytest.param("a.b", id="bad-base64-length"),
    pytest.param("!!!!.####", id="not-base64"),
    pytest.param("é.ü", id="non-ascii"),
    pytest.param("bm90IGpzb24.AAAAAAAAAAAAAAAAAAAAAA", id="not-json"),
    pytest.param("eyJwIjoxLCJ0IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA", id="json-with-forged-mac"),
    pytest.param("a" * 5000 + "." + "b" * 5000, id="very-long"),
    pytest.param("A" * MAX_TOKEN_LENGTH + ".AA", id="just-over-limit"),
    pytest.param("a.b.c", id="two-dots"),
    pytest.param(" ", id="space"),
])
def test_garbage_is_invalid(tokens: Tokens, garbage: str) -> None:
    assert problem_reading(tokens, Purpose.REFLECT, garbage) is TokenProblem.INVALID


def test_garbage_after_a_valid_token_is_invalid(tokens: Tokens) -> None:
    token = tokens.make(Purpose.REFLECT, "h42")
    assert problem_reading(tokens, Purpose.REFLECT, f"{token}.extra") is TokenProblem.INVALID


# Expiry


@pytest.mark.parametrize("purpose", list(Purpose))
def test_token_just_before_max_age_is_accepted(
        tokens: Tokens, clock: ManualClock, purpose: Purpose) -> None:
    token = tokens.make(purpose, "h42")
    clock.advance(MAX_AGE[purpose] - timedelta(seconds=1))
    assert tokens.read(purpose, token).holder == "h42"


@pytest.mark.parametrize("purpose", list(Purpose))
def test_token_past_max_age_is_expired(
        tokens: Tokens, clock: ManualClock, purpose: Purpose) -> None:
    token = tokens.make(purpose, "h42")
    clock.advance(MAX_AGE[purpose] + timedelta(seconds=1))
    assert problem_reading(tokens, purpose, token) is TokenProblem.EXPIRED


def test_each_purpose_has_its_own_max_age(tokens: Tokens, clock: ManualClock) -> None:
    confirm = tokens.make(Purpose.CONFIRM, "h42")
    reflect = tokens.make(Purpose.REFLECT, "h42")
    clock.advance(timedelta(days=8))
    assert problem_reading(tokens, Purpose.CONFIRM, confirm) is TokenProblem.EXPIRED
    assert tokens.read(Purpose.REFLECT, reflect).holder == "h42"


def test_expiry_follows_the_clock_that_was_set(tokens: Tokens, clock: ManualClock) -> None:
    token = tokens.make(Purpose.CONFIRM, "h42")
    clock.set(START + timedelta(days=30))
    assert problem_reading(tokens, Purpose.CONFIRM, token) is TokenProblem.EXPIRED


def test_tampered_expired_token_is_invalid_not_expired(
        tokens: Tokens, clock: ManualClock) -> None:
    body, mac = tokens.make(Purpose.CONFIRM, "h42").split(".")
    clock.advance(timedelta(days=30))
    assert problem_reading(tokens, Purpose.CONFIRM,
                           f"{body}.{replace_at(mac, 0)}") is TokenProblem.INVALID


# Holders and links made before holders existed


def signed(purpose: Purpose, payload: dict[str, object], secret: str = SECRET) -> str:
    """A token for any payload, signed as the service signs: what the previous release
    issued (a row id under "p"), or a forgery attempt with our own key."""
    key = hashlib.sha256(f"reconnect-tokens:{secret}".encode()).digest()
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
    body_text = body.rstrip(b"=").decode()
    mac = hmac.new(key, f"{purpose.value}.{body_text}".encode(), hashlib.sha256).digest()[:16]
    return f"{body_text}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def test_a_new_token_names_its_holder_and_no_row_id(tokens: Tokens) -> None:
    token = tokens.make(Purpose.PREFERENCES, "Zx9-public-id")
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert payload["h"] == "Zx9-public-id"
    assert "p" not in payload


def test_a_token_from_before_holders_reads_as_its_row_id_and_issue_time(
        tokens: Tokens) -> None:
    issued = int(START.timestamp())
    payload = tokens.read(Purpose.UNSUBSCRIBE, signed(Purpose.UNSUBSCRIBE,
                                                      {"p": 5, "t": issued}))
    assert (payload.holder, payload.legacy_id) == (None, 5)
    assert payload.issued_at == START


@pytest.mark.parametrize("payload", [
    pytest.param({"h": "abc", "p": 5}, id="holder-and-row-id"),
    pytest.param({"h": 7}, id="holder-not-text"),
    pytest.param({"h": ""}, id="empty-holder"),
    pytest.param({"h": "x" * 65}, id="holder-too-long"),
    pytest.param({"p": "5"}, id="row-id-not-a-number"),
    pytest.param({"p": True}, id="row-id-a-boolean"),
    pytest.param({}, id="no-holder-at-all"),
])
def test_a_signed_payload_without_exactly_one_holder_is_invalid(
        tokens: Tokens, payload: dict[str, object]) -> None:
    token = signed(Purpose.REFLECT, {**payload, "t": int(START.timestamp())})
    assert problem_reading(tokens, Purpose.REFLECT, token) is TokenProblem.INVALID


def test_a_holder_is_required_to_make_a_token(tokens: Tokens) -> None:
    with pytest.raises(ValueError, match="holder"):
        tokens.make(Purpose.REFLECT, "")

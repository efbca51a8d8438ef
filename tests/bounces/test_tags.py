"""The tag that brings a bounce back to its email: opaque, keyed, never a row id, and in
the envelope sender of every email when a bounce address is set."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reconnect.bounces import tags
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.bounces import sent_confirmation
from tests.support.flows import ANA
from tests.support.smtp import SmtpSink

KEY = "test-secret-key-that-is-long-enough"


def test_a_tag_reads_back_to_its_email_only_with_the_key() -> None:
    tag = tags.tag_for(KEY, 1234)
    assert tags.delivery_of(KEY, tag) == 1234
    assert tags.delivery_of("another-secret-key-of-some-length", tag) is None
    assert "1234" not in tag


def test_neighbouring_emails_have_unrelated_tags() -> None:
    first, second = tags.tag_for(KEY, 41), tags.tag_for(KEY, 42)
    assert sum(a == b for a, b in zip(first, second, strict=True)) < 10


def test_made_up_or_damaged_tags_read_as_nothing() -> None:
    tag = tags.tag_for(KEY, 7)
    damaged = ("b" if tag[0] != "b" else "c") + tag[1:]
    for made_up in ("a" * 26, damaged, tag[:-1], tag + "a", "ABC", ""):
        assert tags.delivery_of(KEY, made_up) is None, made_up


def test_the_bounce_address_carries_the_tag_and_only_ours_is_read() -> None:
    tag = tags.tag_for(KEY, 9)
    address = tags.verp_address("bounces@reconnect.test", tag)
    assert address == f"bounces+{tag}@reconnect.test"
    assert tags.tag_in(f"<{address}>", "bounces@reconnect.test") == tag
    assert tags.tag_in(f"bounces+{tag}@elsewhere.example", "bounces@reconnect.test") is None


def test_every_email_is_sent_from_its_own_bounce_address(
        client: TestClient, runtime: Runtime, settings: Settings, smtp_sink: SmtpSink) -> None:
    sent = sent_confirmation(client, runtime, ANA)
    [received] = smtp_sink.to(ANA)
    assert received.mail_from == tags.verp_address(
        "bounces@reconnect.test", tags.tag_for(settings.secret_key, sent.id))
    assert received.message["From"].addresses[0].addr_spec == "hello@reconnect.test"
    assert received.message["X-PM-Metadata-reconnect-tag"] == \
        tags.tag_for(settings.secret_key, sent.id)

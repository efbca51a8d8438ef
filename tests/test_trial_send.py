"""`reconnect program send-test`: one stage to an editor's own address, through the real
SMTP relay, plainly marked as a test, with nothing recorded for anyone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli.main import main
from reconnect.settings import get_settings
from tests.support.smtp import SmtpSink, free_port

EDITOR = "editor@example.org"
SUPPORT_HEADING = "If last week felt far apart"


@pytest.fixture
def relay(smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    smtp_sink.clear()
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_sink.port),
                        "MAIL_FROM": "hello@reconnect.test", "ENV": "test",
                        "BASE_URL": "https://reconnect.example"}.items():
        monkeypatch.setenv(f"RECONNECT_{name}", value)
    get_settings.cache_clear()
    yield smtp_sink
    get_settings.cache_clear()


def _words(text: str) -> str:
    """The plain text with its line wrapping undone."""
    return " ".join(text.split())


def send_test(*args: str) -> int:
    return main(["program", "send-test", *args])


def test_the_stage_arrives_marked_as_a_test(relay: SmtpSink) -> None:
    assert send_test("acknowledge", "--to", EDITOR) == 0
    [message] = relay.wait_count(1)
    assert message.rcpt == (EDITOR,)
    assert message.subject == "[Test] Week 1: Acknowledge what is happening"
    assert message.message["X-Reconnect-Test"] == "yes"


def test_a_test_email_has_no_unsubscribe_header(relay: SmtpSink) -> None:
    assert send_test("acknowledge", "--to", EDITOR) == 0
    [message] = relay.wait_count(1)
    assert message.message["List-Unsubscribe"] is None


def test_answer_buttons_open_the_admin_preview_of_the_next_stage(relay: SmtpSink) -> None:
    assert send_test("acknowledge", "--to", EDITOR) == 0
    [message] = relay.wait_count(1)
    assert "https://reconnect.example/admin/program/main/share-without-blame?" \
           "previous.connection=1" in message.html
    assert "/reflect/" not in message.html


def test_an_earlier_answer_shows_the_block_it_unlocks(relay: SmtpSink) -> None:
    assert send_test("acknowledge", "--to", EDITOR, "--answer", "connection=1") == 0
    assert SUPPORT_HEADING in relay.wait_count(1)[0].text


def test_without_that_answer_the_block_stays_hidden(relay: SmtpSink) -> None:
    assert send_test("acknowledge", "--to", EDITOR, "--answer", "connection=5") == 0
    assert SUPPORT_HEADING not in relay.wait_count(1)[0].text


def test_the_default_sample_partner_has_a_partner_named_alex(relay: SmtpSink) -> None:
    assert send_test("acknowledge", "--to", EDITOR) == 0
    assert "Alex may feel the distance too" in _words(relay.wait_count(1)[0].text)


def test_the_sample_partner_without_a_partner_reads_your_partner(relay: SmtpSink) -> None:
    assert send_test("acknowledge", "--to", EDITOR, "--partner", "solo-none") == 0
    text = relay.wait_count(1)[0].text
    assert "Your partner may feel the distance too" in _words(text)
    assert "Alex" not in text


def test_another_program_can_be_chosen(relay: SmtpSink) -> None:
    assert send_test("welcome", "--to", EDITOR, "--program", "check-in") == 0
    assert relay.wait_count(1)[0].subject.startswith("[Test] ")


def test_an_unknown_stage_is_refused_with_the_stages_there_are(
        relay: SmtpSink, capsys: pytest.CaptureFixture[str]) -> None:
    assert send_test("acknowlege", "--to", EDITOR) == 2
    assert "its stages are: welcome, acknowledge" in capsys.readouterr().err
    assert relay.messages == []


def test_an_address_that_is_not_one_is_refused(relay: SmtpSink,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert send_test("acknowledge", "--to", "editor.example.org") == 2
    assert "is not an email address" in capsys.readouterr().err
    assert relay.messages == []


def test_an_answer_the_previous_stage_does_not_offer_is_refused(
        relay: SmtpSink, capsys: pytest.CaptureFixture[str]) -> None:
    assert send_test("acknowledge", "--to", EDITOR, "--answer", "connection=9") == 2
    assert "the previous stage asks connection (1 to 5)" in capsys.readouterr().err
    assert relay.messages == []


def test_a_relay_that_cannot_be_reached_is_reported(
        relay: SmtpSink, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RECONNECT_SMTP_PORT", str(free_port()))
    get_settings.cache_clear()
    assert send_test("acknowledge", "--to", EDITOR) == 1
    assert "Not sent: relay: SMTP session failed" in capsys.readouterr().err

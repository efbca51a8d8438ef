"""One SMTP session per worker, reused across messages, replaced when it wears out."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from reconnect.mail.message import OutgoingEmail, WireMessage, build_message
from reconnect.mail.smtp import MailError, SmtpMailer, _dot_stuffed
from reconnect.settings import Settings
from tests.support.smtp import SmtpSink


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    own = SmtpSink()
    own.start()
    yield own
    own.stop()


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def mailer(base_settings: Settings, sink: SmtpSink,
           monotonic: FakeMonotonic) -> Iterator[SmtpMailer]:
    settings = base_settings.model_copy(update={"smtp_port": sink.port,
                                                "smtp_messages_per_connection": 3})
    own = SmtpMailer(settings, monotonic=monotonic)
    yield own
    own.close()


def _message(to: str = "ana@example.org") -> WireMessage:
    return build_message(OutgoingEmail(
        to_name="Ana", to_address=to, subject="Hello", html="<p>Hi</p>", text="Hi",
        message_id="<m@reconnect.test>", sender_name="Reconnect"),
        "hello@reconnect.test", datetime(2026, 11, 25, tzinfo=UTC))


def test_messages_in_a_row_share_one_session(mailer: SmtpMailer, sink: SmtpSink) -> None:
    for _ in range(3):
        mailer.send(_message())
    assert len(sink.messages) == 3
    assert mailer.connections_opened == 1


def test_a_session_is_renewed_after_its_message_allowance(mailer: SmtpMailer,
                                                          sink: SmtpSink) -> None:
    for _ in range(4):
        mailer.send(_message())
    assert len(sink.messages) == 4
    assert mailer.connections_opened == 2


def test_a_refused_recipient_leaves_the_session_usable(mailer: SmtpMailer,
                                                       sink: SmtpSink) -> None:
    sink.handler.refuse["gone@example.org"] = "550 5.1.1 no such user"
    with pytest.raises(MailError) as refused:
        mailer.send(_message("gone@example.org"))
    assert refused.value.permanent
    mailer.send(_message())
    assert [m.rcpt for m in sink.messages] == [("ana@example.org",)]
    assert mailer.connections_opened == 1


def test_a_session_idle_too_long_is_replaced_rather_than_trusted(
        mailer: SmtpMailer, sink: SmtpSink, monotonic: FakeMonotonic) -> None:
    mailer.send(_message())
    monotonic.now += mailer.settings.smtp_idle_seconds + 1
    mailer.send(_message())
    assert mailer.connections_opened == 2


def test_a_session_the_server_dropped_while_idle_is_noticed_before_sending(
        mailer: SmtpMailer, sink: SmtpSink, monotonic: FakeMonotonic) -> None:
    mailer.send(_message())
    sink.stop()
    revived = SmtpSink(port=sink.port)  # the old session's socket now leads nowhere
    revived.start()
    try:
        monotonic.now += 2
        mailer.send(_message())
    finally:
        revived.stop()
    assert len(revived.messages) == 1
    assert mailer.connections_opened == 2


def test_a_server_that_is_down_is_a_temporary_failure(mailer: SmtpMailer,
                                                      sink: SmtpSink) -> None:
    sink.stop()
    with pytest.raises(MailError) as down:
        mailer.send(_message())
    assert not down.value.permanent


def test_lines_that_start_with_a_dot_arrive_as_written(mailer: SmtpMailer,
                                                        sink: SmtpSink) -> None:
    text = ".starts with a dot\n..two dots\n.\nend"
    mailer.send(build_message(OutgoingEmail(
        to_name="Ana", to_address="ana@example.org", subject="Dots", html="<p>.</p>",
        text=text, message_id="<d@reconnect.test>", sender_name="Reconnect"),
        "hello@reconnect.test", datetime(2026, 11, 25, tzinfo=UTC)))
    [received] = sink.messages
    assert received.text.replace("\r\n", "\n") == text + "\n"


@pytest.mark.parametrize("data", [b"", b".", b"a", b".a\r\n", b"a\r\n.b\r\n..c",
                                  b"\r\n.\r\n", b"a\nb.\n.c", b"x\r\n"])
def test_dot_stuffing_matches_what_the_standard_library_sends(data: bytes) -> None:
    expected = smtplib._quote_periods(data)  # type: ignore[attr-defined]
    if not expected.endswith(b"\r\n"):
        expected += b"\r\n"
    assert _dot_stuffed(data) == expected + b".\r\n"

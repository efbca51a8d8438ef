"""Discreet mode on every email kind of both programs, and where replies go: the neutral
sender, subject and preheader, no program name above the first heading, the Reply-To
header when the operator reads replies, and a footer that says which it is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select, update

from reconnect.clock import ManualClock
from reconnect.deliveries.resends import resend_key
from reconnect.mail.message import OutgoingEmail, build_message
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner
from reconnect.program.model import DEFAULT_DISCREET, Program
from reconnect.reflections.nudges import nudge_key
from reconnect.runtime import Runtime
from reconnect.sending.compose import compose
from reconnect.settings import Settings
from tests.support.flows import ANA, BEN, send_due_now, signup_body
from tests.support.rich_program import DISCREET, rich_programs
from tests.support.smtp import SmtpSink

PROGRAMS = ("main", "check-in")
REPLY_TO = "care@reconnect.test"
NOT_READ = "Replies to this email are not read by anyone"
READ = "Replies to this email are read by our small support team, never by your partner."


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    return base_settings.model_copy(update={"program_dir": rich_programs(tmp_path / "p")})


def _signup(client: TestClient, rt: Runtime, slug: str, together: bool = False) -> None:
    body = signup_body(program=slug) if together else \
        signup_body(program=slug, partner_email=None, partner_first_name=None)
    assert client.post("/api/v1/signups", json=body).status_code == 202


def _make_discreet(rt: Runtime, email: str) -> None:
    with rt.unit_of_work() as uow:
        uow.session.execute(update(Partner).where(Partner.email == email)
                            .values(discreet=True))


def _enrolled(client: TestClient, rt: Runtime, sink: SmtpSink, slug: str) -> None:
    _signup(client, rt, slug)
    send_due_now(rt)
    [confirmation] = sink.to(ANA)
    path = re.search(r"https?://[^/\s]+(/confirm/[^\s\"<]+)", confirmation.text)
    assert path is not None
    assert client.post(path.group(1)).status_code == 200
    _make_discreet(rt, ANA)


def _compose(rt: Runtime, email: str, kind: DeliveryKind, key: str) -> OutgoingEmail:
    with rt.unit_of_work() as uow:
        partner = uow.session.execute(select(Partner).where(Partner.email == email)
                                      ).scalar_one()
        other = uow.session.execute(select(Partner).where(
            Partner.couple_id == partner.couple_id, Partner.id != partner.id)
        ).scalars().first()
        now = datetime.now(UTC)
        delivery = Delivery(id=90_000, partner_id=partner.id, kind=kind, key=key,
                            position=0, due_at=now, status=DeliveryStatus.SENDING,
                            created_at=now)
        return compose(uow.session, rt, delivery, partner, other)


def _program(rt: Runtime, slug: str) -> Program:
    return rt.programs.current(slug)[1]


def _assert_discreet(email: OutgoingEmail, program: Program) -> None:
    neutral = program.discreet or DEFAULT_DISCREET
    assert email.sender_name == neutral.sender_name
    assert email.subject == neutral.subject
    assert neutral.preheader in email.html
    header_area = email.html.split("<h1")[0]
    visible = re.sub(r"<style.*?</style>|<[^>]+>", " ", header_area, flags=re.S)
    for name in (program.title, program.sender_name):
        assert name not in visible
    assert program.title not in email.text.split("\n\n")[0]
    wire = message_from_bytes(build_message(email, "hello@reconnect.test",
                                            datetime.now(UTC)).data, policy=policy.default)
    assert isinstance(wire, EmailMessage)
    assert str(wire["From"]) == f"{neutral.sender_name} <hello@reconnect.test>"
    assert str(wire["Subject"]) == neutral.subject


def _every_other_kind(program: Program) -> Iterator[tuple[DeliveryKind, str]]:
    yield DeliveryKind.RESEND, resend_key(program.stages[0].key, 1)
    for stage in program.stages:
        if any(p.shared for p in stage.prompts):
            yield DeliveryKind.NUDGE, nudge_key(stage.key)


@pytest.mark.parametrize("slug", PROGRAMS)
def test_every_stage_goes_out_under_the_discreet_envelope(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, slug: str) -> None:
    _enrolled(client, runtime, smtp_sink, slug)
    program = _program(runtime, slug)
    for stage in program.stages:
        _assert_discreet(_compose(runtime, ANA, DeliveryKind.STAGE, stage.key), program)


@pytest.mark.parametrize("slug", PROGRAMS)
def test_every_reminder_and_resend_goes_out_under_the_discreet_envelope(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, slug: str) -> None:
    _enrolled(client, runtime, smtp_sink, slug)
    program = _program(runtime, slug)
    kinds = list(_every_other_kind(program))
    assert {kind for kind, _ in kinds} == {DeliveryKind.RESEND, DeliveryKind.NUDGE}
    for kind, key in kinds:
        _assert_discreet(_compose(runtime, ANA, kind, key), program)


@pytest.mark.parametrize("slug", PROGRAMS)
@pytest.mark.parametrize("who", [ANA, BEN], ids=["confirmation", "invitation"])
def test_confirmations_and_invitations_go_out_under_the_discreet_envelope(
        client: TestClient, runtime: Runtime, slug: str, who: str) -> None:
    _signup(client, runtime, slug, together=True)
    _make_discreet(runtime, who)
    email = _compose(runtime, who, DeliveryKind.CONFIRMATION, "_confirm-1")
    _assert_discreet(email, _program(runtime, slug))


def test_the_program_s_discreet_words_are_used_where_it_has_them(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _enrolled(client, runtime, smtp_sink, "main")
    email = _compose(runtime, ANA, DeliveryKind.STAGE, "welcome")
    assert (email.sender_name, email.subject) == (DISCREET["sender_name"], DISCREET["subject"])


def test_without_discreet_mode_the_program_s_own_envelope_is_used(
        client: TestClient, runtime: Runtime) -> None:
    _signup(client, runtime, "main")
    email = _compose(runtime, ANA, DeliveryKind.CONFIRMATION, "_confirm-1")
    assert email.sender_name == "Reconnect"
    assert email.subject == "Please confirm your email for Reconnect"


def test_a_discreet_partner_s_stage_email_arrives_under_the_neutral_sender(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    _enrolled(client, runtime, smtp_sink, "main")
    clock.advance(timedelta(days=1))
    send_due_now(runtime)
    received = smtp_sink.to(ANA)[-1].message
    assert str(received["From"]).startswith(f"{DISCREET['sender_name']} <")
    assert str(received["Subject"]) == DISCREET["subject"]
    assert received["List-Id"] is not None
    assert "Reconnect" not in str(received["List-Id"])


def test_without_a_reply_address_there_is_no_reply_to_and_the_footer_says_replies_go_unread(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    _enrolled(client, runtime, smtp_sink, "main")
    email = _compose(runtime, ANA, DeliveryKind.STAGE, "welcome")
    assert email.reply_to is None
    wire = build_message(email, "hello@reconnect.test", datetime.now(UTC)).data
    assert b"Reply-To" not in wire
    assert NOT_READ in email.html
    assert NOT_READ in email.text
    assert "Find support near you" in email.html


class TestWithAReplyAddress:
    @pytest.fixture
    def settings(self, base_settings: Settings, tmp_path: Path) -> Settings:
        return base_settings.model_copy(update={
            "program_dir": rich_programs(tmp_path / "p"), "reply_to": REPLY_TO})

    def test_every_email_carries_reply_to_and_the_footer_says_replies_are_read(
            self, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
        _enrolled(client, runtime, smtp_sink, "main")
        for kind, key in [(DeliveryKind.STAGE, "welcome"),
                          (DeliveryKind.NUDGE, nudge_key("welcome"))]:
            email = _compose(runtime, ANA, kind, key)
            wire = message_from_bytes(build_message(email, "hello@reconnect.test",
                                                    datetime.now(UTC)).data,
                                      policy=policy.default)
            assert str(wire["Reply-To"]) == REPLY_TO
            assert READ in email.html
            assert READ in " ".join(email.text.split())
            assert NOT_READ not in email.html


@pytest.mark.parametrize("value", ["not an address", "care@", "a@b@c.test"])
def test_a_reply_address_that_is_not_an_address_is_refused(base_settings: Settings,
                                                           value: str) -> None:
    with pytest.raises(ValidationError, match="is not an email address"):
        Settings.model_validate({**base_settings.model_dump(), "reply_to": value})

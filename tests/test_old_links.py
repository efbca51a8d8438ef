"""A link belongs to one person and dies with them: after an erasure, whoever signs up
next can never be reached through the erased person's old links, and ids never come
back to name them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Couple, Delivery, Partner, Reflection
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.admin import ADMIN_TOKEN, BEARER
from tests.support.flows import enrol, first_stage_email, partner, row_counts, signup_body
from tests.support.links import (
    confirm_path,
    help_path,
    journey_path,
    preferences_path,
    reflect_paths,
    unsubscribe_path,
)
from tests.support.smtp import Received, SmtpSink

DAVE, EVE = "dave@example.org", "eve@example.org"


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"admin_token": ADMIN_TOKEN})


@dataclass(frozen=True)
class OldLinks:
    confirm: str
    reflect: str
    preferences: str
    unsubscribe: str
    help: str
    journey: str

    @classmethod
    def of(cls, confirmation: Received, stage: Received) -> OldLinks:
        return cls(confirm_path(confirmation), reflect_paths(stage)[0],
                   preferences_path(stage), unsubscribe_path(stage), help_path(stage),
                   journey_path(stage))

    def token(self, path: str) -> str:
        return path.split("/")[2].split("?")[0]


def _every_use(links: OldLinks) -> dict[str, Callable[[TestClient], Response]]:
    question, _, answer = links.reflect.partition("?answer=")
    reflect_token = links.token(links.reflect)
    prompt = question.rsplit("/", 1)[1]
    return {
        "confirm page": lambda c: c.get(links.confirm),
        "confirm": lambda c: c.post(links.confirm),
        "reflect page": lambda c: c.get(links.reflect),
        "reflect": lambda c: c.post(question, data={"answer": answer}),
        "preferences page": lambda c: c.get(links.preferences),
        "preferences": lambda c: c.post(links.preferences, data={"action": "pause"}),
        "export": lambda c: c.get(f"{links.preferences}/export"),
        "erase page": lambda c: c.get(f"{links.preferences}/erase"),
        "erase": lambda c: c.post(f"{links.preferences}/erase"),
        "journey": lambda c: c.get(links.journey),
        "help page": lambda c: c.get(links.help),
        "help pause": lambda c: c.post(links.help),
        "unsubscribe page": lambda c: c.get(links.unsubscribe),
        "unsubscribe": lambda c: c.post(links.unsubscribe),
        "one-click": lambda c: c.post(links.unsubscribe,
                                      data={"List-Unsubscribe": "One-Click"}),
        "api reflections": lambda c: c.get(f"/api/v1/reflections/{reflect_token}"),
        "api answer": lambda c: c.put(f"/api/v1/reflections/{reflect_token}/{prompt}",
                                      json={"answer": answer}),
        "api unsubscribe": lambda c: c.post(f"/api/v1/unsubscribe/{links.unsubscribe[13:]}"),
    }


def _dave_links(client: TestClient, runtime: Runtime, sink: SmtpSink,
                clock: ManualClock) -> OldLinks:
    stage = first_stage_email(client, runtime, sink, clock, DAVE)
    [confirmation] = [m for m in sink.to(DAVE) if "/confirm/" in m.text]
    return OldLinks.of(confirmation, stage)


def _erase_by_page(client: TestClient, links: OldLinks, _: Runtime) -> None:
    assert client.post(f"{links.preferences}/erase").status_code == 200


def _erase_by_admin(client: TestClient, _: OldLinks, runtime: Runtime) -> None:
    dave = partner(runtime, DAVE)
    assert client.delete(f"/api/v1/admin/partners/{dave.id}", headers=BEARER).status_code == 204


def _eve_snapshot(runtime: Runtime) -> tuple[object, ...]:
    with runtime.read_session() as session:
        eve = session.execute(select(Partner).where(Partner.email == EVE)).scalar_one()
        rows = (
            {k: v for k, v in vars(eve).items() if not k.startswith("_")},
            [(d.key, d.status) for d in session.execute(
                select(Delivery).where(Delivery.partner_id == eve.id)).scalars()],
            [(r.prompt_key, r.answer) for r in session.execute(
                select(Reflection).where(Reflection.partner_id == eve.id)).scalars()])
    return rows


@pytest.mark.parametrize("erase", [_erase_by_page, _erase_by_admin], ids=["page", "admin"])
def test_an_erased_persons_old_links_reach_nothing_of_whoever_signs_up_next(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        erase: Callable[[TestClient, OldLinks, Runtime], None]) -> None:
    links = _dave_links(client, runtime, smtp_sink, clock)
    erase(client, links, runtime)
    first_stage_email(client, runtime, smtp_sink, clock, EVE)
    before, counts = _eve_snapshot(runtime), row_counts(runtime)
    for use, call in _every_use(links).items():
        response = call(client)
        expected = 401 if use.startswith("api") else 400
        assert response.status_code == expected, use
        assert "Eve" not in response.text, use
        assert EVE not in response.text, use
    assert _eve_snapshot(runtime) == before
    assert row_counts(runtime) == counts


def test_ids_are_never_handed_out_again_after_an_erase(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    links = _dave_links(client, runtime, smtp_sink, clock)
    dave = partner(runtime, DAVE)
    _erase_by_page(client, links, runtime)
    eve = enrol(client, runtime, smtp_sink, EVE)
    assert eve.id > dave.id
    assert eve.couple_id > dave.couple_id
    with runtime.read_session() as session:
        assert session.get(Couple, dave.couple_id) is None


def test_every_person_gets_their_own_unguessable_link_holder(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    client.post("/api/v1/signups", json=signup_body())
    holders = {p.public_id for p in (partner(runtime, "ana@example.org"),
                                     partner(runtime, "ben@example.org"))}
    assert len(holders) == 2
    assert all(len(h) >= 22 for h in holders)


# Links sent before links named a holder carry a row id ("p"), as the previous release
# made them.

def _legacy_token(settings: Settings, purpose: str, partner_id: int, issued: int) -> str:
    key = hashlib.sha256(f"reconnect-tokens:{settings.secret_key}".encode()).digest()
    body = base64.urlsafe_b64encode(json.dumps({"p": partner_id, "t": issued},
                                               separators=(",", ":")).encode())
    text = body.rstrip(b"=").decode()
    mac = hmac.new(key, f"{purpose}.{text}".encode(), hashlib.sha256).digest()[:16]
    return f"{text}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def test_a_link_from_before_holders_still_works_for_the_person_it_was_sent_to(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        settings: Settings) -> None:
    ana = enrol(client, runtime, smtp_sink)
    clock.advance(timedelta(days=2))
    token = _legacy_token(settings, "preferences", ana.id, int(clock.now().timestamp()))
    assert client.get(f"/preferences/{token}").status_code == 200


def test_a_link_from_before_holders_never_opens_a_person_created_after_it(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        settings: Settings) -> None:
    # On SQLite before ids stopped coming back, the next person could get the erased
    # one's id: a link issued before that person existed is someone else's.
    issued_before = int((clock.now() - timedelta(days=30)).timestamp())
    eve = enrol(client, runtime, smtp_sink, EVE)
    before = row_counts(runtime)
    for purpose, path in (("preferences", "/preferences/{}"), ("unsubscribe",
                                                               "/unsubscribe/{}")):
        token = _legacy_token(settings, purpose, eve.id, issued_before)
        assert client.get(path.format(token)).status_code == 400
        assert client.post(path.format(token)).status_code == 400
    assert partner(runtime, EVE).status == eve.status
    assert row_counts(runtime) == before

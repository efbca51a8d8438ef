"""Two saves of one question at the same instant, over a real server with two workers
(the same person on two devices, or a double tap): both are answered "Saved", one
reflection remains, holding one of the two answers whole, never a mix."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Reflection
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.flows import ANA, enrol, send_due_now
from tests.support.links import reflect_paths
from tests.support.rich_program import rich_programs
from tests.support.smtp import SmtpSink

pytestmark = [pytest.mark.process, pytest.mark.timeout(180)]


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"program_dir": rich_programs(tmp_path / "p")})


def _at_once(base: str, path: str, forms: list[dict[str, list[str]]]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(forms))
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def one(form: dict[str, list[str]]) -> None:
        with httpx.Client(base_url=base, timeout=20) as client:
            client.get("/healthz")
            barrier.wait()
            response = client.post(path, data=form)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=one, args=(form,)) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_different_multi_answers_at_once_leave_one_whole_answer(
        server: str, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    enrol(client, runtime, smtp_sink, ANA)
    clock.advance(timedelta(days=1))
    send_due_now(runtime)
    clock.advance(timedelta(days=7))
    send_due_now(runtime)
    path = next(p for p in reflect_paths(smtp_sink.to(ANA)[-1])
                if "/noticed?" in p).partition("?")[0]
    first, second = ["fewer-talks", "no-one"], ["less-touch", "more-screens"]
    answers = _at_once(server, path, [{"answer": first}, {"answer": second}])
    assert [a.status_code for a in answers] == [200, 200]
    assert all("Saved." in a.text for a in answers)
    with runtime.read_session() as session:
        rows = list(session.execute(select(Reflection)).scalars())
    assert len(rows) == 1
    assert rows[0].answer in (",".join(first), ",".join(second))

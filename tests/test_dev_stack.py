"""The embedded default: `reconnect dev` (what `make run` starts) is the real system."""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from reconnect.clock import TravellingClock
from reconnect.dev import outbox, timetravel
from reconnect.runtime import Runtime, build_runtime
from reconnect.settings import PROJECT_ROOT, Settings
from tests.support.http import wait_until_healthy
from tests.support.smtp import free_port


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONNECT_")}
    env.update(RECONNECT_DATA_DIR=str(tmp_path),
               RECONNECT_DATABASE_URL=f"sqlite:///{tmp_path / 'dev.db'}",
               RECONNECT_SMTP_PORT=str(free_port()))
    process = subprocess.Popen([sys.executable, "-m", "cli", "dev", "--port",
                                str(port)], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base)
        yield base, tmp_path
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output


def _wait_for_mail(directory: Path, count: int) -> list[Path]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = sorted(directory.glob("*.eml"))
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"expected {count} messages in the outbox")


def test_the_embedded_stack_signs_up_confirms_and_fast_forwards(
        stack: tuple[str, Path]) -> None:
    base, data = stack
    signup = httpx.post(f"{base}/api/v1/signups", json={
        "email": "ana@example.org", "first_name": "Ana", "timezone": "Europe/Lisbon",
        "send_hour": 9})
    assert signup.status_code == 202
    [confirmation] = _wait_for_mail(data / "outbox", 1)
    listing = httpx.get(f"{base}/dev/outbox").text
    assert "Please confirm your email" in listing
    msg = email.message_from_bytes(confirmation.read_bytes(), policy=email.policy.default)
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"http\S+/confirm/\S+", text)
    assert link is not None
    assert httpx.post(link.group(0)).status_code == 200
    skipped = httpx.post(f"{base}/dev/clock/next")
    assert skipped.status_code == 303
    _wait_for_mail(data / "outbox", 2)
    assert "Welcome" in httpx.get(f"{base}/dev/outbox").text


def test_fast_forwarding_moves_every_process_clock(runtime: Runtime, tmp_path: Path) -> None:
    settings: Settings = runtime.settings.model_copy(update={"time_travel": True})
    travelling = build_runtime(settings)
    other_process = build_runtime(settings)
    try:
        assert isinstance(travelling.clock, TravellingClock)
        before = other_process.clock.now()
        timetravel.advance(travelling, 7 * 86400)
        assert isinstance(other_process.clock, TravellingClock)
        other_process.clock.forget()
        gap = other_process.clock.now() - before
        assert 7 * 86400 <= gap.total_seconds() < 7 * 86400 + 60
    finally:
        travelling.close()
        other_process.close()


def test_time_travel_is_refused_unless_enabled(runtime: Runtime) -> None:
    with pytest.raises(timetravel.TimeTravelDisabled):
        timetravel.advance(runtime, 60)


def test_the_outbox_only_opens_files_it_wrote(tmp_path: Path) -> None:
    stored = outbox.store(tmp_path, b"Subject: hi\r\nTo: a@example.org\r\n\r\nhello\r\n")
    assert outbox.read_message(tmp_path, stored.name) is not None
    assert outbox.read_message(tmp_path, "../../etc/passwd") is None


def test_production_refuses_the_placeholder_secret() -> None:
    with pytest.raises(ValueError, match="RECONNECT_SECRET_KEY"):
        Settings(_env_file=None, env="production", redis_url="redis://x")


def test_production_refuses_development_tools() -> None:
    with pytest.raises(ValueError, match="RECONNECT_TIME_TRAVEL"):
        Settings(_env_file=None, env="production", secret_key="s" * 40,
                 redis_url="redis://x", time_travel=True)

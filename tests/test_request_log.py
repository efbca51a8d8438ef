"""Structured logs: every line of a request carries its id, the id travels back in the
response, and the one line per request names the route, never a path with a token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reconnect.logging import JsonFormatter, bind, bound, unbind
from tests.support.flows import send_due_now, signup_body
from tests.support.links import confirm_path
from tests.support.smtp import SmtpSink

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def lines() -> Iterator[Lines]:
    """The JSON lines every logger has written so far in the test, as a server writes
    them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def request_lines(lines: Lines) -> list[dict[str, Any]]:
    return [line for line in lines() if line["event"] == "request"]


def test_a_response_carries_a_new_request_id(client: TestClient) -> None:
    first = client.get("/healthz").headers["x-request-id"]
    second = client.get("/healthz").headers["x-request-id"]
    assert len(first) == 32
    assert first != second


def test_a_callers_sane_request_id_is_kept(client: TestClient) -> None:
    given = "edge-7f3a9c21-0001"
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["x-request-id"] \
        == given


@pytest.mark.parametrize("given", ["short", "has spaces in it", "x" * 65, "<script>x</script>",
                                   '{"level":"fake"}'])
def test_a_request_id_that_could_spoil_the_logs_is_replaced(client: TestClient,
                                                             given: str) -> None:
    answered = client.get("/healthz", headers={"X-Request-ID": given})
    assert answered.headers["x-request-id"] != given


def test_each_request_logs_one_line_with_its_route_status_and_time(
        client: TestClient, lines: Lines) -> None:
    response = client.get("/")
    [line] = [x for x in request_lines(lines)
              if x["request_id"] == response.headers["x-request-id"]]
    assert (line["method"], line["route"], line["status"]) == ("GET", "/", 200)
    assert line["duration_ms"] >= 0
    assert line["level"] == "info"


def test_the_request_line_names_the_route_not_the_token_in_the_path(
        client: TestClient, smtp_sink: SmtpSink, lines: Lines) -> None:
    assert client.post("/api/v1/signups", json=signup_body(partner_email=None,
                                                           partner_first_name=None)
                       ).status_code == 202
    send_due_now(client.app.state.runtime)  # type: ignore[attr-defined]
    path = confirm_path(smtp_sink.messages[-1])
    client.get(path)
    token = path.rsplit("/", 1)[1]
    assert any(x["route"] == "/confirm/{token}" for x in request_lines(lines))
    # The test's HTTP client logs the URLs it calls; the server must not.
    server = [x for x in lines() if not x["logger"].startswith(("httpx", "mail.log"))]
    assert all(token not in json.dumps(x) for x in server)


def test_healthchecks_are_logged_only_at_debug_level(client: TestClient,
                                                     lines: Lines) -> None:
    client.get("/healthz")
    assert not [x for x in request_lines(lines) if x["route"] == "/healthz"]


def test_lines_logged_inside_a_request_carry_its_id(client: TestClient,
                                                    lines: Lines) -> None:
    def probe() -> dict[str, str]:  # stands for any endpoint or service that logs
        logging.getLogger("reconnect.probe").info("probed")
        return {}

    client.app.add_api_route("/probe", probe)  # type: ignore[attr-defined]
    request_id = client.get("/probe").headers["x-request-id"]
    [line] = [x for x in lines() if x["event"] == "probed"]
    assert line["request_id"] == request_id


def test_bound_ids_appear_on_lines_and_go_away_after() -> None:
    record = logging.makeLogRecord({"msg": "sent", "levelno": 20, "levelname": "INFO"})
    with bound(task_id="t-1"):
        inside = json.loads(JsonFormatter().format(record))
    after = json.loads(JsonFormatter().format(record))
    assert inside["task_id"] == "t-1"
    assert "task_id" not in after


def test_a_task_id_bound_by_the_worker_is_removed_when_the_task_ends() -> None:
    record = logging.makeLogRecord({"msg": "dispatched", "levelno": 20, "levelname": "INFO"})
    bind(task_id="t-2", task="reconnect.dispatch_due")
    during = json.loads(JsonFormatter().format(record))
    unbind("task_id", "task")
    after = json.loads(JsonFormatter().format(record))
    assert (during["task_id"], during["task"]) == ("t-2", "reconnect.dispatch_due")
    assert "task_id" not in after

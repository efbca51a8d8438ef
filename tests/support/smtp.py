"""A real SMTP server (aiosmtpd) in the test process that records what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    rcpt: tuple[str, ...]
    message: EmailMessage
    mail_from: str = ""  # the envelope sender, where bounces go

    @property
    def to(self) -> str:
        return self.rcpt[0]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert isinstance(part, EmailMessage)
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert isinstance(part, EmailMessage)
        return str(part.get_content())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SinkHandler:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        # Set to an SMTP reply such as "451 try later" to make the sink refuse mail.
        self.reply_override: str | None = None
        # Seconds to take over each message: widens the window a fault test aims at.
        self.delay = 0.0
        # Recipient address -> SMTP reply refusing it at RCPT TO (e.g. "550 no such user").
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        refusal = self.refuse.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.reply_override:
            return self.reply_override
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            self.messages.append(Received(tuple(envelope.rcpt_tos), msg,
                                          str(envelope.mail_from or "")))
        return "250 OK"


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        # A fixed port lets a test bring "the same" server back after stopping it.
        self.handler = SinkHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1",
                                     port=port or free_port())
        self.running = False

    def start(self) -> None:
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.messages.clear()
        self.handler.reply_override = None
        self.handler.delay = 0.0
        self.handler.refuse.clear()

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt]

    def wait_for(self, predicate: Callable[[list[Received]], bool],
                 timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = self.messages
            if predicate(current):
                return current
            time.sleep(0.05)
        subjects = [m.subject for m in self.messages]
        raise AssertionError(f"timed out waiting for mail; have {subjects}")

    def wait_count(self, count: int, timeout: float = 20.0) -> list[Received]:
        return self.wait_for(lambda msgs: len(msgs) >= count, timeout)


@contextmanager
def authenticating_sink(user: str = "relay-user",
                        password: str = "relay-password") -> Iterator[int]:
    """A relay that wants a login (plain AUTH, no TLS: loopback only); yields its port."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str,
              auth_data: Any) -> AuthResult:
        good = isinstance(auth_data, LoginPassword) and \
            (auth_data.login, auth_data.password) == (user.encode(), password.encode())
        return AuthResult(success=good, handled=False)

    controller = Controller(SinkHandler(), hostname="127.0.0.1", port=free_port(),
                            authenticator=check, auth_require_tls=False)
    controller.start()
    try:
        yield int(controller.port)
    finally:
        controller.stop()

"""A stand-alone SMTP sink for checks outside pytest (scripts/image-check): every message
it accepts is appended to an mbox file. Runs until it is stopped."""

from __future__ import annotations

import argparse
import mailbox
import signal
import threading
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller


class _Appender:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            box = mailbox.mbox(self.path)
            box.add(message_from_bytes(envelope.original_content or envelope.content))
            box.close()
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True, help="the mbox file to append to")
    args = parser.parse_args()
    controller = Controller(_Appender(args.out), hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()

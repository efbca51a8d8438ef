"""What an email shows before it is opened: sender name, subject and preheader. A reader
in discreet mode gets the program's neutral ones on every email kind, so nothing on a
shared screen or lock screen says what the program is about."""

from __future__ import annotations

from dataclasses import dataclass

from reconnect.program.model import Program


@dataclass(frozen=True)
class Envelope:
    sender_name: str
    subject: str
    preheader: str
    discreet: bool = False


def envelope(program: Program, subject: str, preheader: str, *, discreet: bool) -> Envelope:
    """The email's own subject and preheader under the program's sender name, or the
    program's discreet ones when the reader chose discreet mode."""
    if discreet:
        neutral = program.discreet_envelope
        return Envelope(neutral.sender_name, neutral.subject, neutral.preheader, True)
    return Envelope(program.sender_name, subject, preheader)

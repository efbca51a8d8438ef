"""All SQL about signups waiting to be processed, and invitation blocks."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reconnect.db.inbox import take, take_oldest
from reconnect.models import InviteBlock, SignupRequest
from reconnect.signups.schemas import SignupRequest as ReceivedSignup

# On the table, not the mapped class: the ORM's path for an INSERT costs more than it.
_TABLE = cast(Table, SignupRequest.__table__)
_ADD_SIGNUP = insert(_TABLE).returning(_TABLE.c.id)


class SignupInbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, request: ReceivedSignup, program: str, received_at: datetime) -> int:
        # One prepared Core statement on the session's connection: this runs on every
        # signup, and the ORM's bookkeeping for a row nobody reads back costs more than
        # the INSERT itself.
        return int(self.session.connection().execute(_ADD_SIGNUP, {
            "email": request.email, "first_name": request.first_name,
            "timezone": request.timezone, "send_hour": request.send_hour,
            "partner_email": request.partner_email,
            "partner_first_name": request.partner_first_name, "program": program,
            "discreet": request.discreet, "received_at": received_at}).scalar_one())

    def take(self, request_id: int) -> SignupRequest | None:
        return take(self.session, SignupRequest, request_id)

    def take_next(self, passed: Collection[int] = ()) -> SignupRequest | None:
        """The oldest waiting request other than ``passed``, removed (see take_oldest)."""
        return take_oldest(self.session, SignupRequest, passed)

    def waiting_since(self, before: datetime, limit: int) -> list[int]:
        return list(self.session.execute(
            select(SignupRequest.id).where(SignupRequest.received_at < before)
            .order_by(SignupRequest.id).limit(limit)).scalars())


class InviteBlocks:
    def __init__(self, session: Session) -> None:
        self.session = session

    def blocked(self, address_hash: str) -> bool:
        return self.session.get(InviteBlock, address_hash) is not None

    def block(self, address_hash: str, now: datetime) -> None:
        """Idempotent, also when two requests block the same address at once."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.session.execute(insert(InviteBlock).values(address_hash=address_hash,
                                                        created_at=now)
                             .on_conflict_do_nothing(index_elements=["address_hash"]))

"""All SQL about signups waiting to be processed, and invitation blocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reconnect.models import InviteBlock, SignupRequest


class SignupInbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, request: SignupRequest) -> int:
        self.session.add(request)
        self.session.flush()
        return request.id

    def take(self, request_id: int) -> SignupRequest | None:
        """Removes the request and returns it, or None if another process already took
        it. The delete is the claim: whoever's transaction deleted the row processes it,
        and a rollback puts it back for the next attempt."""
        return self.session.execute(
            delete(SignupRequest).where(SignupRequest.id == request_id)
            .returning(SignupRequest).execution_options(synchronize_session=False)
        ).scalar_one_or_none()

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

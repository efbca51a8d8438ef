"""The registered versions of the programs, and how a command names one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reconnect.models import Partner, PartnerStatus, ProgramVersion
from reconnect.program.catalog import ProgramCatalog
from reconnect.program.model import Program

# Enough of a content hash to name a version without ambiguity in practice.
MIN_HASH_PREFIX = 6


class UnknownVersion(LookupError):
    pass


@dataclass(frozen=True)
class VersionInfo:
    id: int
    slug: str
    content_hash: str
    registered_at: datetime
    active_partners: int
    is_current: bool


def list_versions(session: Session, catalog: ProgramCatalog,
                  slug: str | None = None) -> list[VersionInfo]:
    """Every registered version, oldest first, with how many partners are on it."""
    in_program = select(Partner.program_version_id, func.count().label("n")) \
        .where(Partner.status == PartnerStatus.ACTIVE) \
        .group_by(Partner.program_version_id).subquery()
    query = select(ProgramVersion.id, ProgramVersion.slug, ProgramVersion.content_hash,
                   ProgramVersion.registered_at, func.coalesce(in_program.c.n, 0)) \
        .outerjoin(in_program, in_program.c.program_version_id == ProgramVersion.id) \
        .order_by(ProgramVersion.id)
    if slug is not None:
        query = query.where(ProgramVersion.slug == slug)
    current = {catalog.current(s)[0] for s in catalog.loaded_slugs()}
    return [VersionInfo(id=row[0], slug=row[1], content_hash=row[2], registered_at=row[3],
                        active_partners=int(row[4]), is_current=row[0] in current)
            for row in session.execute(query)]


def resolve(session: Session, catalog: ProgramCatalog, reference: str,
            slug: str | None = None) -> tuple[int, Program]:
    """A version named by its number, a prefix of its content hash, or ``current``
    (the version the program's files on disk are now registered as)."""
    reference = reference.strip().lower()
    if reference == "current":
        return catalog.current(slug)
    if reference.isdigit():
        row = session.get(ProgramVersion, int(reference))
        if row is None:
            raise UnknownVersion(f"there is no version {reference}; "
                                 "`reconnect program versions` lists them")
        return row.id, catalog.version(session, row.id)
    if len(reference) < MIN_HASH_PREFIX:
        raise UnknownVersion(f"'{reference}' is neither a version number nor at least "
                             f"{MIN_HASH_PREFIX} characters of a content hash")
    ids = list(session.execute(select(ProgramVersion.id).where(
        ProgramVersion.content_hash.startswith(reference, autoescape=True))).scalars())
    if len(ids) != 1:
        raise UnknownVersion(f"{len(ids)} versions have a content hash starting with "
                             f"'{reference}'; give more characters or the version number")
    return ids[0], catalog.version(session, ids[0])

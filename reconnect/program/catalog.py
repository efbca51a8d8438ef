"""Which program versions exist, and which one a partner is pinned to.

Each distinct content of a program directory is registered once as a version (its
content hash). New enrollments take the current version; a partner keeps the version
they confirmed on, rendered from the files stored with it, whatever happens on disk.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reconnect.models import ProgramVersion
from reconnect.program.loader import parse_program, parse_program_dir, read_program_files
from reconnect.program.model import Program

log = logging.getLogger(__name__)


class UnknownProgram(LookupError):
    pass


class ProgramCatalog:
    def __init__(self, program_dir: Path, default_slug: str) -> None:
        self.program_dir = program_dir
        self.default_slug = default_slug
        self._current: dict[str, tuple[int, Program]] = {}
        self._versions: dict[int, Program] = {}
        self._lock = threading.Lock()

    def slugs_on_disk(self) -> list[str]:
        return sorted(p.parent.name for p in self.program_dir.glob("*/program.yaml"))

    def loaded_slugs(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._current)

    def load(self, factory: sessionmaker[Session], now: datetime) -> None:
        """Validates every program on disk and registers its version; raises ProgramError."""
        slugs = self.slugs_on_disk()
        if self.default_slug not in slugs:
            raise UnknownProgram(f"no program '{self.default_slug}' in {self.program_dir}")
        for slug in slugs:
            files = read_program_files(self.program_dir / slug)
            program = parse_program_dir(self.program_dir / slug, files)
            version_id = _register(factory, program, files, now)
            with self._lock:
                self._current[slug] = (version_id, program)
                self._versions[version_id] = program
            log.info("program loaded", extra={"slug": slug, "version": version_id,
                                               "stages": len(program.stages)})

    def current(self, slug: str | None = None) -> tuple[int, Program]:
        with self._lock:
            found = self._current.get(slug or self.default_slug)
        if found is None:
            raise UnknownProgram(slug or self.default_slug)
        return found

    def version(self, session: Session, version_id: int) -> Program:
        with self._lock:
            cached = self._versions.get(version_id)
        if cached is not None:
            return cached
        row = session.get(ProgramVersion, version_id)
        if row is None:
            raise UnknownProgram(f"program version {version_id}")
        program = parse_program({str(k): str(v) for k, v in row.files.items()})
        with self._lock:
            self._versions[version_id] = program
        return program


def _register(factory: sessionmaker[Session], program: Program, files: dict[str, str],
              now: datetime) -> int:
    def find(session: Session) -> int | None:
        return session.execute(
            select(ProgramVersion.id).where(ProgramVersion.slug == program.slug,
                                            ProgramVersion.content_hash == program.content_hash)
        ).scalar_one_or_none()

    for _ in range(2):
        with factory() as session:
            existing = find(session)
            if existing is not None:
                return existing
            row = ProgramVersion(slug=program.slug, content_hash=program.content_hash,
                                 files=files, registered_at=now)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                # Another process registered the same content first; use theirs.
                session.rollback()
                continue
            return row.id
    raise RuntimeError(f"could not register program {program.slug}")

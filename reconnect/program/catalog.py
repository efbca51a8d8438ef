"""Which program versions exist, and which one a partner is pinned to.

Each distinct content of a program directory is registered once as a version (its
content hash). New enrollments take the current version; a partner keeps the version
they confirmed on, rendered from the files stored with it, whatever happens on disk.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reconnect.models import ProgramVersion
from reconnect.program.loader import (
    ProgramError,
    content_hash,
    parse_program,
    parse_program_dir,
    program_dirs,
    program_files,
    read_program_files,
)
from reconnect.program.model import Program

log = logging.getLogger(__name__)


class UnknownProgram(LookupError):
    pass


class ProgramCatalog:
    def __init__(self, program_dir: Path, default_slug: str, reload_seconds: float = 0.0,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.program_dir = program_dir
        self.default_slug = default_slug
        self.reload_seconds = reload_seconds
        self._now = now
        self._factory: sessionmaker[Session] | None = None
        self._current: dict[str, tuple[int, Program]] = {}
        self._versions: dict[int, Program] = {}
        # The files' (name, size, mtime) at the last look, per program: an unchanged
        # folder is not read again, and a broken edit is logged once, not on every look.
        self._seen: dict[str, tuple[tuple[str, int, int], ...]] = {}
        self._next_look = 0.0
        self._lock = threading.Lock()
        self._looking = threading.Lock()

    def slugs_on_disk(self) -> list[str]:
        return [directory.name for directory in program_dirs(self.program_dir)]

    def loaded_slugs(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._current)

    def loaded_programs(self) -> list[Program]:
        """The current version of each loaded program, for offering a choice: the
        default first, then the others by slug. Read-only."""
        with self._lock:
            programs = [program for _, program in self._current.values()]
        return sorted(programs, key=lambda p: (p.slug != self.default_slug, p.slug))

    def load(self, factory: sessionmaker[Session], now: datetime) -> None:
        """Validates every program on disk and registers its version.

        A program whose files do not validate is served from its last good version
        (the newest registered one) and the problems are logged; with no good version
        to fall back on, this raises ProgramError."""
        self._factory = factory
        slugs = self.slugs_on_disk()
        if self.default_slug not in slugs:
            raise UnknownProgram(f"no program '{self.default_slug}' in {self.program_dir}")
        for slug in slugs:
            self._seen[slug] = _fingerprint(self.program_dir / slug)
            try:
                self._take(factory, slug, now)
            except ProgramError as exc:
                fallback = _last_good(factory, slug)
                if fallback is None:
                    raise
                _log_refused(slug, exc, fallback[0])
                self._install(slug, *fallback)
        self._next_look = time.monotonic() + self.reload_seconds

    def refresh(self) -> None:
        """Takes edited program files that validate; keeps the last good version if not."""
        factory = self._factory
        if factory is None or not self._looking.acquire(blocking=False):
            return  # not loaded yet, or another thread is already looking
        try:
            self._next_look = time.monotonic() + self.reload_seconds
            for slug in self.slugs_on_disk():
                fingerprint = _fingerprint(self.program_dir / slug)
                if self._seen.get(slug) == fingerprint:
                    continue
                try:
                    self._take(factory, slug, self._now())
                except ProgramError as exc:
                    with self._lock:
                        kept = self._current.get(slug)
                    _log_refused(slug, exc, kept[0] if kept else None)
                except Exception:
                    # The database hiccuped while registering: not the edit's fault, and
                    # not the request's. Left unseen, the edit is taken at the next look.
                    log.exception("program reload failed; will try again",
                                  extra={"slug": slug})
                    continue
                self._seen[slug] = fingerprint
        finally:
            self._looking.release()

    def _take(self, factory: sessionmaker[Session], slug: str, now: datetime) -> None:
        files = read_program_files(self.program_dir / slug)
        with self._lock:
            current = self._current.get(slug)
        if current is not None and current[1].content_hash == content_hash(files):
            return  # touched, not changed
        program = parse_program_dir(self.program_dir / slug, files)
        version_id = _register(factory, program, files, now)
        self._install(slug, version_id, program)
        log.info("program loaded", extra={"slug": slug, "version": version_id,
                                           "stages": len(program.stages)})

    def _install(self, slug: str, version_id: int, program: Program) -> None:
        with self._lock:
            self._current[slug] = (version_id, program)
            self._versions[version_id] = program

    def due_for_a_look(self) -> bool:
        return self._factory is not None and time.monotonic() >= self._next_look

    def refresh_if_due(self) -> None:
        """Called between requests and between tasks, never inside a transaction: taking
        a new version writes it to the database, and on SQLite a second writer waits."""
        if self.due_for_a_look():
            self.refresh()

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


def _fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    found = []
    for path in program_files(directory):
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def _last_good(factory: sessionmaker[Session], slug: str) -> tuple[int, Program] | None:
    with factory() as session:
        row = session.execute(
            select(ProgramVersion).where(ProgramVersion.slug == slug)
            .order_by(ProgramVersion.id.desc()).limit(1)
        ).scalar_one_or_none()
        if row is None:
            return None
        return row.id, parse_program({str(k): str(v) for k, v in row.files.items()})


def _log_refused(slug: str, exc: ProgramError, kept: int | None) -> None:
    log.error("program reload refused: the files do not validate; still sending the last "
              "good version", extra={"slug": slug, "kept_version": kept,
                                     "problems": [str(p) for p in exc.problems]})


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

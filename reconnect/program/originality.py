"""Runs of words a text shares with a source it must not copy, found by fingerprint: a
short hash per run of eight words, so the source itself need not be kept."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

RUN = 8  # words: long enough that sharing one is copying, not common phrasing
_WORD = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    text = text.replace("’", "'").replace("‘", "'").lower()
    return _WORD.findall(text)


def _hash(run: tuple[str, ...]) -> str:
    return hashlib.sha256(" ".join(run).encode()).hexdigest()[:16]


def _runs(text: str) -> Iterator[tuple[str, ...]]:
    found = words(text)
    for start in range(len(found) - RUN + 1):
        yield tuple(found[start:start + RUN])


def fingerprints(text: str) -> set[str]:
    return {_hash(run) for run in _runs(text)}


def shared_runs(text: str, source: set[str]) -> list[str]:
    """Each run of eight words in ``text`` whose fingerprint is in ``source``."""
    return [" ".join(run) for run in _runs(text) if _hash(run) in source]

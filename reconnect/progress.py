"""A progress bar for commands that work through many stages or partners.

Drawn on standard error, so a command's output stays clean when piped; on a terminal
it updates in place, elsewhere (CI logs, files) it prints nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Yields ``items`` while showing how far through them the command is."""
    if total is None and isinstance(items, Sized):
        total = len(items)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        yield from progress.track(items, total=total, description=description)

"""The time zone picker's choices: one entry per real zone, with its offset from UTC now.

The full IANA list has hundreds of aliases (``US/Eastern``, ``Asia/Calcutta``, links kept
for old systems) that name the same clocks as a canonical zone and only make the list
longer. ``zone1970.tab`` lists each canonical zone once, so the picker offers those. Any
name Python knows is still accepted when posted (``validation.clean_timezone``), so a
person whose stored zone is an alias keeps it, and it is shown to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from reconnect.validation import known_timezones


@dataclass(frozen=True)
class ZoneChoice:
    name: str
    label: str  # "Europe/Lisbon (UTC+01:00)": the name first, so type-ahead finds it


@lru_cache(maxsize=1)
def canonical_zones() -> tuple[str, ...]:
    text = resources.files("tzdata").joinpath("zoneinfo", "zone1970.tab").read_text("utf-8")
    names = {line.split("\t")[2] for line in text.splitlines()
             if line and not line.startswith("#")}
    return tuple(sorted(names & known_timezones()))


def utc_offset(zone: str, now: datetime) -> str:
    offset = now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_choices(now: datetime, current: str | None = None) -> list[ZoneChoice]:
    """The canonical zones with today's offsets (they change with daylight saving time),
    plus ``current`` if it is an alias someone already has."""
    names = list(canonical_zones())
    if current and current not in names and current in known_timezones():
        names = sorted([*names, current])
    return [ZoneChoice(name, f"{name.replace('_', ' ')} ({utc_offset(name, now)})")
            for name in names]

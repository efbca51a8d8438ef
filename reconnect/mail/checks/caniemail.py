"""caniemail.com's support data (its npm package, fetched by ``scripts/fetch-caniemail``
into ``.venv/share``) and the mail clients every email is checked for.

For each client the verdict is caniemail's most recent test of it: the last entry it
lists for that client's platform (Outlook for Windows' entries are its Word-based
versions, 2007 to 2021, which draw HTML the same way).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from reconnect.settings import PROJECT_ROOT

# Pinned, so the check gives the same answer until the pin is moved on purpose; the same
# number is in scripts/fetch-caniemail.
CANIEMAIL_VERSION = "2.0.2"
DATA_FILE = PROJECT_ROOT / ".venv" / "share" / f"caniemail-{CANIEMAIL_VERSION}" / \
    "caniemail.json"


class Level(StrEnum):
    SUPPORTED = "y"
    PARTIAL = "a"
    UNSUPPORTED = "n"
    UNKNOWN = "u"


@dataclass(frozen=True)
class Client:
    key: str
    name: str
    family: str  # caniemail's names
    platform: str


CLIENTS = (
    Client("gmail-web", "Gmail (web)", "gmail", "desktop-webmail"),
    Client("gmail-ios", "Gmail (iOS)", "gmail", "ios"),
    Client("gmail-android", "Gmail (Android)", "gmail", "android"),
    Client("outlook-windows", "Outlook for Windows", "outlook", "windows"),
    Client("outlook-macos", "Outlook for macOS", "outlook", "macos"),
    Client("outlook-com", "Outlook.com", "outlook", "outlook-com"),
    Client("outlook-ios", "Outlook for iOS", "outlook", "ios"),
    Client("apple-mail-macos", "Apple Mail (macOS)", "apple-mail", "macos"),
    Client("apple-mail-ios", "Apple Mail (iOS)", "apple-mail", "ios"),
    Client("yahoo-web", "Yahoo Mail (web)", "yahoo", "desktop-webmail"),
    Client("yahoo-ios", "Yahoo Mail (iOS)", "yahoo", "ios"),
    Client("yahoo-android", "Yahoo Mail (Android)", "yahoo", "android"),
)
CLIENT_KEYS = frozenset(client.key for client in CLIENTS)


@dataclass(frozen=True)
class Verdict:
    level: Level
    version: str  # the client version caniemail tested last ("" when never tested)
    notes: tuple[str, ...]  # caniemail's notes on that test, in words


@dataclass(frozen=True)
class Feature:
    slug: str
    title: str
    url: str
    stats: Mapping[str, Mapping[str, Mapping[str, str]]]
    notes: Mapping[str, str]

    def verdict(self, client: Client) -> Verdict:
        tests = self.stats.get(client.family, {}).get(client.platform, {})
        if not tests:
            return Verdict(Level.UNKNOWN, "", ())
        version, result = list(tests.items())[-1]
        level, *refs = result.split()
        notes = tuple(self.notes.get(ref.lstrip("#"), ref) for ref in refs)
        return Verdict(Level(level) if level in Level._value2member_map_ else Level.UNKNOWN,
                       version, notes)


class SupportDataMissing(FileNotFoundError):
    """The data is not fetched (``scripts/fetch-caniemail`` needs npm and the network
    once)."""


@dataclass(frozen=True)
class SupportData:
    updated: str  # caniemail's last_update_date
    features: Mapping[str, Feature]

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SupportData:
        return cls(str(raw.get("last_update_date", "")), {
            item["slug"]: Feature(item["slug"], item["title"], item.get("url") or "",
                                  item.get("stats") or {}, item.get("notes_by_num") or {})
            for item in raw["data"]})


@lru_cache(maxsize=4)
def load_support_data(path: Path = DATA_FILE) -> SupportData:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SupportDataMissing(
            f"caniemail's data is not at {path}: run scripts/fetch-caniemail "
            "(it needs npm and the network once)") from exc
    return SupportData.from_json(raw)

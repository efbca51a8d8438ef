"""Crisis and support lines by region, the person's own region first.

The region comes from the person's IANA time zone (the tz database's zone.tab names the
country of each zone). Numbers are those each service publishes for the whole country;
``tel:`` and ``sms:`` links let a phone call or text them in one tap.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# The member states, where 112 reaches emergency services and 116 006 (where a country
# runs it) helps victims of crime.
EU = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"})


@dataclass(frozen=True)
class Line:
    name: str
    number: str  # as written locally
    dial: str  # for tel:/sms: (digits, with + for international)
    what: str
    text: bool = False  # also takes text messages

    @property
    def tel(self) -> str:
        return f"tel:{self.dial}"

    @property
    def sms(self) -> str:
        return f"sms:{self.dial}"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    emergency: Line
    lines: tuple[Line, ...]


REGIONS: tuple[Region, ...] = (
    Region("US", "United States", Line("Emergency", "911", "911", "police, ambulance"), (
        Line("National Domestic Violence Hotline", "1-800-799-7233", "+18007997233",
             "day and night, confidential; or text START to 88788"),
        Line("988 Suicide & Crisis Lifeline", "988", "988",
             "call or text, day and night", text=True),
    )),
    Region("GB", "United Kingdom", Line("Emergency", "999", "999", "police, ambulance"), (
        Line("National Domestic Abuse Helpline", "0808 2000 247", "08082000247",
             "free, day and night"),
        Line("Samaritans", "116 123", "116123", "free, day and night"),
    )),
    Region("IE", "Ireland", Line("Emergency", "112 or 999", "112", "police, ambulance"), (
        Line("Women's Aid National Freephone Helpline", "1800 341 900", "1800341900",
             "free, day and night"),
        Line("Samaritans", "116 123", "116123", "free, day and night"),
    )),
    Region("CA", "Canada", Line("Emergency", "911", "911", "police, ambulance"), (
        Line("9-8-8 Suicide Crisis Helpline", "988", "988", "call or text, day and night",
             text=True),
    )),
    Region("AU", "Australia", Line("Emergency", "000", "000", "police, ambulance"), (
        Line("1800RESPECT", "1800 737 732", "1800737732",
             "domestic, family and sexual violence counselling, day and night"),
        Line("Lifeline", "13 11 14", "131114", "day and night"),
    )),
    Region("NZ", "New Zealand", Line("Emergency", "111", "111", "police, ambulance"), (
        Line("Women's Refuge crisis line", "0800 733 843", "0800733843",
             "free, day and night"),
        Line("Need to talk?", "1737", "1737", "call or text a trained counsellor, free",
             text=True),
    )),
    Region("EU", "European Union", Line("Emergency", "112", "112", "police, ambulance"), (
        Line("Helpline for victims of crime", "116 006", "116006",
             "in the countries that run it"),
        Line("Emotional support", "116 123", "116123", "in the countries that run it"),
    )),
)
_BY_CODE = {region.code: region for region in REGIONS}


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    found = {}
    for row in table.splitlines():
        if row and not row.startswith("#"):
            country, _, zone, *_ = row.split("\t")
            found[zone] = country
    return found


def region_of(timezone: str) -> Region | None:
    """The region whose lines a person in ``timezone`` most likely needs, if we know it."""
    country = _zone_countries().get(timezone)
    if country is None:
        return None
    if country in _BY_CODE:
        return _BY_CODE[country]
    return _BY_CODE["EU"] if country in EU else None


def regions_for(timezone: str) -> tuple[Region | None, tuple[Region, ...]]:
    """The person's own region (or None) and every other region, in a fixed order."""
    own = region_of(timezone)
    return own, tuple(region for region in REGIONS if region is not own)

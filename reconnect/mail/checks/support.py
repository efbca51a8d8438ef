"""Checks the features an email uses against caniemail's data for every client in
:data:`~reconnect.mail.checks.caniemail.CLIENTS`: each one a client lacks or supports only
in part must be covered by the allow-list (:mod:`.allowances`), which says what covers it
there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reconnect.mail.checks.allowances import ALLOWANCES, Allowance
from reconnect.mail.checks.caniemail import CLIENTS, Client, Level, SupportData, Verdict
from reconnect.mail.checks.features import uses
from reconnect.mail.checks.html_tree import Document


@dataclass(frozen=True)
class Gap:
    """A feature the email uses that a client lacks, supports in part, or was not
    tested in."""

    feature: str
    title: str
    client: Client
    verdict: Verdict
    where: tuple[str, ...]  # the first few places it is used

    def describe(self) -> str:
        notes = f" ({'; '.join(self.verdict.notes)})" if self.verdict.notes else ""
        level = {Level.PARTIAL: "partly supported", Level.UNSUPPORTED: "not supported",
                 Level.UNKNOWN: "not tested"}.get(self.verdict.level, "")
        return (f"{self.title} [{self.feature}] is {level} in {self.client.name}{notes}; "
                f"used at {', '.join(self.where)}")


@dataclass(frozen=True)
class SupportReport:
    features: tuple[str, ...]  # every feature used, sorted
    covered: tuple[tuple[Gap, Allowance], ...]
    uncovered: tuple[Gap, ...]
    unknown: tuple[tuple[str, str], ...]  # (slug caniemail does not have, where)

    @property
    def ok(self) -> bool:
        return not self.uncovered and not self.unknown

    def problems(self) -> list[str]:
        return [gap.describe() + " — add a fallback and an entry to the allow-list, or "
                "stop using it" for gap in self.uncovered] + \
            [f"{slug} at {where}: no such feature in caniemail's data; map it in "
             "reconnect/mail/checks/features.py" for slug, where in self.unknown]


def check_support(doc: Document, data: SupportData,
                  allowances: Iterable[Allowance] = ALLOWANCES) -> SupportReport:
    places: dict[str, list[str]] = {}
    for use in uses(doc):
        seen = places.setdefault(use.feature, [])
        if len(seen) < 3 and use.where not in seen:
            seen.append(use.where)
    allowed = {(a.feature, client): a for a in allowances for client in a.clients}
    covered: list[tuple[Gap, Allowance]] = []
    uncovered: list[Gap] = []
    unknown: list[tuple[str, str]] = []
    for slug in sorted(places):
        feature = data.features.get(slug)
        if feature is None:
            unknown.append((slug, places[slug][0]))
            continue
        for client in CLIENTS:
            verdict = feature.verdict(client)
            if verdict.level is Level.SUPPORTED:
                continue
            gap = Gap(slug, feature.title, client, verdict, tuple(places[slug]))
            allowance = allowed.get((slug, client.key))
            if allowance is None:
                uncovered.append(gap)
            else:
                covered.append((gap, allowance))
    return SupportReport(tuple(sorted(places)), tuple(covered), tuple(uncovered),
                         tuple(unknown))


def unneeded_allowances(reports: Iterable[SupportReport],
                        allowances: Iterable[Allowance] = ALLOWANCES) -> list[str]:
    """Allow-list entries (feature, client) that no email needs: a fallback kept for a
    feature no longer used, or a client that since supports it."""
    needed = {(gap.feature, gap.client.key) for report in reports for gap, _ in report.covered}
    return [f"{a.feature} for {client}" for a in allowances for client in a.clients
            if (a.feature, client) not in needed]

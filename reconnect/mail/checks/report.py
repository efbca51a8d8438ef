"""All the checks of one rendered email, as the preview gallery shows them and the tests
assert them: client support, contrast, size and the plain-text part's lines."""

from __future__ import annotations

from dataclasses import dataclass

from reconnect.mail.checks.caniemail import (
    CLIENTS,
    SupportData,
    SupportDataMissing,
    load_support_data,
)
from reconnect.mail.checks.contrast import ContrastReport, check_contrast
from reconnect.mail.checks.html_tree import parse_html
from reconnect.mail.checks.support import SupportReport, check_support
from reconnect.mail.plain_text import is_within_width
from reconnect.mail.render import RenderedEmail

# Gmail clips a message whose HTML passes 102 KB behind a "[Message clipped]" link, and
# the footer with the unsubscribe and safety links is what gets cut.
CLIP_BYTES = 102 * 1024
SIZE_LIMIT = 60 * 1024  # ours stay well clear of it


@dataclass(frozen=True)
class EmailChecks:
    support: SupportReport | None  # None when caniemail's data is not fetched
    support_missing: str
    support_data_date: str  # when caniemail last updated the data checked against
    contrast: ContrastReport
    html_bytes: int
    long_lines: tuple[str, ...]
    clients: int = len(CLIENTS)

    @property
    def ok(self) -> bool:
        return (self.support is None or self.support.ok) and self.contrast.ok \
            and self.html_bytes <= SIZE_LIMIT and not self.long_lines

    def problems(self) -> list[str]:
        found = (self.support.problems() if self.support else []) + self.contrast.problems()
        if self.html_bytes > SIZE_LIMIT:
            found.append(f"the HTML part is {self.html_bytes / 1024:.1f} KB; keep it under "
                         f"{SIZE_LIMIT // 1024} KB (Gmail clips at 102 KB)")
        found += [f"plain-text line over 77 characters: {line!r}" for line in self.long_lines]
        return found


def check_email(email: RenderedEmail, data: SupportData | None = None) -> EmailChecks:
    doc = parse_html(email.html)
    missing = ""
    if data is None:
        try:
            data = load_support_data()
        except SupportDataMissing as exc:
            missing = str(exc)
    return EmailChecks(
        support=check_support(doc, data) if data is not None else None,
        support_missing=missing, support_data_date=data.updated[:10] if data else "",
        contrast=check_contrast(doc),
        html_bytes=len(email.html.encode()),
        long_lines=tuple(line for line in email.text.split("\n")
                         if not is_within_width(line)))

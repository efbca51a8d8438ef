"""Every email the system sends, rendered by the real renderer: each version of every
stage of every shipped program (sample readers, and every set of earlier answers that
changes the text), the confirmation, the invitation, each reminder, and the notices
about a person's links and address."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reconnect.editor.preview import stage_views
from reconnect.editor.preview_emails import other_emails
from reconnect.mail.render import RenderedEmail, reflect_url
from reconnect.program.loader import load_program_dir, program_dirs
from reconnect.sending.compose import footer_with_links
from reconnect.sending.notice_compose import (
    Wording,
    address_change_wording,
    links_wording,
    new_address_wording,
    render_notice,
    welcome_back_wording,
)
from reconnect.settings import PROJECT_ROOT, Environment, Settings

# As long as a real reflection token, so text parts are measured with real links.
TOKEN = ("eyJwIjoxMjM0NSwidCI6MTc2NDAwMDAwMCwicyI6InNoYXJlLXdpdGhvdXQtYmxhbWUifQ"
         ".MAC0123456789abcdefghi")
BASE = "https://reconnect.example.org"


@dataclass(frozen=True)
class SampleEmail:
    name: str  # program/stage/version, or program/kind
    email: RenderedEmail


@cache
def every_email() -> tuple[SampleEmail, ...]:
    settings = Settings(_env_file=None, env=Environment.TEST, base_url=BASE)
    found: list[SampleEmail] = []
    for directory in program_dirs(PROJECT_ROOT / "program"):
        program = load_program_dir(directory)
        for stage in program.stages:
            for view in stage_views(program, stage, settings,
                                    lambda key, value: reflect_url(BASE, TOKEN, key, value)):
                found.append(SampleEmail(f"{program.slug}/{stage.key}/{view.id}", view.email))
        found += [SampleEmail(f"{program.slug}/{other.id}", other.email)
                  for other in other_emails(program, settings)]
        footer = footer_with_links(settings, program, f"{BASE}/unsubscribe/{TOKEN}",
                                   lambda page: f"{BASE}/{page}/{TOKEN}")
        found += [SampleEmail(f"{program.slug}/notice-{name}",
                              render_notice(wording, "Ana", footer))
                  for name, wording in sample_notices().items()]
    return tuple(found)


def sample_notices() -> dict[str, Wording]:
    return {"links": links_wording(BASE, TOKEN),
            "welcome-back": welcome_back_wording(f"{BASE}/rejoin/{TOKEN}"),
            "new-address": new_address_wording(f"{BASE}/address/{TOKEN}"),
            "address-change": address_change_wording("ana.new@example.org",
                                                     f"{BASE}/preferences/{TOKEN}")}


EMAILS = every_email()
IDS = [sample.name for sample in EMAILS]

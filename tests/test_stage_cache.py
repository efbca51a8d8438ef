"""The stage cache gives, byte for byte, what a full render gives: every stage of both
shipped programs, for every reader (role and partner state), with earlier answers
unanswered, low and high, discreet or not, and names of every shape."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

import pytest

from reconnect.mail.render import RenderedEmail
from reconnect.program.audience import AUDIENCES, Audience
from reconnect.program.loader import load_program_dir
from reconnect.program.model import Program, Stage
from reconnect.program.reader import previous_stage
from reconnect.sending.compose import stage_cache_key, stage_drawing
from reconnect.sending.stage_cache import StageCache
from reconnect.settings import PROJECT_ROOT, Settings

PROGRAMS = {slug: load_program_dir(PROJECT_ROOT / "program" / slug)
            for slug in ("main", "check-in")}
# (first name, partner's name): plain ones are filled in; the others are rendered in full.
NAMES = [("Sam", "Alex"), ("Marie-Claire", "Jo Ann"), ("Zoë", "Þóra"), ("Ana", ""),
         ("O'Brien", "Lee"), ("Sam", "D'Arcy"), ("Ed & Co", "Kim"), ("Al", "Bo--Bo")]
TOKENS = {"reflect": "eyJoIjoiYWJjIn0.R4nd0m-_x", "unsubscribe": "dW5zdWI.Q_w-e",
          "preferences": "cHJlZnM.t0k3n"}
OTHER_TOKENS = {"reflect": "b3RoZXI.XyZ", "unsubscribe": "b3V0.abc-", "preferences": "cA.q_q"}


def _settings(reply_to: str | None = None) -> Settings:
    return Settings(_env_file=None, secret_key="s" * 40, base_url="https://reconnect.example",
                    reply_to=reply_to)


def _previous_sets(program: Program, stage: Stage) -> Iterator[dict[str, str]]:
    before = previous_stage(program, stage)
    if before is None:
        yield {}
        return
    yield {p.key: "" for p in before.prompts}
    yield {p.key: p.answers[0][0] for p in before.prompts}
    yield {p.key: p.answers[-1][0] for p in before.prompts}


def _cases() -> Iterator[tuple[str, str, Audience, dict[str, str], bool]]:
    for slug, program in PROGRAMS.items():
        for stage in program.stages:
            for audience, previous, discreet in product(
                    AUDIENCES, list(_previous_sets(program, stage)), (False, True)):
                yield slug, stage.key, audience, previous, discreet


def _both(cache: StageCache, settings: Settings, program: Program, stage: Stage,
          audience: Audience, previous: dict[str, str], discreet: bool,
          names: dict[str, str], tokens: dict[str, str]) -> tuple[RenderedEmail, RenderedEmail]:
    draw = stage_drawing(settings, program, stage, audience, previous, discreet)
    cached = cache.render(stage_cache_key(settings, program, stage, audience, previous,
                                          discreet), program, stage, names, tokens, draw)
    return cached, draw({**names, **tokens}, True)


@pytest.mark.parametrize(("slug", "stage_key", "audience", "previous", "discreet"),
                         list(_cases()))
def test_a_cached_stage_email_is_byte_for_byte_the_full_render(
        slug: str, stage_key: str, audience: Audience, previous: dict[str, str],
        discreet: bool) -> None:
    program = PROGRAMS[slug]
    stage = program.stage(stage_key)
    assert stage is not None
    cache = StageCache()
    settings = _settings()
    for first, partner in NAMES:
        for tokens in (TOKENS, OTHER_TOKENS):
            names = {"first_name": first,
                     "partner_name": partner if audience.has_partner_name else ""}
            cached, full = _both(cache, settings, program, stage, audience, previous,
                                 discreet, names, tokens)
            assert cached == full


def test_one_render_serves_every_reader_of_the_same_kind() -> None:
    program = PROGRAMS["main"]
    stage = program.stages[2]
    cache = StageCache()
    for first, partner in [("Sam", "Alex"), ("Robin", "Kai"), ("Ines", "Noor")]:
        _both(cache, _settings(), program, stage, Audience("inviter", "joined"), {}, False,
              {"first_name": first, "partner_name": partner}, TOKENS)
    assert (cache.misses, cache.hits, cache.full_renders) == (1, 2, 0)


def test_a_name_that_typography_could_change_is_rendered_in_full() -> None:
    program = PROGRAMS["main"]
    cache = StageCache()
    cached, full = _both(cache, _settings(), program, program.stages[2],
                         Audience("inviter", "joined"), {}, False,
                         {"first_name": "O'Brien", "partner_name": "Alex"}, TOKENS)
    assert cached == full
    assert (cache.misses, cache.full_renders) == (0, 1)


def test_settings_that_change_the_footer_are_part_of_the_key() -> None:
    program = PROGRAMS["main"]
    stage = program.stages[1]
    cache = StageCache()
    names = {"first_name": "Sam", "partner_name": "Alex"}
    audience = Audience("inviter", "joined")
    quiet, _ = _both(cache, _settings(), program, stage, audience, {}, False, names, TOKENS)
    read, full = _both(cache, _settings("care@reconnect.example"), program, stage, audience,
                       {}, False, names, TOKENS)
    assert read == full
    assert read.html != quiet.html


def test_a_text_that_does_more_with_a_name_than_print_it_is_rendered_in_full() -> None:
    program = PROGRAMS["main"]
    stage = program.stages[2]
    extra = "\n\n{{ first_name|upper }}, {{ partner_name|length }}"
    shouting = program.model_copy(update={"stages": tuple(
        s.model_copy(update={"body": s.body + extra}) if s.key == stage.key else s
        for s in program.stages)})
    changed = shouting.stage(stage.key)
    assert changed is not None
    cache = StageCache()
    cached, full = _both(cache, _settings(), shouting, changed, Audience("inviter", "joined"),
                         {}, False, {"first_name": "Sam", "partner_name": "Alex"}, TOKENS)
    assert cached == full
    assert "SAM, 4" in full.text
    assert cache.full_renders == 1

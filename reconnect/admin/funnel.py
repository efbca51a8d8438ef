"""The program's funnel (signed up → confirmed → each stage → completed) and its average
ratings, per program. Counts and means only.

Privacy: a mean over fewer than MIN_ANSWERS answers is hidden, so no one's answer can be
read off the dashboard (a mean of one answer *is* that answer).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from reconnect.admin.needs import Needs
from reconnect.admin.schemas import FunnelReport, FunnelStep, ProgramFunnel, RatingAverage
from reconnect.admin.service import InvalidInput
from reconnect.admin.stats_repository import StatsRepository
from reconnect.partners.leaving import REASONS
from reconnect.partners.notice_repository import LeavingReasons
from reconnect.program.model import Program

MIN_ANSWERS = 3
PRIVACY = (f"Averages over fewer than {MIN_ANSWERS} answers are hidden, so that no one's "
           "answer can be singled out.")


def funnel_report(session: Session, rt: Needs, slug: str | None = None) -> FunnelReport:
    """Every loaded program (default first), or just ``slug``."""
    programs = rt.programs.loaded_programs()
    if slug is not None:
        programs = [p for p in programs if p.slug == slug]
        if not programs:
            raise InvalidInput("program", f"There is no program '{slug}'.")
    reasons = LeavingReasons(session).all()
    return FunnelReport(min_answers=MIN_ANSWERS, privacy=PRIVACY,
                        programs=[_program(session, rt, p) for p in programs],
                        leaving_reasons={key: reasons.get(key, 0) for key in REASONS})


def _program(session: Session, rt: Needs, program: Program) -> ProgramFunnel:
    stats = StatsRepository(session)
    counts = stats.partner_counts(program.slug)
    reach = {r.key: r for r in stats.stage_reach(program.slug)}
    steps = [FunnelStep(step="signed_up", label="Signed up", partners=counts.signed_up),
             FunnelStep(step="confirmed", label="Confirmed", partners=counts.confirmed)]
    for stage in program.stages:
        found = reach.pop(stage.key, None)
        steps.append(FunnelStep(step="stage", stage=stage.key,
                                label=f"Step {stage.position + 1}: {stage.title}",
                                partners=found.partners if found else 0))
    # Stages that only earlier versions of the program had, where partners still got them.
    for old in sorted(reach.values(), key=lambda r: (r.position, r.key)):
        steps.append(FunnelStep(step="stage", stage=old.key,
                                label=f"'{old.key}' (earlier version)", partners=old.partners))
    steps.append(FunnelStep(step="completed", label="Completed", partners=counts.completed))
    version, _ = rt.programs.current(program.slug)
    return ProgramFunnel(program=program.slug, title=program.title, version=version,
                         funnel=steps, now_paused=counts.now_paused,
                         unsubscribed=counts.unsubscribed, suppressed=counts.suppressed,
                         ratings=_ratings(stats, program))


def _ratings(stats: StatsRepository, program: Program) -> list[RatingAverage]:
    """Every 1-5 question of the program's current version, in program order."""
    found = {(a.stage_key, a.prompt_key): a for a in stats.scale_answers(program.slug)}
    ratings = []
    for stage in program.stages:
        for prompt in stage.prompts:
            if prompt.kind != "scale":
                continue
            answers = found.get((stage.key, prompt.key))
            count = answers.answers if answers else 0
            shown = answers is not None and count >= MIN_ANSWERS
            ratings.append(RatingAverage(
                stage=stage.key, step=stage.position + 1, prompt=prompt.key,
                question=prompt.question, answers=count,
                average=round(answers.average, 2) if shown and answers else None))
    return ratings

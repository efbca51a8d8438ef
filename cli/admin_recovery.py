"""``reconnect admin retry-failed``, ``suppressed`` and ``unsuppress``: recovering after a
relay incident. Same exit codes as the other admin commands."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from reconnect.admin import recovery, service
from reconnect.admin.recovery import RetryPlan

OK, REFUSED, INVALID = 0, 1, 2
_SKIPS = {"suppressed": "the address is suppressed (release it first with `reconnect admin "
                        "unsuppress`)",
          "unsubscribed": "the partner unsubscribed",
          "no_longer_needed": "no longer applies (confirmed since, paused, or gone)"}


def moment(text: str) -> datetime:
    """An ISO 8601 time; without a zone, UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a time; use e.g. 2026-11-03T09:00 (UTC) or "
            "2026-11-03T10:00+01:00") from None
    return recovery.as_utc(parsed)


def register(admin_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    retry = admin_sub.add_parser(
        "retry-failed", help="send again the emails that failed between two times (a relay "
                             "incident); shows what it would do unless --yes")
    retry.add_argument("--since", type=moment, required=True, help="e.g. 2026-11-03T09:00")
    retry.add_argument("--until", type=moment, required=True, help="e.g. 2026-11-03T12:00")
    retry.add_argument("--yes", action="store_true", help="do it (without: a dry run)")
    retry.set_defaults(func=_retry)

    listing = admin_sub.add_parser("suppressed", help="addresses that get no mail, newest "
                                                      "first, with the reason")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=_suppressed)

    release = admin_sub.add_parser("unsuppress", help="let mail go to the partner's address "
                                                      "again")
    release.add_argument("partner_id", type=int)
    release.add_argument("--reason", required=True, help="why, for the log: e.g. 'relay "
                                                          "incident 2026-11-03'")
    release.set_defaults(func=_unsuppress)


def _retry(args: argparse.Namespace) -> int:
    from cli.admin import runtime

    with runtime() as rt:
        try:
            if args.yes:
                with rt.unit_of_work() as uow:
                    plan = recovery.retry_failed(uow, rt, args.since, args.until)
            else:
                with rt.read_session() as session:
                    plan = recovery.plan_retry(session, args.since, args.until)
        except service.InvalidInput as exc:
            print(f"error: --{exc.field} {exc.message}", file=sys.stderr)
            return INVALID
    print(_describe(plan, args, done=args.yes))
    return OK


def _describe(plan: RetryPlan, args: argparse.Namespace, done: bool) -> str:
    window = f"{args.since:%Y-%m-%d %H:%M} to {args.until:%Y-%m-%d %H:%M} UTC"
    counts = plan.counts
    going = counts[recovery.REQUEUE] + counts[recovery.COPY]
    verb = "Queued" if done else "Would queue"
    lines = [f"{len(plan.candidates)} email(s) failed from {window}.",
             f"{verb} {going}: {counts[recovery.REQUEUE]} as they were (confirmations, "
             f"reminders, copies), {counts[recovery.COPY]} as a copy of their stage."]
    for reason, text in _SKIPS.items():
        if counts[reason]:
            lines.append(f"Not sent again: {counts[reason]}, because {text}.")
    by_kind = sorted({(c.kind, c.stage or "") for c in plan.candidates})
    lines += [f"  {kind:<12} {stage:<24} "
              f"{sum(c.kind == kind and (c.stage or '') == stage for c in plan.candidates)}"
              for kind, stage in by_kind]
    if not done and going:
        lines.append("Nothing was changed. Run again with --yes to send them.")
    return "\n".join(lines)


def _suppressed(args: argparse.Namespace) -> int:
    from cli.admin import runtime

    with runtime() as rt, rt.read_session() as session:
        found = recovery.suppressed(session, max(1, min(args.limit, 1000)), 0)
        service.audit("list-suppressed", None, count=len(found))
        if not found:
            print("No address is suppressed.")
        for p in found:
            when = f"{p.suppressed_at:%Y-%m-%d %H:%M}" if p.suppressed_at else ""
            print(f"partner {p.id:<8} {p.status.value:<12} {when} UTC  "
                  f"{p.suppressed_reason or '(no reason recorded)'}")
    return OK


def _unsuppress(args: argparse.Namespace) -> int:
    from cli.admin import runtime

    with runtime() as rt:
        try:
            with rt.unit_of_work() as uow:
                shown = recovery.unsuppress(uow, rt, args.partner_id, args.reason)
        except service.UnknownPartner:
            print(f"error: there is no partner {args.partner_id}", file=sys.stderr)
            return REFUSED
        except service.InvalidInput as exc:
            print(f"error: --{exc.field} {exc.message}", file=sys.stderr)
            return INVALID
    waiting = ", ".join(f"{w.stage or w.kind} ({w.status})" for w in shown.waiting)
    print(f"Partner {args.partner_id} may get mail again. Waiting: {waiting or 'nothing'}.")
    return OK

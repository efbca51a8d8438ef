"""``reconnect admin …``: the admin API's actions from a shell on the server.

Exit codes: 0 done; 1 refused or not found (nothing changed); 2 invalid input.
Each action is logged (JSON on stderr) with the partner's id, never the address.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

from cli import admin_recovery as recovery_cli
from reconnect.admin import service
from reconnect.admin.funnel import funnel_report
from reconnect.admin.resend import ResendRefused, resend
from reconnect.admin.schemas import FunnelReport, PartnerSummary, ProgramFunnel
from reconnect.logging import configure_logging
from reconnect.runtime import Runtime, command_runtime

Handler = Callable[[argparse.Namespace], int]
OK, REFUSED, INVALID = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = sub.add_parser("admin", help="operators' tools: find, pause, resume, resend, "
                                         "suppress, export, erase, stats, queue, "
                                         "retry-failed, suppressed, unsuppress")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)

    find = admin_sub.add_parser("find", help="a partner by email address")
    find.add_argument("email")
    find.add_argument("--json", action="store_true", help="print JSON")
    find.set_defaults(func=_find)

    for name, handler, text in (
            ("pause", _pause, "hold the partner's emails until resumed"),
            ("resume", _resume, "send the partner's held stage again"),
            ("suppress", _suppress, "send nothing more to the partner's address")):
        action = admin_sub.add_parser(name, help=text)
        action.add_argument("partner_id", type=int)
        action.set_defaults(func=handler)

    again = admin_sub.add_parser("resend", help="send a second copy of a stage the partner "
                                                "already received")
    again.add_argument("partner_id", type=int)
    again.add_argument("stage", help="the stage key, e.g. welcome")
    again.set_defaults(func=_resend)

    export = admin_sub.add_parser("export", help="everything stored about the partner, as "
                                                 "the JSON they can download themselves")
    export.add_argument("partner_id", type=int)
    export.add_argument("--out", type=Path, help="write to this file (readable by you only) "
                                                 "instead of printing")
    export.set_defaults(func=_export)

    erase = admin_sub.add_parser("erase", help="erase everything stored about the partner")
    erase.add_argument("partner_id", type=int)
    erase.add_argument("--yes", action="store_true", help="yes, erase it for good")
    erase.set_defaults(func=_erase)

    stats = admin_sub.add_parser("stats", help="the funnel and average ratings per program")
    stats.add_argument("--program", help="only this program (slug)")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(func=_stats)

    queue = admin_sub.add_parser("queue", help="emails by state and the dispatch lag")
    queue.add_argument("--json", action="store_true", help="print JSON")
    queue.set_defaults(func=_queue)
    recovery_cli.register(admin_sub)


def runtime() -> AbstractContextManager[Runtime]:
    if not logging.getLogger().handlers:  # a shell, not a test run: keep the audit lines
        configure_logging()
    return command_runtime()


def _error(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _find(args: argparse.Namespace) -> int:
    with runtime() as rt, rt.read_session() as session:
        try:
            found = service.find(session, rt, args.email)
        except service.InvalidInput as exc:
            return _error(exc.message, INVALID)
    if found is None:
        return _error("no partner has that address", REFUSED)
    print(found.model_dump_json(indent=2) if args.json else _describe(found))
    return OK


def _changing(args: argparse.Namespace, action: Callable[..., PartnerSummary],
              done: str) -> int:
    with runtime() as rt:
        try:
            with rt.unit_of_work() as uow:
                shown = action(uow, rt, args.partner_id)
        except service.UnknownPartner:
            return _error(f"there is no partner {args.partner_id}", REFUSED)
        except service.PartnerNotActive as exc:
            return _error(f"partner {args.partner_id} is {exc.status.value}; "
                          "this does not apply to them", REFUSED)
    print(f"Partner {args.partner_id} {done}.")
    print(_describe(shown))
    return OK


def _pause(args: argparse.Namespace) -> int:
    return _changing(args, service.pause, "is paused")


def _resume(args: argparse.Namespace) -> int:
    return _changing(args, service.resume, "is resumed")


def _suppress(args: argparse.Namespace) -> int:
    return _changing(args, service.suppress, "is suppressed: nothing more is sent to them")


def _resend(args: argparse.Namespace) -> int:
    with runtime() as rt:
        try:
            with rt.unit_of_work() as uow:
                resent = resend(uow, rt, args.partner_id, args.stage)
        except service.UnknownPartner:
            return _error(f"there is no partner {args.partner_id}", REFUSED)
        except service.InvalidInput as exc:
            return _error(exc.message, INVALID)
        except ResendRefused as exc:
            return _error(exc.message, REFUSED)
        interval = rt.settings.dispatch_interval_seconds
    print(f"Queued a copy of '{resent.stage}' for partner {args.partner_id} (delivery "
          f"{resent.delivery_id}, {resent.key}); it goes out at the dispatcher's next tick, "
          f"within about {interval:g} s.")
    return OK


def _export(args: argparse.Namespace) -> int:
    with runtime() as rt, rt.read_session() as session:
        try:
            data = service.export(session, rt, args.partner_id)
        except service.UnknownPartner:
            return _error(f"there is no partner {args.partner_id}", REFUSED)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return OK
    # Health data: created readable by the owner only.
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    print(f"Wrote everything stored about partner {args.partner_id} to {args.out}.")
    return OK


def _erase(args: argparse.Namespace) -> int:
    if not args.yes:
        return _error(f"erasing deletes partner {args.partner_id}'s record, emails and "
                      "reflections for good; run again with --yes to do it", REFUSED)
    with runtime() as rt, rt.unit_of_work() as uow:
        erased = service.erase(uow, rt, args.partner_id)
    if erased is None:
        print(f"Nothing is stored about partner {args.partner_id} (already erased, or "
              "never there).")
    else:
        print(f"Erased partner {args.partner_id}: their record, {erased.emails} email "
              f"record(s) and {erased.reflections} reflection(s).")
    return OK


def _stats(args: argparse.Namespace) -> int:
    with runtime() as rt, rt.read_session() as session:
        try:
            report = funnel_report(session, rt, args.program)
        except service.InvalidInput as exc:
            return _error(exc.message, INVALID)
    print(report.model_dump_json(indent=2) if args.json else _describe_report(report))
    return OK


def _queue(args: argparse.Namespace) -> int:
    with runtime() as rt, rt.read_session() as session:
        health = service.queue(session, rt)
    if args.json:
        print(health.model_dump_json(indent=2))
        return OK
    for state, count in health.counts.items():
        print(f"{state:<10} {count:>8}")
    oldest = f", oldest due {_when(health.oldest_due_at)}" if health.oldest_due_at else ""
    print(f"Dispatch lag: {health.lag_seconds:.0f} s{oldest}.")
    return OK


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "–"


def _describe(p: PartnerSummary) -> str:
    version = f" version {p.program.version} ({(p.program.content_hash or '')[:12]})" \
        if p.program.version else ""
    why = f" ({p.suppressed_reason})" if p.suppressed_reason else ""
    lines = [f"Partner {p.id}: {p.status}, program '{p.program.slug}'{version}",
             f"  signed up     {_when(p.signed_up_at)}",
             f"  confirmed     {_when(p.confirmed_at)}",
             f"  paused        {_when(p.paused_at)}",
             f"  suppressed    {_when(p.suppressed_at)}{why}",
             f"  unsubscribed  {_when(p.unsubscribed_at)}",
             f"  answers given {p.reflections} (what they said is not shown)"]
    lines += ["Sent:"] + [f"  {_when(e.sent_at)}  {e.kind:<12} {e.stage or ''}"
                          for e in p.sent] if p.sent else ["Sent: nothing yet"]
    if p.failed:
        lines += ["Failed:"] + [f"  {_when(e.failed_at)}  {e.kind:<12} {e.stage or '':<24} "
                                f"{e.reason or ''}" for e in p.failed]
    lines += ["Waiting:"] + [f"  {_when(e.due_at)}  {e.kind:<12} {e.stage or ''} "
                             f"({e.status}, delivery {e.delivery_id})"
                             for e in p.waiting] if p.waiting else ["Waiting: nothing"]
    return "\n".join(lines)


def _describe_report(report: FunnelReport) -> str:
    lines: list[str] = []
    for program in report.programs:
        lines += [*_describe_program(program), ""]
    return "\n".join([*lines, report.privacy])


def _describe_program(program: ProgramFunnel) -> list[str]:
    start = program.funnel[0].partners
    lines = [f"{program.program}: {program.title} (version {program.version})"]
    for step in program.funnel:
        share = f"{100 * step.partners / start:5.0f} %" if start else ""
        lines.append(f"  {step.label[:48]:<48} {step.partners:>6} {share}")
    lines.append(f"  Paused now {program.now_paused} · unsubscribed {program.unsubscribed} "
                 f"· suppressed {program.suppressed}")
    if program.ratings:
        lines.append("  Average rating per step (1-5):")
    for rating in program.ratings:
        shown = f"{rating.average:.2f}" if rating.average is not None \
            else "hidden" if rating.answers else "–"
        label = f"Step {rating.step}: {rating.question}"
        lines.append(f"  {label[:48]:<48} {shown:>6} from {rating.answers} answer(s)")
    return lines

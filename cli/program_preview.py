"""``reconnect program preview`` writes the preview gallery of each program to disk;
``reconnect program send-test`` sends one stage to an editor's own address."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from reconnect.editor.preview import SAMPLES, previous_prompts, sample
from reconnect.editor.preview_gallery import write_gallery
from reconnect.editor.trial_send import TrialError, send_trial
from reconnect.mail.smtp import MailError
from reconnect.program.loader import ProgramError, load_program_dir, program_dirs
from reconnect.program.model import Program, Prompt, Stage
from reconnect.progress import track
from reconnect.settings import get_settings


def register(program_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    preview = program_sub.add_parser(
        "preview", help="write every email of a program as pages to open in a browser",
        description="Writes <out>/<slug>/index.html and a page per stage, showing each "
                    "email as partners get it. Exits 1 if a program does not validate.")
    preview.add_argument("--program", metavar="SLUG",
                         help="one program (default: every program in the program folder)")
    preview.add_argument("--out", metavar="DIR", type=Path,
                         help="where to write, one folder per program (default: var/preview)")
    preview.set_defaults(func=_preview)

    trial = program_sub.add_parser(
        "send-test", help="send one stage to your own address, marked as a test",
        description="Sends STAGE as a sample partner gets it, through the configured SMTP "
                    "relay, with '[Test]' before the subject and an X-Reconnect-Test "
                    "header. Its answer buttons open the admin preview; nothing is recorded.")
    trial.add_argument("stage", metavar="STAGE", help="the stage key, e.g. acknowledge")
    trial.add_argument("--to", required=True, metavar="ADDRESS", help="where to send it")
    trial.add_argument("--program", metavar="SLUG", help="default: the default program")
    trial.add_argument("--partner", choices=[s.key for s in SAMPLES], default=SAMPLES[0].key,
                       help="the sample partner (default: %(default)s)")
    trial.add_argument("--answer", action="append", default=[], metavar="QUESTION=ANSWER",
                       type=_answer, help="an answer to the previous stage's question, to "
                                          "see a block shown after it (repeatable)")
    trial.set_defaults(func=_send_test)


def _answer(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not (sep and key and value):
        raise argparse.ArgumentTypeError(f"'{text}' is not QUESTION=ANSWER, e.g. connection=2")
    return key.strip(), value.strip()


def _loaded(directory: Path) -> Program | None:
    try:
        return load_program_dir(directory)
    except ProgramError as exc:
        print(exc.report(directory), file=sys.stderr)
        return None


def _send_test(args: argparse.Namespace) -> int:
    settings = get_settings()
    program = _loaded(settings.program_dir / (args.program or settings.program))
    if program is None:
        return 1
    stage = program.stage(args.stage)
    asked = {p.key: p for p in previous_prompts(program, stage)} if stage else {}
    for key, value in args.answer:
        prompt = asked.get(key)
        if prompt is None or prompt.label_for(value) is None:
            known = ", ".join(f"{k} ({describe_choices(p)})" for k, p in asked.items())
            print(f"error: --answer {key}={value}: the previous stage asks "
                  f"{known or 'nothing'}", file=sys.stderr)
            return 2
    try:
        message_id = send_trial(settings, program, args.stage, args.to, sample(args.partner),
                                dict(args.answer), datetime.now(UTC))
    except TrialError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MailError as exc:
        print(f"Not sent: {exc} (SMTP {settings.smtp_host}:{settings.smtp_port})",
              file=sys.stderr)
        return 1
    print(f"Sent '{args.stage}' of '{program.slug}' to {args.to} as a test ({message_id}).")
    return 0


def describe_choices(prompt: Prompt) -> str:
    return "1 to 5" if prompt.kind == "scale" else "/".join(v for v, _ in prompt.answers)


def _preview(args: argparse.Namespace) -> int:
    settings = get_settings()
    slugs = [args.program] if args.program else \
        [directory.name for directory in program_dirs(settings.program_dir)]
    if not slugs:
        print(f"No program found in {settings.program_dir}", file=sys.stderr)
        return 1
    out: Path = args.out or settings.data_dir / "preview"
    failed = False
    for slug in slugs:
        program = _loaded(settings.program_dir / slug)
        if program is None:
            failed = True
            continue

        def progress(stages: Sequence[Stage], slug: str = slug) -> Iterable[Stage]:
            return track(stages, f"Previewing {slug}")

        written = write_gallery(program, out / slug, settings=settings, progress=progress)
        print(written[0].resolve())
    return 1 if failed else 0

"""``reconnect program preview``: writes the preview gallery of each program to disk."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from reconnect.program.loader import MANIFEST, ProgramError, load_program_dir
from reconnect.program.model import Stage
from reconnect.program.preview_gallery import write_gallery
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


def _preview(args: argparse.Namespace) -> int:
    settings = get_settings()
    slugs = [args.program] if args.program else \
        sorted(p.parent.name for p in settings.program_dir.glob(f"*/{MANIFEST}"))
    if not slugs:
        print(f"No program found in {settings.program_dir}", file=sys.stderr)
        return 1
    out: Path = args.out or settings.data_dir / "preview"
    failed = False
    for slug in slugs:
        directory = settings.program_dir / slug
        try:
            program = load_program_dir(directory)
        except ProgramError as exc:
            failed = True
            print(f"✗ {directory}: {len(exc.problems)} problem(s); no preview written",
                  file=sys.stderr)
            for problem in exc.problems:
                print(f"  - {problem}", file=sys.stderr)
            continue

        def progress(stages: Sequence[Stage], slug: str = slug) -> Iterable[Stage]:
            return track(stages, f"Previewing {slug}")

        written = write_gallery(program, out / slug, settings=settings, progress=progress)
        print(written[0].resolve())
    return 1 if failed else 0

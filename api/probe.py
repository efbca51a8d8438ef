"""The API container's health probe: ``python -m api.probe URL``.

Exits 0 when ``URL`` (docker/entrypoint.sh passes this process's own ``/readyz``) answers
200 within the timeout, 1 otherwise, with one line saying why. Standard library only, so
the probe costs an interpreter start and one request, not an import of the app.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

DEFAULT_TIMEOUT_SECONDS = 5.0
# /readyz explains itself in a short JSON body; more than this is not worth a log line.
MAX_BODY_CHARS = 500


def probe(url: str, timeout: float) -> tuple[bool, str]:
    if not url.startswith(("http://", "https://")):
        return False, f"{url} is not an http(s) URL"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only
            return response.status == 200, f"{url} answered {response.status}"
    except urllib.error.HTTPError as exc:
        body = exc.read(MAX_BODY_CHARS).decode(errors="replace")
        return False, f"{url} answered {exc.code}: {body}"
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return False, f"no answer from {url}: {reason}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.probe", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS)
    args = parser.parse_args(argv)
    healthy, line = probe(args.url, args.timeout)
    print(line, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())

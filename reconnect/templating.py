"""The Jinja2 environment for our own layouts in ``templates/`` (emails and pages).

Editor-written stage text never runs here: it renders in the sandbox of
:mod:`reconnect.program.text` first and arrives as finished, escaped HTML.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reconnect.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "templates"
# Stylesheets and scripts the pages load (served at /static): files, because the pages'
# Content-Security-Policy allows no inline script or style.
STATIC_DIR = PROJECT_ROOT / "static"


@lru_cache(maxsize=32)
def static_url(name: str) -> str:
    """``/static/<name>?v=<content hash>``: a new file is a new URL, so the files can be
    cached for long and an edit still reaches every browser at once."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


@lru_cache(maxsize=1)
def get_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["static_url"] = static_url
    return environment


def render(name: str, **context: object) -> str:
    return get_environment().get_template(name).render(**context)

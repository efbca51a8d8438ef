"""The Jinja2 environment for our own layouts in ``templates/`` (emails and pages).

Editor-written stage text never runs here: it renders in the sandbox of
:mod:`reconnect.program.text` first and arrives as finished, escaped HTML.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reconnect.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "templates"


@lru_cache(maxsize=1)
def get_environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: object) -> str:
    return get_environment().get_template(name).render(**context)

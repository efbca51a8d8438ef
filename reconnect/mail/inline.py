"""Moves an email's stylesheet into style attributes, as many mail clients ignore
<style> blocks. Blocks marked ``data-css-inline="keep"`` (media queries for dark
mode and small screens, which cannot be inlined) stay as they are."""

from __future__ import annotations

import css_inline

# One inliner for the process: it is immutable, and building it is not free.
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    return str(_INLINER.inline(html))

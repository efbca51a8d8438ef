"""Pages anyone may open without a link of their own: the privacy statement, and the
favicon browsers ask for at the site's root."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import RuntimeDep
from api.openapi import PAGE_ERRORS
from api.views import page
from reconnect.templating import static_url

router = APIRouter(responses=PAGE_ERRORS)


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(rt: RuntimeDep) -> HTMLResponse:
    """Built from the operator's settings and the facts of this code: what is stored,
    who sees which answer, how long links work, and what erasing removes."""
    s = rt.settings
    return page(rt, "privacy.html", operator_name=s.operator_name,
                operator_contact=s.operator_contact,
                contact_is_email="@" in s.operator_contact and "://" not in s.operator_contact,
                postal_address=s.postal_address, backup_days=s.backup_retention_days,
                link_days=s.unsubscribe_token_days, reflect_days=s.reflect_token_days,
                confirm_days=s.confirm_token_days)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    # Pages name their icon; this answers browsers and tools that ask the root anyway.
    return RedirectResponse(static_url("favicon.svg"), status_code=301)

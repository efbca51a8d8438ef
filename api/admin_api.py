"""The admin API under ``/api/v1/admin``: every route needs the admin token
(``api.admin_auth``). It calls the same services as ``reconnect admin``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.admin_auth import require_admin
from api.deps import RuntimeDep
from api.openapi import ADMIN_ERRORS, API_ERRORS, Responses
from api.v1 import VALIDATION_MESSAGE, ApiError
from reconnect.admin import service
from reconnect.admin.funnel import funnel_report
from reconnect.admin.resend import ResendRefused, resend
from reconnect.admin.schemas import (
    FunnelReport,
    PartnerSummary,
    QueueReport,
    ResendRequest,
    Resent,
)
from reconnect.validation import MAX_EMAIL

NO_STORE = {"Cache-Control": "no-store"}


def no_store(response: Response) -> None:
    # What these answers say about a person must not linger in a cache.
    response.headers.update(NO_STORE)


router = APIRouter(prefix="/api/v1/admin", tags=["admin"],
                   dependencies=[Depends(require_admin), Depends(no_store)],
                   responses={**API_ERRORS, **ADMIN_ERRORS})
# Row ids are 64-bit: anything outside is no partner at all (422), never a database error.
PartnerId = Annotated[int, Path(ge=1, le=2**63 - 1)]
CONFLICT: Responses = {409: {"description": "The partner's state does not allow this (e.g. "
                                  "unsubscribed); nothing changed."}}


@contextmanager
def as_api_errors(partner_id: int | None = None) -> Iterator[None]:
    """The admin services' refusals as the API's JSON errors (the transaction rolls back)."""
    try:
        yield
    except service.UnknownPartner as exc:
        raise ApiError(404, "unknown_partner", f"There is no partner {partner_id}.") from exc
    except service.InvalidInput as exc:
        raise ApiError(422, "validation_failed", VALIDATION_MESSAGE,
                       fields={exc.field: exc.message}) from exc
    except service.PartnerNotActive as exc:
        raise ApiError(409, "partner_not_active",
                       f"The partner is {exc.status.value}; this does not apply to them.",
                       partner_status=exc.status.value) from exc
    except ResendRefused as exc:
        raise ApiError(409, "resend_refused", exc.message, reason=exc.reason) from exc


@router.get("/partners")
def find_partner(email: Annotated[str, Query(max_length=2 * MAX_EMAIL)],
                 rt: RuntimeDep) -> PartnerSummary:
    with as_api_errors(), rt.read_session() as session:
        found = service.find(session, rt, email)
    if found is None:
        raise ApiError(404, "unknown_partner", "No partner has that address.")
    return found


@router.post("/partners/{partner_id}/pause", responses=CONFLICT)
def pause(partner_id: PartnerId, rt: RuntimeDep) -> PartnerSummary:
    with as_api_errors(partner_id), rt.unit_of_work() as uow:
        return service.pause(uow, rt, partner_id)


@router.post("/partners/{partner_id}/resume", responses=CONFLICT)
def resume(partner_id: PartnerId, rt: RuntimeDep) -> PartnerSummary:
    with as_api_errors(partner_id), rt.unit_of_work() as uow:
        return service.resume(uow, rt, partner_id)


@router.post("/partners/{partner_id}/resend", status_code=202, responses=CONFLICT)
def resend_stage(partner_id: PartnerId, body: ResendRequest, rt: RuntimeDep) -> Resent:
    with as_api_errors(partner_id), rt.unit_of_work() as uow:
        return resend(uow, rt, partner_id, body.stage)


@router.post("/partners/{partner_id}/suppress", responses=CONFLICT)
def suppress(partner_id: PartnerId, rt: RuntimeDep) -> PartnerSummary:
    with as_api_errors(partner_id), rt.unit_of_work() as uow:
        return service.suppress(uow, rt, partner_id)


@router.get("/partners/{partner_id}/export")
def export(partner_id: PartnerId, rt: RuntimeDep) -> Response:
    with as_api_errors(partner_id), rt.read_session() as session:
        data = service.export(session, rt, partner_id)
    return Response(json.dumps(data, indent=2, ensure_ascii=False),
                    media_type="application/json", headers={
                        **NO_STORE, "Content-Disposition":
                        f'attachment; filename="reconnect-partner-{partner_id}.json"'})


@router.delete("/partners/{partner_id}", status_code=204)
def erase(partner_id: PartnerId, rt: RuntimeDep) -> Response:
    with rt.unit_of_work() as uow:
        service.erase(uow, rt, partner_id)  # idempotent: nothing left is also "erased"
    return Response(status_code=204)


@router.get("/stats/funnel")
def funnel(rt: RuntimeDep,
           program: Annotated[str | None, Query(max_length=40)] = None) -> FunnelReport:
    with as_api_errors(), rt.read_session() as session:
        return funnel_report(session, rt, program)


@router.get("/queue")
def queue(rt: RuntimeDep) -> QueueReport:
    with rt.read_session() as session:
        return service.queue(session, rt)

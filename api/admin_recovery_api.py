"""The admin API's recovery routes: suppressed addresses, releasing one, and sending again
what failed during a relay incident (a dry run unless asked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.admin_api import CONFLICT, PartnerId, as_api_errors, no_store
from api.admin_auth import require_admin
from api.deps import RuntimeDep
from api.openapi import ADMIN_ERRORS, API_ERRORS
from reconnect.admin import recovery
from reconnect.admin.schemas import (
    PartnerSummary,
    RetryFailedRequest,
    RetryItem,
    RetryReport,
    Suppressed,
    UnsuppressRequest,
)
from reconnect.admin.service import audit

router = APIRouter(prefix="/api/v1/admin", tags=["admin"],
                   dependencies=[Depends(require_admin), Depends(no_store)],
                   responses={**API_ERRORS, **ADMIN_ERRORS})


@router.get("/suppressions")
def suppressions(rt: RuntimeDep,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> list[Suppressed]:
    with rt.read_session() as session:
        found = recovery.suppressed(session, limit, offset)
    audit("list-suppressed", None, count=len(found))
    return [Suppressed(partner_id=p.id, status=p.status.value, suppressed_at=p.suppressed_at,
                       reason=p.suppressed_reason) for p in found if p.suppressed_at]


@router.post("/partners/{partner_id}/unsuppress", responses=CONFLICT)
def unsuppress(partner_id: PartnerId, body: UnsuppressRequest,
               rt: RuntimeDep) -> PartnerSummary:
    with as_api_errors(partner_id), rt.unit_of_work() as uow:
        return recovery.unsuppress(uow, rt, partner_id, body.reason)


@router.post("/retry-failed")
def retry_failed(body: RetryFailedRequest, rt: RuntimeDep) -> RetryReport:
    with as_api_errors(), rt.unit_of_work() as uow:
        plan = recovery.plan_retry(uow.session, body.since, body.until) if body.dry_run \
            else recovery.retry_failed(uow, rt, body.since, body.until)
    return RetryReport(dry_run=body.dry_run, counts=dict(plan.counts), emails=[
        RetryItem(delivery_id=c.delivery_id, partner_id=c.partner_id, kind=c.kind,
                  stage=c.stage, action=c.action) for c in plan.candidates])

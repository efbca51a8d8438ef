"""``GET /metrics``: Prometheus exposition, behind the admin token.

Prometheus sends the token with ``authorization: {credentials: <admin token>}`` (Bearer).
With no admin token configured the route answers 404, like every admin surface."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from api.admin_auth import require_admin
from api.deps import RuntimeDep
from api.metrics_collector import ReconnectCollector

router = APIRouter()


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_admin)])
def metrics(request: Request, rt: RuntimeDep) -> Response:
    # A registry per scrape: the collector reads Redis and the database only when asked.
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ReconnectCollector(rt))
    # The text format Prometheus asks for (OpenMetrics if it says so), else the classic.
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(registry), media_type=content_type)

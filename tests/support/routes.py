"""Every API route of the app, through the routers it was included with."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts


@dataclass(frozen=True)
class Route:
    path: str
    methods: frozenset[str]
    dependant: Dependant
    in_schema: bool


def api_routes(app: FastAPI) -> list[Route]:
    found = []
    for context in iter_route_contexts(app.routes):
        dependant = getattr(context, "dependant", None)
        if isinstance(dependant, Dependant) and context.path is not None:
            found.append(Route(context.path, frozenset(context.methods or ()), dependant,
                               bool(getattr(context, "include_in_schema", True))))
    return found

"""The rules of who gets mail (reconnect/partners/rules.py) give the same answer in Python
and in SQL, for every partner status with and without a suppressed address, on both
databases: the planner decides in Python, the recording statement in SQL."""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import ColumnElement, Table, select

from reconnect.models import Partner, PartnerStatus
from reconnect.partners import rules
from reconnect.runtime import Runtime
from tests.support.flows import signup_body

CASES = list(product(PartnerStatus, (False, True)))
PARTNERS = cast(Table, Partner.__table__)


def _one_partner_per_case(client: TestClient, rt: Runtime) -> None:
    for i, (status, suppressed) in enumerate(CASES):
        body = signup_body(email=f"p{i}@example.org", partner_email=None,
                           partner_first_name=None)
        assert client.post("/api/v1/signups", json=body).status_code == 202
        with rt.unit_of_work() as uow:
            partner = uow.session.execute(
                select(Partner).where(Partner.email == body["email"])).scalar_one()
            partner.status = status
            partner.suppressed_at = rt.clock.now() if suppressed else None


@pytest.mark.parametrize(("python", "sql"), [
    (rules.enrolled, rules.enrolled_clause),
    (rules.suppressed, rules.suppressed_clause),
], ids=["enrolled", "suppressed"])
def test_the_python_and_sql_forms_pick_the_same_partners(
        dialect_client: TestClient, dialect_runtime: Runtime,
        python: Callable[[Partner], bool], sql: Callable[[Any], ColumnElement[bool]]) -> None:
    _one_partner_per_case(dialect_client, dialect_runtime)
    with dialect_runtime.read_session() as session:
        everyone = list(session.execute(select(Partner)).scalars())
        by_python = {p.id for p in everyone if python(p)}
        by_mapped_sql = set(session.execute(select(Partner.id).where(sql(Partner))).scalars())
        by_table_sql = set(session.execute(
            select(PARTNERS.c.id).where(sql(PARTNERS.c))).scalars())
    assert len(everyone) == len(CASES)
    assert by_python == by_mapped_sql == by_table_sql
    assert 0 < len(by_python) < len(CASES)  # the cases tell the two answers apart

"""Who gets mail: the two rules every path applies, each written once, in Python for a
loaded partner and in SQL for a statement, side by side so they cannot drift apart
(tests/dialects/test_rules_agree.py checks both forms on both databases).

- **suppressed**: the address takes no more mail (repeated permanent refusals, a
  complaint, or an operator), whatever the partner's status.
- **enrolled**: active in the program and not suppressed; only an enrolled partner gets
  their next stage planned.

The SQL forms take anything with ``status`` and ``suppressed_at`` columns: the mapped
``Partner`` class, the ``partners`` table's ``.c``, or a CTE's ``.c``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_

from reconnect.models import Partner, PartnerStatus

__all__ = ["enrolled", "enrolled_clause", "suppressed", "suppressed_clause"]


def suppressed(partner: Partner) -> bool:
    return partner.suppressed_at is not None


def suppressed_clause(partner: Any = Partner) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = partner.suppressed_at.is_not(None)
    return clause


def enrolled(partner: Partner) -> bool:
    return partner.status is PartnerStatus.ACTIVE and not suppressed(partner)


def enrolled_clause(partner: Any = Partner) -> ColumnElement[bool]:
    return and_(partner.status == PartnerStatus.ACTIVE.value,
                partner.suppressed_at.is_(None))

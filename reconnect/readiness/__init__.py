"""Is this process able to do its work? The dependencies checked by ``/readyz`` and
``reconnect ready``: the database, its migrations, Redis and the SMTP relay.

Each check answers "ok" or a plain reason an operator can act on. Checks run side by side
in threads with short timeouts, so a dead dependency costs a report at most
``DEADLINE_SECONDS``; at most one check of each kind runs at a time, and the relay's
answer is reused for a few seconds.
"""

from reconnect.readiness.checks import OK, read_schema
from reconnect.readiness.report import CHECKS, Readiness, Report

__all__ = ["CHECKS", "OK", "Readiness", "Report", "read_schema"]

from __future__ import annotations

import time

import httpx2 as httpx


def wait_until_healthy(base: str, timeout: float = 60.0) -> None:
    """Waits for a freshly started API process to answer /healthz."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"no healthy API at {base} after {timeout:.0f}s")

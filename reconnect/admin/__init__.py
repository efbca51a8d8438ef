"""Operators' tools: finding a partner, pausing, resuming, resending a stage, suppressing,
exporting and erasing, and the program's funnel. Shared by the admin API, the admin
dashboard and ``reconnect admin``."""

"""Development tools: the embedded stack behind ``make run``, the outbox, time travel."""

"""Emails about a person's own links and address, sent when they ask (or come back):
their links again, welcome back, a new address to confirm, the old address told."""

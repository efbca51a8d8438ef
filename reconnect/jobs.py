"""Names of the background tasks the domain asks for; ``tasks/`` implements them."""

DISPATCH_DUE = "reconnect.dispatch_due"
DELIVER = "reconnect.deliver"
REAP_STALE = "reconnect.reap_stale"
SWEEP_SIGNUPS = "reconnect.sweep_signups"
PROCESS_SIGNUPS = "reconnect.process_signups"
PROCESS_LINK_REQUESTS = "reconnect.process_link_requests"
# One request each, by id: queued by releases before the inboxes were taken whole, and
# still run for jobs that were waiting in the queue across an upgrade.
PROCESS_SIGNUP = "reconnect.process_signup"
PROCESS_LINK_REQUEST = "reconnect.process_link_request"
READ_BOUNCE_MAILBOX = "reconnect.read_bounce_mailbox"
END_PAUSES = "reconnect.end_pauses"
EXPIRE_INVITATIONS = "reconnect.expire_invitations"

# Jobs that take no ids and do whatever is waiting when they run: a second one queued
# before the first has started would find nothing the first does not, so a sender may
# leave it out (one Redis flag per name instead of one broker message per request).
WAKE_UPS = frozenset({DISPATCH_DUE, PROCESS_SIGNUPS, PROCESS_LINK_REQUESTS})

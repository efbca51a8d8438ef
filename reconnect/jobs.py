"""Names of the background tasks the domain asks for; ``tasks/`` implements them."""

DISPATCH_DUE = "reconnect.dispatch_due"
DELIVER = "reconnect.deliver"
REAP_STALE = "reconnect.reap_stale"
SWEEP_SIGNUPS = "reconnect.sweep_signups"
PROCESS_SIGNUP = "reconnect.process_signup"
READ_BOUNCE_MAILBOX = "reconnect.read_bounce_mailbox"
EXPIRE_INVITATIONS = "reconnect.expire_invitations"

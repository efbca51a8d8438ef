"""Late bounces and complaints: what relays report after they accepted an email.

Reports arrive from a relay's webhook (``providers/``: Amazon SES through SNS, Postmark,
Mailgun, SendGrid; each checks its provider's signature) or from the bounce mailbox read
over IMAP (``mailbox.py``, ``dsn.py``). Each becomes a :class:`report.Report`, which
``service.record`` matches to the email it is about (by Message-ID or by the opaque tag in
the envelope sender, ``tags.py``) and acts on: a hard bounce suppresses the address, a
complaint unsubscribes the partner and suppresses the address, soft bounces count toward
suppression. See docs/operating.md, "Bounces and complaints".
"""

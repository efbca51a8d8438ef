"""The metric families: name, help in plain words, labels. What counts (``events``) and
what exposes (``collector``) both read them from here, so the two cannot drift apart.

Label values are bounded: program slugs and stage keys come from the program files,
kinds and task names from the code. Never a partner id or an address.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "reconnect_"


@dataclass(frozen=True)
class Family:
    name: str  # as exposed, without the reconnect_ prefix (and without _total)
    help: str
    labels: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return PREFIX + self.name


SIGNUPS = Family("signups", "New addresses signed up (each partner, an invited one "
                 "included), counted once the signup was saved.", ("program",))
CONFIRMATIONS = Family("confirmations", "Partners who confirmed their address and so "
                       "enrolled in the program.", ("program",))
EMAILS_SENT = Family("emails_sent", "Emails the mail relay accepted.", ("kind", "stage"))
EMAILS_FAILED = Family(
    "emails_failed", "Emails given up on. permanence=permanent: refused for good by the "
    "relay, or the email could not be built; permanence=temporary: every attempt failed "
    "for a passing reason.", ("kind", "stage", "permanence"))
DELIVERY_RETRIES = Family("delivery_retries", "Sends that failed for a passing reason and "
                          "will be tried again later.", ("kind", "stage"))
ADDRESSES_SUPPRESSED = Family("addresses_suppressed", "Addresses that stopped getting mail: "
                              "refused by the relay again and again, a hard bounce, a "
                              "complaint, or repeated soft bounces.")
BOUNCES = Family("bounces", "Late bounces and complaints recorded, by where they came "
                 "from (ses, postmark, mailgun, sendgrid, imap) and kind (hard, soft, "
                 "complaint).", ("source", "kind"))
BOUNCES_UNMATCHED = Family("bounces_unmatched", "Bounce reports that matched no email "
                           "sent from here (another sender's, or older than a key change).",
                           ("source",))
WEBHOOKS_REJECTED = Family("webhooks_rejected", "Bounce webhook requests refused: a bad or "
                           "missing signature, an unknown topic, a body that is not the "
                           "provider's.", ("provider", "reason"))
REFLECTIONS_RECORDED = Family("reflections_recorded", "Reflection answers saved for the "
                              "first time (changing an answer is not counted).", ("stage",))
TASK_FAILURES = Family("task_failures", "Background tasks that ended with an error.",
                       ("task",))
TASK_DURATION = Family("task_duration_seconds", "How long background tasks took to run, "
                       "in seconds of wall time.", ("task",))

COUNTERS = (SIGNUPS, CONFIRMATIONS, EMAILS_SENT, EMAILS_FAILED, DELIVERY_RETRIES,
            ADDRESSES_SUPPRESSED, BOUNCES, BOUNCES_UNMATCHED, WEBHOOKS_REJECTED,
            REFLECTIONS_RECORDED, TASK_FAILURES)
# Upper bounds for task durations: a dispatch tick takes tens of milliseconds, a batch of
# emails through a slow relay can take most of a minute.
TASK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
TASK_BUCKET_NAMES = (*(repr(b) for b in TASK_BUCKETS), "+Inf")  # the "le" label values

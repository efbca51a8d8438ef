"""Which notice a delivery is: its key is ``_<notice>-<n>``. Stage keys cannot contain
"_", so these can never collide with a stage's key under UNIQUE(partner_id, key).

Every one-off email about a person or their couple is a ``notice`` delivery, and this
is the one registry of them: the wording picks its email by ``notice_of(key)``, the
batch asks ``notice_wanted`` before sending."""

from __future__ import annotations

from enum import StrEnum

from reconnect.models import Delivery, Partner, PartnerStatus


class Notice(StrEnum):
    LINKS = "links"  # "email me my links": fresh links to their own pages
    WELCOME_BACK = "welcome"  # a signup for an unsubscribed address: the way back in
    NEW_ADDRESS = "new-address"  # sent to the new address, to confirm it is theirs
    ADDRESS_CHANGE = "address-change"  # sent to the current address: a change was asked
    # The invitation the person sent expired without an answer; ``<n>`` is which of the
    # couple's invitations it was, so each is told about once (UNIQUE(partner, key)).
    INVITATION = "notice-invitation"


def masked(address: str) -> str:
    """"n***@example.org": enough for its owner to recognise, little for anyone else."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def notice_key(notice: Notice, number: int) -> str:
    return f"_{notice.value}-{number}"


def notice_of(key: str) -> Notice | None:
    name = key.removeprefix("_").rsplit("-", 1)[0]
    try:
        return Notice(name)
    except ValueError:
        return None


def notice_wanted(delivery: Delivery, partner: Partner, other: Partner | None) -> bool:
    """Whether the notice still makes sense at its send (the person may have acted
    since it was queued): a welcome back only while they are still away, a new address
    only while it still waits, an expired invitation only while its sender is enrolled,
    not paused, and nobody joined since (``other`` is the couple's other person)."""
    notice = notice_of(delivery.key)
    if notice is Notice.INVITATION:
        if partner.status is not PartnerStatus.ACTIVE or partner.paused_at is not None:
            return False
        return other is None or other.confirmed_at is None
    if notice is Notice.WELCOME_BACK:
        return partner.status in (PartnerStatus.UNSUBSCRIBED, PartnerStatus.COMPLETED)
    if notice in (Notice.NEW_ADDRESS, Notice.ADDRESS_CHANGE):
        return partner.pending_email is not None
    return notice is Notice.LINKS and partner.status is not PartnerStatus.PENDING

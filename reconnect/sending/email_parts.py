"""What every composed email shares, whatever its kind: the Message-ID, the footer, the
List-Id and the envelope it goes out under. Kept apart from ``compose.py`` so the
notices' composition (notice_compose.py) uses the same parts without importing the
stage emails' composition, which dispatches to it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

from reconnect.mail.list_headers import ListId
from reconnect.mail.message import OutgoingEmail
from reconnect.mail.render import Footer, RenderedEmail
from reconnect.models import Delivery, DeliveryKind, Partner
from reconnect.program.model import Program
from reconnect.sending.needs import Needs
from reconnect.settings import Settings


class NothingToSend(Exception):
    """The delivery no longer makes sense (stage gone from the pinned version)."""


def message_id(rt: Needs, delivery: Delivery) -> str:
    # Deterministic, so a resend after a crash carries the same id and inboxes that
    # de-duplicate on Message-ID can fold the two copies; keyed, so it tells a reader
    # nothing about how many emails or people there are.
    key = hashlib.sha256(f"reconnect-message-id:{rt.settings.secret_key}".encode()).digest()
    digest = hmac.new(key, str(delivery.id).encode(), hashlib.sha256).digest()[:15]
    return f"<{base64.b32encode(digest).decode().lower()}@{rt.settings.mail_domain}>"


def footer(rt: Needs, program: Program, unsubscribe_url: str | None,
           partner_token: str | None = None) -> Footer:
    """``partner_token`` (the partner's preferences token) adds the preferences and
    "I don't feel safe" links; confirmation emails go without them."""
    base = rt.settings.base_url
    return footer_with_links(rt.settings, program, unsubscribe_url,
                             (lambda page: f"{base}/{page}/{partner_token}")
                             if partner_token else None)


def footer_with_links(settings: Settings, program: Program, unsubscribe_url: str | None,
                      page_url: Callable[[str], str] | None,
                      public_url: Callable[[str], str] | None = None) -> Footer:
    """The footer with ``page_url(page)`` as the link to each of the partner's own pages
    ("preferences", "help", "journey"), or without those links, and ``public_url(page)``
    as the link to a page open to anyone ("privacy"), by default the app's own. The
    preview passes harmless links for both, so it shows the footer a partner gets
    without a single live link."""
    public = public_url or (lambda page: f"{settings.base_url}/{page}")
    return Footer(safety_note=program.safety_note, safety_url=settings.safety_url,
                  postal_address=settings.postal_address, unsubscribe_url=unsubscribe_url,
                  preferences_url=page_url("preferences") if page_url else None,
                  help_url=page_url("help") if page_url else None,
                  journey_url=page_url("journey") if page_url else None,
                  privacy_url=public("privacy"),
                  replies_read=settings.reply_to is not None)


def outgoing(rt: Needs, delivery: Delivery, partner: Partner, program: Program,
             rendered: RenderedEmail, unsubscribe_url: str | None) -> OutgoingEmail:
    """The email to send for ``delivery``: the rendered parts under the sender name they
    were rendered for (the program version's, or the discreet one), with Reply-To when
    the operator reads replies."""
    sender_name = rendered.sender_name or program.sender_name
    return OutgoingEmail(to_name=partner.first_name, to_address=partner.email,
                         subject=rendered.subject, html=rendered.html, text=rendered.text,
                         message_id=message_id(rt, delivery), sender_name=sender_name,
                         unsubscribe_url=unsubscribe_url, reply_to=rt.settings.reply_to,
                         list_id=None if delivery.kind is DeliveryKind.CONFIRMATION
                         else program_list_id(rt.settings, program, sender_name))


def program_list_id(settings: Settings, program: Program,
                    name: str | None = None) -> ListId:
    """One list per program: a filter on it catches every weekly email and reminder.
    ``name`` (the discreet sender name) replaces the program's in its description."""
    return ListId(name or program.sender_name, program.slug, settings.mail_domain)

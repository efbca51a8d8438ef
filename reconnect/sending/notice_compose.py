"""A notice delivery as the email it stands for. The wording is here, in one place; the
layout is the one every email shares (templates/email/notice.*)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from reconnect.mail.inline import inline_css
from reconnect.mail.message import OutgoingEmail
from reconnect.mail.plain_text import wrap_plain
from reconnect.mail.render import Footer, RenderedEmail
from reconnect.models import Delivery, Partner, PartnerStatus
from reconnect.partners.links import link_token
from reconnect.partners.notice_kinds import Notice, masked, notice_of
from reconnect.partners.preference_links import preferences_token
from reconnect.program.model import Program
from reconnect.sending.needs import Needs
from reconnect.templating import render
from reconnect.tokens import Purpose

FooterMaker = Callable[[Needs, Program, str | None, str | None], Footer]


@dataclass(frozen=True)
class Button:
    label: str
    url: str


@dataclass(frozen=True)
class Wording:
    subject: str
    preheader: str
    paragraphs: tuple[str, ...]
    buttons: tuple[Button, ...]
    after: tuple[str, ...] = ()
    # For someone in discreet mode: a subject that names nothing (no program name).
    discreet_subject: str = "A note about your account"


def compose_notice(rt: Needs, delivery: Delivery, partner: Partner, message_id: str,
                   footer: FooterMaker) -> OutgoingEmail:
    notice = notice_of(delivery.key)
    if notice is None:
        # The batch fails it with this reason (a ValueError), instead of retrying.
        raise ValueError(f"unknown notice {delivery.key}")
    program = _program(rt, partner)
    base = rt.settings.base_url
    to = partner.email
    own: str | None = preferences_token(rt, partner)
    unsubscribe_url = None if partner.status is PartnerStatus.UNSUBSCRIBED \
        else f"{base}/unsubscribe/{link_token(rt, partner, Purpose.UNSUBSCRIBE)}"
    if notice is Notice.NEW_ADDRESS:
        if partner.pending_email is None:
            raise ValueError("no new address waits for confirmation")
        to = partner.pending_email
        token = link_token(rt, partner, Purpose.ADDRESS, e=partner.pending_email)
        wording = new_address_wording(f"{base}/address/{token}")
        own = None  # the new address gets only the one link it needs
    elif notice is Notice.ADDRESS_CHANGE:
        assert partner.pending_email is not None
        wording = address_change_wording(partner.pending_email, f"{base}/preferences/{own}")
    elif notice is Notice.WELCOME_BACK:
        token = link_token(rt, partner, Purpose.REJOIN,
                           u=int(partner.unsubscribed_at.timestamp())
                           if partner.unsubscribed_at else 0)
        wording = welcome_back_wording(f"{base}/rejoin/{token}")
    else:
        assert own is not None
        wording = links_wording(base, own)
    if partner.discreet:
        wording = replace(wording, subject=wording.discreet_subject)
    rendered = render_notice(wording, partner.first_name,
                             footer(rt, program, unsubscribe_url, own))
    return OutgoingEmail(to_name=partner.first_name, to_address=to, subject=rendered.subject,
                         html=rendered.html, text=rendered.text, message_id=message_id,
                         sender_name=program.sender_name, unsubscribe_url=unsubscribe_url)


def render_notice(wording: Wording, first_name: str, footer: Footer) -> RenderedEmail:
    """HTML (styles inlined) and plain text from the layout every email shares."""
    context = {"wording": wording, "first_name": first_name, "subject": wording.subject,
               "preheader": wording.preheader, "footer": footer}
    return RenderedEmail(subject=wording.subject, preheader=wording.preheader,
                         html=inline_css(render("email/notice.html", **context)),
                         text=wrap_plain(render("email/notice.txt", **context)))


def _program(rt: Needs, partner: Partner) -> Program:
    slug = partner.program_slug if partner.program_slug in rt.programs.loaded_slugs() \
        else rt.programs.default_slug
    return rt.programs.current(slug)[1]


def links_wording(base: str, token: str) -> Wording:
    return Wording(
        subject="Your Reconnect links", discreet_subject="The links you asked for",
        preheader="The links you asked for: your preferences, your journey and help.",
        paragraphs=("You asked for your links. Each one is private to you, so please keep "
                    "this email to yourself.",),
        buttons=(Button("Your preferences and data", f"{base}/preferences/{token}"),
                 Button("Your journey so far", f"{base}/journey/{token}"),
                 Button("Help and support", f"{base}/help/{token}")),
        after=("If you did not ask for this, you can ignore it: nothing has changed.",))


def welcome_back_wording(url: str) -> Wording:
    return Wording(
        subject="Welcome back to Reconnect", discreet_subject="Welcome back",
        preheader="Continue where you stopped, or start again: your choice.",
        paragraphs=("Someone, hopefully you, signed up with this address again. Your emails "
                    "stopped earlier; if you would like them back, you can continue where "
                    "you stopped or start again from the beginning.",),
        buttons=(Button("Come back to Reconnect", url),),
        after=("If this was not you, ignore this email: nothing starts unless you choose "
               "it.",))


def new_address_wording(url: str) -> Wording:
    return Wording(
        subject="Please confirm your new address for Reconnect",
        discreet_subject="Please confirm your new address",
        preheader="One click and your emails come here from now on.",
        paragraphs=("You asked for your Reconnect emails to come to this address. Please "
                    "confirm it is yours.",),
        buttons=(Button("Use this address", url),),
        after=("If this was not you, ignore this email: nothing changes.",))


def address_change_wording(new_email: str, url: str) -> Wording:
    return Wording(
        subject="Your Reconnect address is changing",
        discreet_subject="Your address is changing",
        preheader="A change of address was asked for on your preferences page.",
        paragraphs=(f"A change of address to {masked(new_email)} was asked for "
                    "on your preferences page. Your emails move there once that address is "
                    "confirmed.",
                    "If that was not you, open your preferences and cancel the change."),
        buttons=(Button("Open my preferences", url),))

"""A notice delivery as the email it stands for: one entry point, ``compose_notice``,
that picks the email by the notice's kind (reconnect/partners/notice_kinds.py). The
wording is here, in one place; the layout is the one every email shares
(templates/email/notice.* and templates/email/notices/), and every notice goes through
``render_email`` under the reader's envelope, so discreet mode reaches all of them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from reconnect.mail.message import OutgoingEmail
from reconnect.mail.render import Envelope, Footer, RenderedEmail, envelope, render_email
from reconnect.models import Couple, Delivery, Partner, PartnerStatus
from reconnect.partners.links import link_token
from reconnect.partners.notice_kinds import Notice, masked, notice_of
from reconnect.partners.preference_links import MAX_INVITATIONS, preferences_token
from reconnect.program.model import Program
from reconnect.sending.email_parts import NothingToSend, footer, outgoing
from reconnect.sending.needs import Needs
from reconnect.tokens import Purpose

# The expired invitation's notice. In discreet mode: nothing about an invitation or a
# couple, and nothing the reader must do.
INVITATION_SUBJECT = "About your invitation"
INVITATION_PREHEADER = "A short note, and nothing you need to do."
INVITATION_DISCREET_SUBJECT = "A short note for you"
INVITATION_DISCREET_PREHEADER = "Nothing you need to do."


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


def compose_notice(session: Session, rt: Needs, delivery: Delivery,
                   partner: Partner) -> OutgoingEmail:
    notice = notice_of(delivery.key)
    if notice is None:
        # The batch fails it with this reason, instead of retrying.
        raise NothingToSend(f"no notice called {delivery.key}")
    if notice is Notice.INVITATION:
        return _invitation_notice(session, rt, delivery, partner)
    program = _program(rt, partner)
    base = rt.settings.base_url
    to = partner.email
    own: str | None = preferences_token(rt, partner)
    unsubscribe_url = None if partner.status is PartnerStatus.UNSUBSCRIBED \
        else f"{base}/unsubscribe/{link_token(rt, partner, Purpose.UNSUBSCRIBE)}"
    if notice is Notice.NEW_ADDRESS:
        if partner.pending_email is None:
            raise NothingToSend("no new address waits for confirmation")
        to = partner.pending_email
        token = link_token(rt, partner, Purpose.ADDRESS, e=partner.pending_email)
        wording = new_address_wording(f"{base}/address/{token}")
        own = None  # the new address gets only the one link it needs
    elif notice is Notice.ADDRESS_CHANGE:
        if partner.pending_email is None:
            raise NothingToSend("no change of address waits")
        wording = address_change_wording(partner.pending_email, f"{base}/preferences/{own}")
    elif notice is Notice.WELCOME_BACK:
        token = link_token(rt, partner, Purpose.REJOIN,
                           u=int(partner.unsubscribed_at.timestamp())
                           if partner.unsubscribed_at else 0)
        wording = welcome_back_wording(f"{base}/rejoin/{token}")
    else:
        assert own is not None
        wording = links_wording(base, own)
    rendered = render_notice(wording, partner.first_name,
                             footer(rt, program, unsubscribe_url, own),
                             notice_envelope(program, wording, discreet=partner.discreet))
    return replace(outgoing(rt, delivery, partner, program, rendered, unsubscribe_url),
                   to_address=to)


def notice_envelope(program: Program, wording: Wording, *, discreet: bool) -> Envelope:
    """The reader's envelope (the discreet sender name and preheader in discreet mode),
    with the notice's own subject that names nothing: "your note for this week" would
    mislead someone who asked for their links."""
    env = envelope(program, wording.subject, wording.preheader, discreet=discreet)
    return replace(env, subject=wording.discreet_subject) if discreet else env


def render_notice(wording: Wording, first_name: str, footer: Footer,
                  env: Envelope | None = None) -> RenderedEmail:
    """HTML (styles inlined) and plain text from the layout every email shares; without
    ``env``, under the subject and preheader of the wording (the email checks)."""
    return render_email("notice", env or Envelope("", wording.subject, wording.preheader),
                        wording=wording, first_name=first_name, footer=footer)


def _invitation_notice(session: Session, rt: Needs, delivery: Delivery,
                       partner: Partner) -> OutgoingEmail:
    if partner.program_version_id is None:
        raise NothingToSend(f"no program for the notice {delivery.key}")
    program = rt.programs.version(session, partner.program_version_id)
    couple = session.get(Couple, partner.couple_id)
    left = max(0, MAX_INVITATIONS - couple.invitations_sent) if couple is not None else 0
    base = rt.settings.base_url
    token = preferences_token(rt, partner)
    unsubscribe_url = f"{base}/unsubscribe/{link_token(rt, partner, Purpose.UNSUBSCRIBE)}"
    rendered = render_invitation_notice(
        program, partner.first_name, left, f"{base}/preferences/{token}#invite-heading",
        footer(rt, program, unsubscribe_url, token), discreet=partner.discreet)
    return outgoing(rt, delivery, partner, program, rendered, unsubscribe_url)


def render_invitation_notice(program: Program, first_name: str, invitations_left: int,
                             preferences_url: str, email_footer: Footer, *,
                             discreet: bool = False) -> RenderedEmail:
    """The expired-invitation notice; the preview and the email checks render it too."""
    env = envelope(program, INVITATION_SUBJECT, INVITATION_PREHEADER, discreet=discreet)
    if discreet:
        env = replace(env, subject=INVITATION_DISCREET_SUBJECT,
                      preheader=INVITATION_DISCREET_PREHEADER)
    return render_email("notices/invitation_expired", env, program=program,
                        first_name=first_name, invitations_left=invitations_left,
                        preferences_url=preferences_url, footer=email_footer)


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

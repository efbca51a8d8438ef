"""Turns a notice delivery into its email (templates/email/notices/). Kept apart from
``compose.py`` so the stage emails' composition and this one can change separately; the
deliver step picks one by the delivery's kind."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reconnect.mail.inline import inline_css
from reconnect.mail.message import OutgoingEmail
from reconnect.mail.plain_text import wrap_plain
from reconnect.mail.render import Footer, RenderedEmail
from reconnect.models import Couple, Delivery, Partner
from reconnect.partners.notices import is_invitation_notice
from reconnect.partners.preference_links import MAX_INVITATIONS, preferences_token
from reconnect.partners.service import unsubscribe_token
from reconnect.program.model import Program
from reconnect.sending.compose import NothingToSend, footer, message_id, program_list_id
from reconnect.sending.needs import Needs
from reconnect.templating import render

SUBJECT = "About your invitation"
PREHEADER = "A short note, and nothing you need to do."
# Used when the reader chose discreet emails: nothing about an invitation or a couple.
DISCREET_SUBJECT = "A short note for you"
DISCREET_PREHEADER = "Nothing you need to do."


def compose_notice(session: Session, rt: Needs, delivery: Delivery,
                   partner: Partner) -> OutgoingEmail:
    if not is_invitation_notice(delivery) or partner.program_version_id is None:
        raise NothingToSend(f"no notice called {delivery.key}")
    program = rt.programs.version(session, partner.program_version_id)
    couple = session.get(Couple, partner.couple_id)
    left = max(0, MAX_INVITATIONS - couple.invitations_sent) if couple is not None else 0
    base = rt.settings.base_url
    token = preferences_token(rt, partner)
    unsubscribe_url = f"{base}/unsubscribe/{unsubscribe_token(rt, partner)}"
    rendered = render_invitation_notice(
        program, partner.first_name, left, f"{base}/preferences/{token}#invite-heading",
        footer(rt, program, unsubscribe_url, token), discreet=partner.discreet)
    return OutgoingEmail(to_name=partner.first_name, to_address=partner.email,
                         subject=rendered.subject, html=rendered.html, text=rendered.text,
                         message_id=message_id(rt, delivery),
                         sender_name=program.sender_name, unsubscribe_url=unsubscribe_url,
                         list_id=program_list_id(rt.settings, program))


def render_invitation_notice(program: Program, first_name: str, invitations_left: int,
                             preferences_url: str, email_footer: Footer, *,
                             discreet: bool = False) -> RenderedEmail:
    """The expired-invitation notice; the preview and the email checks render it too."""
    subject, preheader = (DISCREET_SUBJECT, DISCREET_PREHEADER) if discreet \
        else (SUBJECT, PREHEADER)
    context: dict[str, object] = {
        "first_name": first_name, "invitations_left": invitations_left,
        "preferences_url": preferences_url, "footer": email_footer, "subject": subject,
        "preheader": preheader, "program": program}
    return RenderedEmail(
        subject=subject, preheader=preheader,
        html=inline_css(render("email/notices/invitation_expired.html", **context)),
        text=wrap_plain(render("email/notices/invitation_expired.txt", **context)))

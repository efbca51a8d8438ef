"""The bytes of an email: read back by a standard parser exactly as they were meant."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from reconnect.mail import message
from reconnect.mail.list_headers import ListId
from reconnect.mail.message import OutgoingEmail, build_message

SENT_AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def _mail(**overrides: str | bool | ListId | None) -> OutgoingEmail:
    fields: dict[str, Any] = {
        "to_name": "Ana", "to_address": "ana@example.org", "subject": "Your week",
        "html": "<p>Hello <b>Ana</b></p>", "text": "Hello Ana\n\nSee you.",
        "message_id": "<reconnect.1.welcome@reconnect.test>",
        "sender_name": "Reconnect", "unsubscribe_url": "https://r.test/unsubscribe/t"}
    fields.update(overrides)
    return OutgoingEmail(**fields)


def _parsed(mail: OutgoingEmail) -> EmailMessage:
    wire = build_message(mail, "hello@reconnect.test", SENT_AT)
    parsed = email.message_from_bytes(wire.data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # as the parser reads SMTP lines


def test_both_parts_read_back_exactly() -> None:
    text = "Hello Ana,\n\nA line with a café, an emoji 🌱 and = signs.\n" + "long " * 60
    html = "<p>" + "Words that go on and on. " * 40 + "</p>\n<p>Ünïcödé</p>"
    parsed = _parsed(_mail(text=text, html=html))
    assert _part(parsed, "plain") == text + "\n"
    assert _part(parsed, "html") == html + "\n"


def test_every_line_fits_the_smtp_limit_and_ends_in_crlf() -> None:
    wire = build_message(_mail(html="<p>" + "x" * 5000 + "</p>"), "hello@reconnect.test",
                         SENT_AT)
    lines = wire.data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 78
    assert b"\n" not in wire.data.replace(b"\r\n", b"")


def test_headers_carry_names_subject_and_one_click_unsubscribe() -> None:
    parsed = _parsed(_mail(to_name="Zoë O'Neil", subject="Een week voor jullie — samen"))
    assert parsed["To"].addresses[0].display_name == "Zoë O'Neil"
    assert parsed["To"].addresses[0].addr_spec == "ana@example.org"
    assert parsed["From"].addresses[0].display_name == "Reconnect"
    assert parsed["Subject"] == "Een week voor jullie — samen"
    assert parsed["Message-ID"] == "<reconnect.1.welcome@reconnect.test>"
    assert parsed["List-Unsubscribe"] == "<https://r.test/unsubscribe/t>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Date"].datetime == SENT_AT
    assert parsed.get_content_type() == "multipart/alternative"


def test_a_confirmation_without_unsubscribe_link_has_no_list_headers() -> None:
    parsed = _parsed(_mail(unsubscribe_url=""))
    assert parsed["List-Unsubscribe"] is None


def test_a_name_with_quotes_and_commas_stays_one_address() -> None:
    parsed = _parsed(_mail(to_name='Ana "Annie", Smith'))
    [address] = parsed["To"].addresses
    assert address.display_name == 'Ana "Annie", Smith'


@pytest.mark.parametrize("field", ["subject", "to_name", "sender_name"])
def test_a_line_break_in_a_header_value_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match=r"carriage return|CR or LF"):
        build_message(_mail(**{field: "Hi\r\nBcc: all@example.org"}), "hello@reconnect.test",
                      SENT_AT)


def test_the_envelope_names_sender_and_recipient() -> None:
    wire = build_message(_mail(), "hello@reconnect.test", SENT_AT)
    assert (wire.sender, wire.recipient) == ("hello@reconnect.test", "ana@example.org")


def test_one_click_unsubscribe_is_written_as_is_even_when_long() -> None:
    url = "https://reconnect.example.org/unsubscribe/" + "Ab3-_" * 16
    wire = build_message(_mail(unsubscribe_url=url), "hello@reconnect.test", SENT_AT)
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in wire.data
    assert b"=?" not in wire.data.split(b"\r\n\r\n")[0].replace(b"=_reconnect", b"")


def test_an_encoded_word_in_a_subject_is_refused() -> None:
    with pytest.raises(ValueError, match="encoded word"):
        build_message(_mail(subject="=?utf-8?q?hi=0D=0ABcc=3A_x=40y?="),
                      "hello@reconnect.test", SENT_AT)


def test_a_test_send_is_marked_in_a_header() -> None:
    assert _parsed(_mail(is_test=True))["X-Reconnect-Test"] == "yes"


def test_a_partners_email_carries_no_test_mark() -> None:
    assert _parsed(_mail())["X-Reconnect-Test"] is None


MAIN_LIST = ListId("Reconnect", "main", "reconnect.test")


def test_a_program_email_names_its_list() -> None:
    assert _parsed(_mail(list_id=MAIN_LIST))["List-Id"] == "Reconnect <main.reconnect.test>"


def test_a_one_off_email_names_no_list() -> None:
    assert _parsed(_mail(list_id=None))["List-Id"] is None


@pytest.mark.parametrize(("description", "header"), [
    ("Zoë & Co", "Zoë & Co <main.reconnect.test>"),
    ("Reconnect: the team", '"Reconnect: the team" <main.reconnect.test>'),
    ('Say "hi"', '"Say \\"hi\\"" <main.reconnect.test>'),
])
def test_a_list_description_is_quoted_or_encoded_and_reads_back(description: str,
                                                                 header: str) -> None:
    wire = build_message(_mail(list_id=ListId(description, "main", "reconnect.test")),
                         "hello@reconnect.test", SENT_AT)
    assert b"List-Id: " in wire.data
    assert wire.data.isascii()
    parsed = email.message_from_bytes(wire.data, policy=email.policy.default)
    assert parsed["List-Id"] == header


@pytest.mark.parametrize(("description", "label", "namespace"), [
    ("Reconnect", "main", ""), ("Reconnect", "ma in", "reconnect.test"),
    ("Re\r\nBcc: x@y", "main", "reconnect.test"), ("=?utf-8?q?x?=", "main", "r.test"),
])
def test_a_list_id_that_is_not_one_is_refused(description: str, label: str,
                                              namespace: str) -> None:
    with pytest.raises(ValueError, match="list"):
        ListId(description, label, namespace)


def test_outlook_is_asked_for_no_out_of_office_or_auto_replies_but_still_bounces() -> None:
    for mail in (_mail(), _mail(list_id=MAIN_LIST), _mail(unsubscribe_url="")):
        assert _parsed(mail)["X-Auto-Response-Suppress"] == "OOF, AutoReply"


ADDRESS_HEADER_NAMES = ["Ana", "Ana Maria", "X", "123", "", "O'Brien", "Anne-Marie",
                        "José", "Zoë Smith", "Ana, Ben", 'Say "hi"', "a.b", "Ana  Maria",
                        " Ana", "Ana ", "名前", "Alexandrina Wilhelmina Katharina Oceana Lee",
                        "A" * 70, "Ben (work)", "Dr. Who", "Ana;Ben", "Ana\tBen"]
ADDRESS_HEADER_ADDRESSES = ["ana@example.org", "a.b+c_d-e@sub.example.co.uk", "x@y.io",
                            "first.last@example-site.org",
                            "a" * 40 + "@" + "b" * 20 + ".example.org", "o'brien@example.org",
                            "ana@example.org.", "ana..b@example.org"]


@pytest.mark.parametrize("addr_spec", ADDRESS_HEADER_ADDRESSES)
@pytest.mark.parametrize("display_name", ADDRESS_HEADER_NAMES)
def test_the_recipient_header_shortcut_writes_what_the_standard_library_writes(
        display_name: str, addr_spec: str) -> None:
    try:
        expected: bytes | type[Exception] = message._folded_address("To", display_name,
                                                                    addr_spec)
    except Exception as exc:
        expected = type(exc)
    try:
        got: bytes | type[Exception] = message._address_header("To", display_name, addr_spec)
    except Exception as exc:
        got = type(exc)
    assert got == expected

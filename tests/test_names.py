"""Names: every real name in every script is welcome; nothing that reads as a link, an
address or a phone number gets in, so a name can never carry a stranger's message."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reconnect.validation import clean_name
from tests.support.flows import signup_body

REAL_NAMES = [
    "प्रिया",  # Devanagari: vowel signs and a virama are combining marks
    "தமிழ்",  # Tamil
    "Zoë", "Zoe\u0308",  # either Unicode normal form
    "Ngũgĩ", "O’Brien", "D'Arcy", "Anne-Marie", "J.R.", "María de los Ángeles",
    "محمد", "فاطمه\u200cزهرا",  # Persian with a zero-width non-joiner
    "李小龙", "Ólafur", "Þóra", "Nguyễn", "Σοφία", "Дарья", "עדי", "ሳሮን", "ສົມ",
]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_a_real_name_in_any_script_is_accepted(name: str) -> None:
    assert clean_name(name)


def test_a_name_is_stored_in_one_normal_form() -> None:
    assert clean_name("Zoe\u0308") == clean_name("Zoë") == "Zoë"


@pytest.mark.parametrize("spaced", ["Anne\u00a0Marie", "Anne\u202fMarie", "  Anne   Marie "])
def test_any_kind_of_space_becomes_one_plain_space(spaced: str) -> None:
    assert clean_name(spaced) == "Anne Marie"


@pytest.mark.parametrize("impostor", [
    "bank.example", "support.bank-example.com", "www Example", "http", "https",
    "ana@example.org", "ana at example@org", "+44 20 7946 0000", "555-1234", "0800 123",
    "https://example.org", "Your account is locked. Call support at bank.example",
])
def test_anything_that_reads_as_a_link_address_or_phone_number_is_refused(
        impostor: str) -> None:
    with pytest.raises(ValueError, match="web address, an email address or a phone number"):
        clean_name(impostor)


@pytest.mark.parametrize("odd", ["Ana1", "<b>Ana</b>", "Ana!", "Ana_B", "\u200dAna", "-Ana",
                                 "a\u0301\u0302\u0303\u0304\u0305", "=?utf-8?q?Admin?="])
def test_digits_symbols_and_stacked_marks_are_refused(odd: str) -> None:
    with pytest.raises(ValueError, match="name"):
        clean_name(odd)


def test_a_sentence_is_not_a_name() -> None:
    with pytest.raises(ValueError, match="at most 4 words"):
        clean_name("Call our support desk now")


def test_the_page_explains_a_refused_name_beside_its_field(client: TestClient) -> None:
    form = {**signup_body(first_name="bank.example"), "send_hour": "7"}
    response = client.post("/", data=form)
    assert response.status_code == 422
    assert 'id="first_name-error"' in response.text
    assert "web address" in response.text

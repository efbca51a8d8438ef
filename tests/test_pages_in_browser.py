"""Pages in real headless Chromium: keyboard-only, on a phone-sized screen."""

from __future__ import annotations

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import select

from reconnect.clock import ManualClock
from reconnect.models import Partner
from reconnect.runtime import Runtime
from tests.support.browser import needs_chromium, shot
from tests.support.flows import ANA, first_stage_email, partner, row_counts
from tests.support.links import help_path, preferences_path, reflect_paths
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

pytestmark = needs_chromium


def test_a_person_can_sign_up_with_the_keyboard_alone_on_a_phone(page: Page,
                                                                  runtime: Runtime) -> None:
    page.goto("/")
    shot(page, "signup-375px")
    page.keyboard.press("Tab")
    expect(page.locator("#first_name")).to_be_focused()
    page.keyboard.type("Ana")
    page.keyboard.press("Tab")
    page.keyboard.type("ana@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("Europe/Lisbon")  # type-ahead in the time zone list
    # The hour, the program, the help link, taking part, "discreet emails", the button.
    for _ in range(6):
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Start the program")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    shot(page, "signup-done-375px")
    assert row_counts(runtime)["partners"] == 1
    assert partner(runtime, ANA).program_slug == "main"


def test_a_person_can_choose_the_check_in_with_the_keyboard_on_a_phone(
        page: Page, runtime: Runtime) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.type("Ana")
    page.keyboard.press("Tab")
    page.keyboard.type("ana@example.org")
    for _ in range(3):  # the time zone, the hour, then into the program choice
        page.keyboard.press("Tab")
    main, check_in = (page.get_by_role("radio", name=p.title)
                      for p in runtime.programs.loaded_programs())
    expect(page.get_by_role("group", name="Choose your program")).to_be_visible()
    expect(main).to_be_focused()
    expect(main).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(check_in).to_be_focused()
    expect(check_in).to_be_checked()
    expect(main).not_to_be_checked()
    shot(page, "signup-program-choice-375px")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for _ in range(4):  # the help link, taking part, "discreet emails", then the button
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Start the program")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    # The signup is processed just after the answer is sent.
    wait_until(lambda: _exists(runtime, ANA))
    assert partner(runtime, ANA).program_slug == "check-in"


def test_an_error_appears_beside_its_field_in_the_browser(page: Page,
                                                          runtime: Runtime) -> None:
    page.goto("/")
    page.get_by_label("Your first name").fill("Ana")
    page.get_by_label("Your email address").fill("not an address")
    page.get_by_role("button", name="Start the program").click()
    field = page.locator("#email")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_be_visible()
    expect(field).to_have_value("not an address")
    shot(page, "signup-error-375px")
    assert row_counts(runtime)["partners"] == 0


def test_the_page_fits_a_phone_without_sideways_scrolling(page: Page) -> None:
    page.goto("/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_a_partner_can_pause_and_resume_from_the_preferences_page_by_keyboard(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    page.goto(preferences_path(message))
    shot(page, "preferences-375px")
    pause = page.get_by_role("button", name="Pause my emails")
    pause.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("paused")
    assert partner(runtime, ANA).paused_at is not None
    page.get_by_role("button", name="Resume my emails").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Pause my emails")).to_be_visible()
    assert partner(runtime, ANA).paused_at is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_quiet_day_mistake_is_shown_beside_the_days_in_the_browser(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    page.goto(preferences_path(message))
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                "Sunday"):
        page.get_by_label(day).check()
    page.get_by_role("button", name="Save these choices").click()
    expect(page.locator("#quiet_days-error")).to_contain_text("at least one day")
    shot(page, "preferences-error-375px")
    assert partner(runtime, ANA).quiet_days == ""


def test_the_help_page_puts_crisis_resources_first_on_a_phone(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    page.goto(help_path(message))
    shot(page, "help-375px")
    expect(page.get_by_role("region", name="If you are in danger right now")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Pause my emails").click()
    expect(page.get_by_role("status")).to_contain_text("Your partner is not told")


def test_each_reflection_link_in_a_stage_email_opens_its_own_question(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    _, program = runtime.programs.current()
    questions = {p.key: p.question for p in program.stages[0].prompts}
    for path in reflect_paths(message):
        prompt_key, answer = path.split("?")[0].rsplit("/", 1)[1], path.split("answer=")[1]
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(questions[prompt_key])
        expect(page.locator(f'input[name="answer"][value="{answer}"]')).to_be_checked()


def test_a_reflection_is_answered_shared_and_saved_in_the_browser(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    path = next(p for p in reflect_paths(message) if "/connection?" in p)
    page.goto(path.split("?")[0])
    page.get_by_label("2", exact=True).check()
    page.get_by_label("Share this answer with my partner").check()
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    shot(page, "reflect-saved-375px")
    expect(page.get_by_label("Share this answer with my partner")).to_be_checked()


def test_erasing_from_the_browser_confirms_what_went(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    message = first_stage_email(client, runtime, smtp_sink, clock)
    page.goto(preferences_path(message))
    page.get_by_role("link", name="Erase everything about you").click()
    page.get_by_role("button", name="Yes, erase my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data has been erased")
    shot(page, "erased-375px")
    assert row_counts(runtime)["partners"] == 0


def _exists(runtime: Runtime, email: str) -> bool:
    with runtime.read_session() as session:
        return session.execute(
            select(Partner.id).where(Partner.email == email)).first() is not None


def _on_the_help_page(page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
                      clock: ManualClock) -> str:
    """Opens the signup page, then the help page from an email; the quick exit leads to
    the app's own health check here, standing in for an everyday site."""
    runtime.settings = runtime.settings.model_copy(update={"quick_exit_url": "/healthz"})
    message = first_stage_email(client, runtime, smtp_sink, clock)
    page.goto("/")
    page.goto(help_path(message))
    expect(page).to_have_title("Notes")
    return page.url


def test_the_quick_exit_leaves_the_help_page_by_mouse_and_out_of_the_history(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    help_url = _on_the_help_page(page, client, runtime, smtp_sink, clock)
    expect(page.get_by_role("link", name="Leave this page")).to_be_in_viewport()
    page.get_by_role("link", name="Leave this page").click()
    page.wait_for_url("**/healthz")
    page.go_back()
    assert page.url != help_url
    assert page.url.endswith("/")  # the back button skips the help page


def test_the_escape_key_leaves_the_help_page_at_once(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    help_url = _on_the_help_page(page, client, runtime, smtp_sink, clock)
    page.keyboard.press("Escape")
    page.wait_for_url("**/healthz")
    page.go_back()
    assert page.url != help_url


def test_the_quick_exit_stays_in_view_while_scrolling_on_a_phone(
        page: Page, client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        clock: ManualClock) -> None:
    _on_the_help_page(page, client, runtime, smtp_sink, clock)
    page.mouse.wheel(0, 2000)
    expect(page.get_by_role("link", name="Leave this page")).to_be_in_viewport()
    shot(page, "help-scrolled-quick-exit-375px")


def test_the_partners_fields_appear_only_when_inviting_them(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_label("Your partner's email address")).to_be_hidden()
    page.get_by_label("Me, and I would like to invite my partner").check()
    expect(page.get_by_label("Your partner's email address")).to_be_visible()
    shot(page, "signup-inviting-375px")
    page.get_by_label("Just me, for now").check()
    expect(page.get_by_label("Your partner's email address")).to_be_hidden()

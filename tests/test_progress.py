"""The progress bar of long commands: on a terminal it shows how far they are; in logs
and pipes it stays silent; either way every item goes through once, in order."""

from __future__ import annotations

import pytest

from reconnect.progress import track


def test_every_item_goes_through_once_in_order() -> None:
    assert list(track(iter(range(5)), "Counting", total=5)) == [0, 1, 2, 3, 4]


def test_nothing_is_drawn_when_standard_error_is_not_a_terminal(
        capsys: pytest.CaptureFixture[str]) -> None:
    list(track(["a", "b"], "Working"))
    assert capsys.readouterr() == ("", "")


def test_on_a_terminal_the_bar_shows_the_count_done(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    list(track(["a", "b", "c"], "Previewing main"))
    drawn = capsys.readouterr()
    assert drawn.out == ""
    assert "Previewing main" in drawn.err
    assert "3/3" in drawn.err

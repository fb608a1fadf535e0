"""Reading a hotkey combination (no Qt, no X server): refused with the reason, or normalised."""

from __future__ import annotations

import pytest

from app.errors import HotkeyUnavailable
from app.hotkey import describe, parse_combo


@pytest.mark.parametrize("text, problem", [
    ("S", "steal ordinary typing"),
    ("Ctrl+Alt", "no key besides"),
    ("Ctrl+Hyper+S", "not a key combination"),
    ("Ctrl+Alt+Euro", "does not know the key"),
])
def test_bad_combinations(text: str, problem: str) -> None:
    with pytest.raises(HotkeyUnavailable, match=problem):
        parse_combo(text)


def test_combinations_are_normalised() -> None:
    assert str(parse_combo("shift+ctrl+alt+s")) == "Ctrl+Alt+Shift+S"
    assert str(parse_combo("Super+PrtSc")) == "Super+Print"
    assert str(parse_combo("F9")) == "F9"


def test_describe_says_what_is_wrong_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    assert "Ctrl+Alt+Shift+X" in describe("ctrl+alt+shift+x")
    assert "steal ordinary typing" in describe("S")

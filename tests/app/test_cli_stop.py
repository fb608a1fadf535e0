"""Stopping a clone from the terminal keeps what the model had written, and says where; the
demo's closing words do not contradict each other."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from app import cli
from app.job.events import CloneResult, JobEvent, TokenChunk
from app.progress import follow


def test_ctrl_c_keeps_the_partial_answer(tmp_path: Path, ui_png: Path,
                                         tiny_model: tuple[Path, Path],
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[str] = []

    def interrupted_after_five_tokens(events: Iterable[JobEvent]) -> CloneResult:
        def until_ctrl_c() -> Iterable[JobEvent]:
            for ev in events:
                if isinstance(ev, TokenChunk):
                    seen.append(ev.text)
                    if len(seen) == 5:
                        raise KeyboardInterrupt  # as SIGINT arrives in the main thread
                yield ev
        return follow(until_ctrl_c())

    monkeypatch.setattr(cli, "follow", interrupted_after_five_tokens)
    out = tmp_path / "page.html"
    code = cli.main(["clone", str(ui_png), "-o", str(out), "--model", str(tiny_model[0]),
                     "--mmproj", str(tiny_model[1]), "--ctx", "4096", "--max-tokens", "200"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 130 and err[-1] == "shotclone: Stopped by the user."
    assert err[-2].startswith("shotclone: what the model had written is kept in ")
    kept = Path(err[-2].rsplit(" ", 1)[-1])
    assert kept.read_text() == "".join(seen) and not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ui.png"]  # nothing half-written
    from app.outputs.history import History

    assert History().entries()[0].meta["status"] == "stopped"  # kept as the app keeps it


def test_the_demo_does_not_say_both_closed_off_and_no_html(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo", "-o", str(tmp_path / "demo")]) == 0
    err = capsys.readouterr().err
    assert "the model wrote no HTML" in err  # the stand-in model writes gibberish
    assert "closed off" not in err

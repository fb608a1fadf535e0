"""The status bar's view of a run and the toolbar's model label: both only draw the headless
run state (``app.job.run.RunState``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from app.job.run import RunState
from app.settings import Settings


class ModelLabel(QLabel):
    """Which model, and whether it is loaded: "gemma-4 · ready · CPU · loaded in 3.1 s"."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ModelStatus")

    def show_state(self, settings: Settings, state: str, detail: str = "") -> None:
        if settings.endpoint:
            name = f"Server {settings.endpoint}"
        elif settings.model:
            name = Path(settings.model).stem
        else:
            name = "no model"
        self.setText(f"{name} · {state}{' · ' + detail if detail else ''}")
        self.setProperty("state", state)


SPEED_AFTER_TOKENS, SPEED_AFTER_S = 8, 0.5


class RunStatus:
    """The phase, a progress bar, tokens, speed and elapsed time, in the window's status bar."""

    def __init__(self, bar: QStatusBar) -> None:
        self.phase = QLabel("Ready")
        self.progress = QProgressBar(maximumWidth=260, textVisible=False)
        self.progress.hide()
        self.tokens = QLabel()
        self.speed = QLabel()
        self.elapsed = QLabel()
        bar.addWidget(self.phase, 1)
        for w in (self.tokens, self.speed, self.elapsed, self.progress):
            bar.addPermanentWidget(w)
        self.run: RunState | None = None
        self._ticker = QTimer(bar, interval=250)
        self._ticker.timeout.connect(self._tick)

    def say(self, text: str, busy: bool = False) -> None:
        """A line of its own (opening a file, exporting, a run's end); the bar shows only
        while something is under way."""
        self.phase.setText(text)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    def clear(self) -> None:
        """Another screenshot or a past run is shown: the last run's numbers go."""
        self.run = None
        self._ticker.stop()
        for label in (self.tokens, self.speed, self.elapsed):
            label.clear()

    def say_busy(self, text: str) -> None:
        """A line of its own while something runs (the bar moves)."""
        self.say(text, busy=True)

    def follow(self, run: RunState) -> None:
        self.run = run
        self.tokens.clear()
        self.speed.clear()
        self._ticker.start()
        self.draw()

    def draw(self) -> None:
        run = self.run
        if run is None:
            return
        if run.tokens:
            self.tokens.setText(f"{run.tokens} tokens")
        if run.ended:
            self._show_speed()
        if run.stage == "generate" and not run.ended:
            self.phase.setText(run.phase())
            self.progress.setVisible(True)
            self.progress.setRange(0, run.max_tokens)
            self.progress.setValue(run.tokens)
        else:
            self.say(run.phase(), busy=not run.ended)

    def _show_speed(self) -> None:
        """The speed since the first token, shown once it means something (the first few
        tokens come in a burst) and redrawn with the clock, not with every token."""
        run = self.run
        if run is not None and (run.ended or (run.tokens >= SPEED_AFTER_TOKENS and
                                              run.last_token_at - run.first_token_at
                                              >= SPEED_AFTER_S)):
            self.speed.setText(f"{run.rate:.1f} tok/s")

    def stop_clock(self) -> None:
        self._tick()
        self._ticker.stop()

    def _tick(self) -> None:
        if self.run is not None:
            self.elapsed.setText(f"{self.run.elapsed():.0f} s")
            self._show_speed()

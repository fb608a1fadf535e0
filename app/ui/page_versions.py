"""Asking the model again about the shown page: Refine, an edit by instruction, and the page's
versions (the list under the code, Ctrl+Z back one). A follow-up's pages become versions of
the same run, never a new run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from app.job.run import RunState, with_backend
from app.ui.threads import run_in_thread

if TYPE_CHECKING:
    from app.job.events import CloneResult
    from app.job.refine import Asking
    from app.ui.main_window import MainWindow
    from inference.backend import Backend
    from inference.cancel import CancelToken


class PageVersions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.asking = ""  # "refine" or "edit" while the model works on the shown page
        self.steps: list[str] = []  # what the repair steps and refine rounds said

    def reset(self) -> None:
        """No follow-up under way (a new run, or the runner gone idle)."""
        self.asking, self.steps = "", []

    def refine(self) -> None:
        """Ask the model to fix the page's worst differences from the screenshot; a round is
        kept only if the score rises, so the page never ends lower."""
        from app.job.refine import RefineJob, run_refine
        from app.page.repair import text_reader

        w = self.window
        html, renders = w.code.page_text(), w.renders
        if w.shot is None or not html.strip():
            return
        job = RefineJob(screenshot=w.shot, html=html,
                        rounds=max(1, w.settings.refine_rounds), asking=self._asking())
        self._follow(job.job_id, "refine", lambda backend, cancel: run_refine(
            job, backend, renders, cancel, text_reader()))

    def edit(self, instruction: str) -> None:
        """Ask the model to change the page as ``instruction`` says; undone with Ctrl+Z."""
        from app.job.refine import EditJob, run_edit

        w = self.window
        html, renders = w.code.page_text(), w.renders
        if w.shot is None or not html.strip() or not instruction.strip():
            return
        job = EditJob(html=html, instruction=instruction, screenshot=w.shot,
                      asking=self._asking())
        self._follow(job.job_id, "edit", lambda backend, cancel: run_edit(
            job, backend, renders, cancel))

    def _asking(self) -> Asking:
        from app.job.refine import Asking

        s = self.window.settings
        return Asking(max_tokens=s.max_tokens, temperature=s.temperature, seed=s.seed,
                      speculate=s.speculate)

    def _follow(self, job_id: str, what: str,
                events: Callable[[Backend, CancelToken], Any]) -> None:
        w = self.window
        if w.running:
            return
        if w.entry is not None and not w.entry.versions():  # a page from before versions
            w.entry.save_page(w.code.page_text(), label="the page as it was")
        settings, backends = w.settings, w.backends
        w.run = RunState(max_tokens=settings.max_tokens)  # kept as versions, not a new run
        self.asking, self.steps = what, []
        w.banner.hide()
        w.status.follow(w.run)
        w.runner.start(lambda cancel: with_backend(
            settings, backends, job_id, lambda backend: events(backend, cancel)))
        w.update_actions()

    def finish(self, result: CloneResult) -> None:
        """Keep a refine's or an edit's pages as versions, and say what happened."""
        w = self.window
        entry, versions = w.entry, result.versions
        if self.asking == "edit":
            w.page_bar.edit_box.clear()
        said = "\n".join(self.steps) or f"edit: {result.page.changes[0]}"
        kept = bool(versions)
        w.banner.show_message(
            ("Kept: " if kept else "Nothing better came back; the page stays as it was. ")
            + said.splitlines()[-1], "info", said)
        if entry is not None and versions:
            def keep() -> None:
                for v in versions:
                    entry.add_version(v)
                if result.review is not None:
                    entry.save_review(result.review)

            run_in_thread(keep, lambda _: (w.recent.refresh(), self.show()),
                          lambda e: w.show_error(e, "Could not save the version"), owner=self)
        self.asking = ""

    def back(self) -> None:
        """Ctrl+Z: the page's previous version (the later ones stay, to come back to)."""
        entry = self.window.entry
        current = entry.current_version if entry is not None else None
        if current and current > 1 and not self.window.running:
            self.go_to(current - 1)

    def go_to(self, n: int) -> None:
        w = self.window
        entry = w.entry
        if entry is None or w.running:
            return
        html = entry.go_to(n)
        w.code.show_text(html)
        self.show()
        w.review_page(html, "version")

    def show(self) -> None:
        """The shown entry's versions in the list, the current one chosen."""
        entry = self.window.entry
        self.window.page_bar.show_versions(entry.versions() if entry is not None else [],
                                           entry.current_version if entry is not None else None)
        self.window.update_actions()

    def update_actions(self, has_shot: bool, has_page: bool, running: bool) -> None:
        """Refine, the edit box, Back and the versions list, as the page and the run allow."""
        w, entry = self.window, self.window.entry
        w.refine_action.setEnabled(has_shot and has_page and not running)
        w.page_bar.edit_box.setEnabled(has_page and not running)
        current = entry.current_version if entry is not None else None
        w.back_action.setEnabled(bool(current and current > 1) and not running)
        w.page_bar.versions.setEnabled(not running and w.page_bar.versions.count() > 1)

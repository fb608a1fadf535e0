"""Live preview renders never queue up: only the newest waiting request survives."""

from pathlib import Path

from app.intake import load_screenshot
from app.ui.render_service import RenderRequest, RenderService


def test_renders_coalesce_to_the_newest(qtbot: object, ui_png: Path) -> None:
    shot = load_screenshot(ui_png)
    service = RenderService()
    done: list[str] = []
    service.rendered.connect(lambda request, result: done.append(request.tag))
    try:
        for i in range(6):  # faster than any render: all but the first must wait
            service.request(RenderRequest(html=f"<p>{i}</p>", screenshot=shot, compare=False,
                                          tag=str(i)))
        qtbot.waitUntil(lambda: not service.busy and len(done) >= 2, timeout=30_000)  # type: ignore[attr-defined]
        assert done == ["0", "5"]  # the first, then only the newest; 1-4 were replaced
        service.request(RenderRequest(html="<p>x</p>", screenshot=shot, compare=True, tag="c"))
        qtbot.waitUntil(lambda: done[-1] == "c", timeout=30_000)  # type: ignore[attr-defined]
    finally:
        service.shutdown()

from collections.abc import Iterator

import pytest

from app.review.render import Renderer


@pytest.fixture(scope="session")
def renderer() -> Iterator[Renderer]:
    """One warm browser for the whole run, as the app keeps one."""
    with Renderer() as r:
        yield r

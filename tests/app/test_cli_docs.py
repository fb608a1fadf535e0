from pathlib import Path

from app.cli_docs import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_the_cli_reference_is_current() -> None:
    assert DOC.read_text() == reference(), (
        "docs/cli.md is out of date: run `python -m app.cli_docs > docs/cli.md`")

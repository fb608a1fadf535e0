"""Prompt templates, kept as plain text files beside this module and versioned with the code.
Placeholders are written ``$name`` (string.Template), so CSS braces need no escaping."""

from __future__ import annotations

from importlib import resources
from string import Template


def load_prompt(name: str, **variables: object) -> str:
    """Read ``prompts/<name>.md`` and fill its ``$placeholders``; a missing one is an error."""
    text = resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")
    return Template(text).substitute({k: str(v) for k, v in variables.items()}).strip()

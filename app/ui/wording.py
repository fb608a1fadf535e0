"""Messages in the app's own words: the shared errors name command-line flags (--mmproj), which
the window shows as the settings a person sees ("Vision projector")."""

from __future__ import annotations

import re

SETTING_NAMES = {
    "model": "Model",
    "mmproj": "Vision projector",
    "gpu-layers": "GPU layers",
    "ctx": "Context",
    "image-tokens": "Image token budget",
    "max-tokens": "Max tokens",
    "endpoint": "Endpoint",
    "endpoint-model": "Model name",
}
# A flag of ours, with its placeholder if any; not another program's (llama-server: --mmproj).
_FLAG = re.compile(r"(?<!llama-server: )--([a-z][a-z-]*)(?: (?:[A-Z]+\.gguf|FILE|N)\b)?")


def in_app_words(message: str) -> str:
    def name(m: re.Match[str]) -> str:
        setting = SETTING_NAMES.get(m.group(1))
        return f"“{setting}”" if setting else m.group(0)

    return _FLAG.sub(name, message)

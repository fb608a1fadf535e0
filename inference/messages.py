"""The chat messages for a request, in the OpenAI format that llama-cpp-python's handlers and
every OpenAI-compatible server take: one place, so local and remote models see the same."""

from __future__ import annotations

import base64
from typing import Any

from inference.config import GenerationRequest


def image_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def chat_messages(request: GenerationRequest) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": request.system},
        {"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": image_data_uri(request.image_png)}},
            {"type": "text", "text": request.prompt},
        ]},
    ]

"""Real servers on 127.0.0.1 for the remote-backend tests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """llama-cpp-python's own OpenAI-compatible server, serving a model and its mmproj."""

    def __init__(self, model: Path, mmproj: Path | None, api_key: str | None = None) -> None:
        self.port = free_port()
        args = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host",
                "127.0.0.1", "--port", str(self.port), "--n_ctx", "4096", "--n_batch", "1120",
                "--n_ubatch", "1120"]
        if mmproj is not None:
            args += ["--clip_model_path", str(mmproj), "--chat_format", "gemma4"]
        if api_key:
            args += ["--api_key", api_key]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}/v1"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/docs", timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("llama_cpp.server did not start") from None
                time.sleep(0.1)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


# What llama.cpp's llama-server answers when it was started without --mmproj.
LLAMA_SERVER_NO_MMPROJ = {"error": {"code": 500, "type": "server_error", "message":
                          "image input is not supported - hint: if this is unexpected, you "
                          "may need to provide the mmproj"}}


class CannedServer:
    """A loopback HTTP server that answers every POST with one fixed status and JSON body,
    and GET /v1/models with ``models``."""

    def __init__(self, status: int, body: dict[str, object],
                 models: tuple[str, ...] = ("canned",)) -> None:
        payload = json.dumps(body).encode()
        listing = json.dumps({"data": [{"id": m} for m in models]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = self.path == "/v1/models"
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(listing) if found else 0))
                self.end_headers()
                if found:
                    self.wfile.write(listing)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd, self.url = serve(Handler)

    def close(self) -> None:
        stop(self.httpd)


def serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``handler`` on a free loopback port in a daemon thread; returns the server and its
    OpenAI-style base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/v1"


def stop(httpd: ThreadingHTTPServer) -> None:
    httpd.shutdown()
    httpd.server_close()

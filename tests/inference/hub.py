"""A small local server speaking the part of the Hugging Face Hub API that huggingface_hub and
ShotClone's downloader use: repository listing with file metadata, and file downloads with
Range requests and ETags. Failures are switched on per test."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD_TOKEN = "hf_good_token"


@dataclass
class Repo:
    files: dict[str, bytes]
    gated: bool = False
    sha: str = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class FakeHub:
    repos: dict[str, Repo] = field(default_factory=dict)
    cut_once: dict[str, int] = field(default_factory=dict)  # file -> bytes sent before a cut
    cut_always: dict[str, int] = field(default_factory=dict)  # the same, on every request
    status_always: dict[str, int] = field(default_factory=dict)  # file -> an HTTP error status
    no_hash: set[str] = field(default_factory=set)  # files listed without an LFS SHA-256
    corrupt: set[str] = field(default_factory=set)  # files served with wrong bytes
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _json(self, status: int, body: object, headers: dict[str, str] | None = None
                      ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_HEAD(self) -> None:
                self.do_GET(head=True)

            def do_GET(self, head: bool = False) -> None:
                hub.requests.append(f"{self.command} {self.path} {self.headers.get('Range', '')}")
                path = self.path.split("?")[0]
                m = re.match(r"/api/models/([^/]+/[^/]+)(?:/revision/[^/]+)?$", path)
                if m:
                    repo = hub.repos.get(m.group(1))
                    if repo is None:
                        return self._json(404, {"error": "Repository not found"},
                                          {"X-Error-Code": "RepoNotFound"})
                    siblings = [{"rfilename": n, "size": len(b), "blobId": "b" * 40,
                                 **({} if n in hub.no_hash else {"lfs": {
                                     "size": len(b), "sha256": hashlib.sha256(b).hexdigest(),
                                     "pointerSize": 134}})}
                                for n, b in repo.files.items()]
                    return self._json(200, {"id": m.group(1), "sha": repo.sha, "private": False,
                                            "gated": "manual" if repo.gated else False,
                                            "siblings": siblings})
                m = re.match(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$", path)
                repo = hub.repos.get(m.group(1)) if m else None
                if repo is None or m is None or m.group(3) not in repo.files:
                    return self._json(404, {"error": "Entry not found"},
                                      {"X-Error-Code": "EntryNotFound"})
                if repo.gated and self.headers.get("Authorization") != f"Bearer {GOOD_TOKEN}":
                    return self._json(401, {"error": "Access to this model is restricted"},
                                      {"X-Error-Code": "GatedRepo"})
                name = m.group(3)
                if name in hub.status_always:
                    return self._json(hub.status_always[name], {"error": "try later"})
                body = repo.files[name]
                if name in hub.corrupt:
                    body = bytes(b ^ 0xFF for b in body)
                etag = f'"{hashlib.sha256(body).hexdigest()}"'
                start = 0
                rng = re.match(r"bytes=(\d+)-", self.headers.get("Range", ""))
                if rng and self.headers.get("If-Range", etag) == etag:
                    start = int(rng.group(1))
                self.send_response(206 if start else 200)
                self.send_header("ETag", etag)
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(len(body) - start))
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.end_headers()
                if head:
                    return
                cut = hub.cut_once.pop(name, hub.cut_always.get(name))
                if cut is not None and cut >= start:
                    self.wfile.write(body[start:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)  # the connection drops mid-file
                    return
                self.wfile.write(body[start:])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

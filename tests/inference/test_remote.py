"""The remote backend against a real OpenAI-compatible server on 127.0.0.1:
llama-cpp-python's own, serving the tiny Gemma 4 with its mmproj."""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from inference.config import GenerationRequest
from inference.errors import ConfigError, RemoteError
from inference.events import GenerationDone, PromptStarted, TokenText
from inference.remote import RemoteBackend, RemoteConfig
from tests.conftest import make_ui_png
from tests.inference.servers import (
    LLAMA_SERVER_NO_MMPROJ,
    CannedServer,
    LlamaServer,
    free_port,
)

KEY = "test-key-do-not-print"


@pytest.fixture(scope="module")
def server(tiny_model: tuple[Path, Path]) -> Iterator[LlamaServer]:
    s = LlamaServer(*tiny_model, api_key=KEY)
    yield s
    s.kill()


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOTCLONE_API_KEY", KEY)


def request(**kw: object) -> GenerationRequest:
    base: dict[str, object] = dict(system="s", prompt="Clone this.", image_png=make_ui_png(),
                                   max_tokens=16, seed=1)
    return GenerationRequest(**{**base, **kw})  # type: ignore[arg-type]


def test_streams_an_answer(server: LlamaServer) -> None:
    events = list(RemoteBackend(RemoteConfig(endpoint=server.url)).stream(request()))
    assert isinstance(events[0], PromptStarted)
    tokens = [e for e in events if isinstance(e, TokenText)]
    assert len(tokens) >= 8
    done = events[-1]
    assert isinstance(done, GenerationDone) and done.finish_reason == "length"
    assert done.stats.ttft_s > 0


@pytest.mark.parametrize("key_value", ["wrong-key", ""])
def test_rejected_key(server: LlamaServer, key_value: str,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOTCLONE_API_KEY", key_value)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(RemoteError, match="HTTP 401.*SHOTCLONE_API_KEY") as e:
        list(RemoteBackend(RemoteConfig(endpoint=server.url)).stream(request()))
    assert e.value.status == 401
    assert "wrong-key" not in str(e.value)


def test_the_key_never_appears_in_messages(server: LlamaServer) -> None:
    backend = RemoteBackend(RemoteConfig(endpoint=server.url, model="no-such-model"))
    with pytest.raises(RemoteError) as e:
        list(backend.stream(request()))
    assert KEY not in str(e.value) and KEY not in repr(backend.config)


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(RemoteError, match="Nothing answers .*connection refused"):
        list(RemoteBackend(RemoteConfig(endpoint=url)).stream(request()))


def test_unknown_model(server: LlamaServer) -> None:
    with pytest.raises(RemoteError, match="serves no model 'gpt-9'; it serves: .*gguf") as e:
        list(RemoteBackend(RemoteConfig(endpoint=server.url, model="gpt-9")).stream(request()))
    assert e.value.status == 404


def test_wrong_path_is_a_404_with_a_hint(server: LlamaServer) -> None:
    base = server.url.removesuffix("/v1")
    with pytest.raises(RemoteError, match="HTTP 404.*ends in /v1"):
        list(RemoteBackend(RemoteConfig(endpoint=base)).stream(request()))


def test_a_server_that_does_not_take_images() -> None:
    fake = CannedServer(500, LLAMA_SERVER_NO_MMPROJ)
    try:
        with pytest.raises(RemoteError, match="cannot read images.*--mmproj"):
            list(RemoteBackend(RemoteConfig(endpoint=fake.url)).stream(request()))
    finally:
        fake.close()


def test_server_stopped_mid_stream(tiny_model: tuple[Path, Path]) -> None:
    doomed = LlamaServer(*tiny_model, api_key=KEY)
    try:
        backend = RemoteBackend(RemoteConfig(endpoint=doomed.url, timeout_s=20))
        received = 0
        with pytest.raises(RemoteError, match="stopped sending mid-answer|broke after") as e:
            for ev in backend.stream(request(max_tokens=100_000)):
                if isinstance(ev, TokenText):
                    received += 1
                    if received == 3:
                        doomed.kill()
        assert received >= 3 and "tokens" in str(e.value)
    finally:
        doomed.kill()


def test_bad_endpoint_urls() -> None:
    for url in ("localhost:8080", "ftp://x/v1", ""):
        with pytest.raises(ConfigError, match="use an http"):
            RemoteConfig(endpoint=url)


def _read_request(conn: socket.socket) -> None:
    """All of one HTTP request: headers, then as many bytes as Content-Length says."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += conn.recv(65536)


class ResettingServer:
    """A server on 127.0.0.1 that reads each request whole, then resets the connection (RST)
    instead of answering."""

    def __init__(self) -> None:
        import struct
        import threading

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.resets = 0

        def serve() -> None:
            while True:
                try:
                    conn, _ = self.sock.accept()
                except OSError:
                    return
                _read_request(conn)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()  # with a zero linger: a reset, not a polite close
                self.resets += 1

        threading.Thread(target=serve, daemon=True).start()

    def close(self) -> None:
        self.sock.close()


def test_a_server_that_resets_the_connection_is_a_clear_connection_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    server = ResettingServer()
    try:
        with pytest.raises(RemoteError, match="The connection to .* broke before it answered "
                                              r"\(ConnectionResetError"):
            list(RemoteBackend(RemoteConfig(endpoint=server.url, model="m")).stream(request()))
        shot = tmp_path / "shot.png"
        shot.write_bytes(make_ui_png())
        assert main(["clone", str(shot), "-o", str(tmp_path / "p.html"), "--endpoint",
                     server.url]) == 3
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith(f"shotclone: error: The connection to {server.url} broke")
        assert server.resets >= 2
    finally:
        server.close()

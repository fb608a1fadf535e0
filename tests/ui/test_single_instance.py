"""The local-socket hand-off in one process: requests arrive as sent, a stale socket left by a
crashed app is taken over, and a malformed request is refused without harm."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

from PySide6.QtNetwork import QLocalSocket

from app.ui.single_instance import InstanceServer, hand_off, server_name


def test_no_app_running_means_no_hand_off(qtbot: object) -> None:
    assert hand_off({"show": True}, timeout_ms=500) is False


def test_requests_reach_the_running_app(qtbot: object) -> None:
    server = InstanceServer()
    assert server.listen()
    got: list[object] = []
    server.request.connect(got.append)
    try:
        # hand_off blocks this thread while the server answers on the same one: ask from a
        # second socket driven by the event loop instead, as another process would
        client = QLocalSocket()
        client.connectToServer(server_name())
        assert client.waitForConnected(2000)
        client.write(b'{"open": "/tmp/shot.png"}\n')
        qtbot.waitUntil(lambda: got == [{"open": "/tmp/shot.png"}])  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: client.bytesAvailable() > 0)  # type: ignore[attr-defined]
        assert bytes(client.readAll().data()) == b"ok\n"
        bad = QLocalSocket()
        bad.connectToServer(server_name())
        assert bad.waitForConnected(2000)
        bad.write(b"not json\n")
        qtbot.waitUntil(lambda: bad.bytesAvailable() > 0)  # type: ignore[attr-defined]
        assert bytes(bad.readAll().data()) == b"bad request\n" and len(got) == 1
    finally:
        server.close()


def test_a_stale_socket_from_a_crashed_app_is_taken_over(qtbot: object) -> None:
    path = Path(tempfile.gettempdir()) / server_name()
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))  # bound, never listening: what a killed app leaves behind
    stale.close()
    assert path.exists()
    assert hand_off({"show": True}, timeout_ms=500) is False
    server = InstanceServer()
    try:
        assert server.listen()
    finally:
        server.close()

"""One ShotClone per desktop login: the first app listens on a local socket (Qt's QLocalServer,
a Unix socket or a Windows named pipe), and later launches (a second `shotclone app`,
`shotclone capture`, a desktop shortcut) hand it their request and exit, so there is one
window, one model worker and one browser. The headless commands never come here."""

from __future__ import annotations

import getpass
import hashlib
import json
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app.settings import config_dir

HAND_OFF_MS = 3000  # how long a later launch waits for the running app to answer


def server_name() -> str:
    """Per user and per settings folder: a second profile (SHOTCLONE_HOME) runs its own app."""
    key = f"{getpass.getuser()}:{config_dir().resolve()}".encode()
    return f"shotclone-{hashlib.sha256(key).hexdigest()[:16]}"


def hand_off(request: dict[str, Any], timeout_ms: int = HAND_OFF_MS) -> bool:
    """Give ``request`` to the running app; False when none is running (or it did not
    answer), so this launch becomes the app."""
    socket = QLocalSocket()
    socket.connectToServer(server_name())
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(json.dumps(request).encode() + b"\n")
    socket.flush()
    answered = b""
    while not answered.endswith(b"\n") and socket.waitForReadyRead(timeout_ms):
        answered += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    return answered.strip() == b"ok"


class InstanceServer(QObject):
    """Listens for later launches; ``request`` carries what each asked for, on the UI
    thread: {"open": path}, {"capture": true, "clone": bool | null} or {"show": true}."""

    request = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Take the name; a socket left by a crashed app is removed first (this is only called
        after ``hand_off`` found nobody answering on it)."""
        name = server_name()
        if self.server.listen(name):
            return True
        QLocalServer.removeServer(name)
        return self.server.listen(name)

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            buffer = bytearray()

            def read(socket: QLocalSocket = socket, buffer: bytearray = buffer) -> None:
                buffer.extend(bytes(socket.readAll().data()))
                if not buffer.endswith(b"\n"):
                    return
                try:
                    request = json.loads(buffer)
                except ValueError:
                    socket.write(b"bad request\n")
                else:
                    socket.write(b"ok\n")
                    self.request.emit(request)
                socket.flush()
                socket.disconnectFromServer()

            socket.readyRead.connect(read)
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                read()

"""A canary on 127.0.0.1: one TCP and one UDP socket on the same port that record every
connection and every byte that reaches them. A sandboxed page must never touch it."""

from __future__ import annotations

import select
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Canary:
    port: int = 0
    connections: int = 0
    tcp_bytes: int = 0
    udp_datagrams: int = 0
    seen: list[bytes] = field(default_factory=list)  # the first bytes of each contact

    def __post_init__(self) -> None:
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp.listen(64)
        self._stop_r, self._stop_w = socket.socketpair()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="canary")
        self._thread.start()

    @property
    def touched(self) -> bool:
        with self._lock:
            return bool(self.connections or self.tcp_bytes or self.udp_datagrams)

    def _serve(self) -> None:
        clients: list[socket.socket] = []
        while True:
            ready, _, _ = select.select([self.tcp, self.udp, self._stop_r, *clients], [], [])
            with self._lock:
                for s in ready:
                    if s is self._stop_r:
                        for c in clients:
                            c.close()
                        return
                    if s is self.tcp:
                        conn, _ = s.accept()
                        self.connections += 1
                        clients.append(conn)
                    elif s is self.udp:
                        data, _ = s.recvfrom(65536)
                        self.udp_datagrams += 1
                        self.seen.append(data[:64])
                    else:
                        data = s.recv(65536)
                        if data:
                            self.tcp_bytes += len(data)
                            self.seen.append(data[:64])
                        else:
                            clients.remove(s)
                            s.close()

    def close(self) -> None:
        self._stop_w.send(b"x")
        self._thread.join(5)
        for s in (self.tcp, self.udp, self._stop_r, self._stop_w):
            s.close()

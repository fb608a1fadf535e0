"""A canary on 127.0.0.1: one TCP and one UDP socket on the same port that record every
connection and every byte that reaches them. A sandboxed page must never touch it."""

from __future__ import annotations

import select
import socket
import threading
import time
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


def open_in_plain_browser(page_html: str, canary: Canary, *, expect_contact: bool) -> None:
    """Open a page in a headless Chromium with none of ShotClone's sandbox, as a user's own
    browser would open an exported page. Expecting contact, wait until the canary hears it (the
    control); otherwise give the page its load and half a second more to try."""
    from app.review.browser import find_browser
    from app.review.render import _driver

    pw = _driver.acquire()  # the thread's one Playwright, shared with any renderer on it
    try:
        browser = pw.chromium.launch(executable_path=str(find_browser()), headless=True,
                                     args=["--no-sandbox"])
        page = browser.new_page()
        page.set_content(page_html, wait_until="commit")  # the canary never answers: no load
        if not expect_contact:
            page.wait_for_load_state("load", timeout=60_000)
        deadline = time.monotonic() + (60 if expect_contact else 0.5)
        while time.monotonic() < deadline and not (expect_contact and canary.touched):
            page.wait_for_timeout(50)
        browser.close()
    finally:
        _driver.release()

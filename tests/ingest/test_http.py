"""The watcher's HTTP client against a real server on 127.0.0.1: conditional requests, Retry-After in
seconds and as an HTTP date, backoff on 5xx, per-host spacing, timeouts and size caps."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from forcewatch.ingest.http import FetchError, HttpClient, RetryLater, retry_after

ANSWERS: dict[str, list] = {}
SEEN: list[tuple[float, str, dict]] = []


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        SEEN.append((time.monotonic(), self.path, dict(self.headers)))
        answers = ANSWERS.get(self.path) or [(404, {}, b"", 0)]  # each answer once, the last one from then on
        status, headers, body, delay = answers.pop(0) if len(answers) > 1 else answers[0]
        if callable(status):
            status, headers, body = status(self.headers)
        time.sleep(delay)
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except BrokenPipeError:
            pass


@pytest.fixture()
def server():
    ANSWERS.clear()
    SEEN.clear()
    s = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    s.daemon_threads = True
    threading.Thread(target=s.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{s.server_address[1]}"
    s.shutdown()
    s.server_close()


def test_conditional_get_gives_304(server):
    def feed(headers):
        if headers.get("If-None-Match") == '"a"':
            return 304, {"ETag": '"a"'}, b""
        return 200, {"ETag": '"a"', "Last-Modified": "Sat, 14 Dec 2024 00:00:00 GMT"}, b"<rss/>"
    ANSWERS["/f"] = [(feed, None, None, 0)]
    c = HttpClient(default_interval_s=0)
    first = c.get(server + "/f")
    assert first.status == 200 and first.etag == '"a"' and first.body == b"<rss/>"
    again = c.get(server + "/f", first.etag, first.last_modified)
    assert again.status == 304
    assert SEEN[1][2]["If-Modified-Since"] == "Sat, 14 Dec 2024 00:00:00 GMT"


def test_retry_after_seconds_and_http_date():
    assert retry_after("120") == 120
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28 <= retry_after(soon) <= 31
    assert retry_after("Sat, 14 Dec 2024 00:00:00 GMT") == 0  # in the past: at once
    assert retry_after("soon") is None and retry_after(None) is None


def test_503_with_an_http_date_blocks_the_host_until_then(server):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    ANSWERS["/busy"] = [(503, {"Retry-After": when}, b"", 0), (200, {}, b"ok", 0)]
    c = HttpClient(default_interval_s=0)
    with pytest.raises(RetryLater) as exc:
        c.get(server + "/busy")
    assert 0.5 <= exc.value.delay <= 2.5 and "HTTP 503" in str(exc.value)
    assert c.wait_s(server + "/x") > 0.5  # the whole host waits
    t0 = time.monotonic()
    assert c.get(server + "/busy").body == b"ok"
    assert time.monotonic() - t0 >= exc.value.delay - 0.1


def test_5xx_without_retry_after_backs_off_exponentially(server):
    ANSWERS["/down"] = [(500, {}, b"", 0), (502, {}, b"", 0), (500, {}, b"", 0)]
    c = HttpClient(default_interval_s=0.05)
    delays = []
    for _ in range(2):
        with pytest.raises(RetryLater) as exc:
            c.get(server + "/down")
        delays.append(exc.value.delay)
    assert delays[1] == 2 * delays[0]


def test_requests_to_one_host_are_spaced_by_its_rate_limit(server):
    ANSWERS["/a"] = [(200, {}, b"a", 0)]
    host = server.split("//")[1]
    c = HttpClient({host: 0.3}, default_interval_s=0)
    for _ in range(3):
        c.get(server + "/a")
    times = [t for t, p, _ in SEEN]
    assert all(b - a >= 0.28 for a, b in zip(times, times[1:]))


def test_timeouts_size_caps_and_schemes_are_one_line_errors(server):
    ANSWERS["/slow"] = [(200, {}, b"late", 2.0)]
    ANSWERS["/big"] = [(200, {}, b"x" * 5000, 0)]
    c = HttpClient(default_interval_s=0, timeout_s=0.5, max_bytes=1024)
    with pytest.raises(RetryLater) as exc:
        c.get(server + "/slow")
    assert "/slow" in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(FetchError, match="over 1 KB, refused"):
        c.get(server + "/big")
    with pytest.raises(FetchError, match="not an http or https URL"):
        c.get("file:///etc/passwd")
    ANSWERS["/gone"] = [(404, {}, b"", 0)]
    with pytest.raises(FetchError, match="HTTP 404") as exc:
        c.get(server + "/gone")
    assert not isinstance(exc.value, RetryLater)

"""Polite HTTP fetching for the watcher: conditional requests, per-host rate limits, backoff.

One ``HttpClient`` is shared by every source of a watch, so two feeds on one host share that host's
rate limit. ``urllib.request`` (no new dependency): http and https only, a timeout on every request,
a size cap on every body. A 429 or 5xx blocks the host until its Retry-After (seconds or an HTTP
date) or, without one, for an exponential backoff; the caller gets ``RetryLater`` and polls again
then. Every error is one line naming the URL.
"""

from __future__ import annotations

import email.utils
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from urllib.parse import urlsplit

from forcewatch.ingest import InputError

MAX_BODY = 8 << 20
MAX_BACKOFF_S = 3600.0
USER_AGENT = "forcewatch-watch/0.1 (+https://github.com/forcewatch)"


class FetchError(InputError):
    """A URL that could not be fetched this time; the message names it."""


class RetryLater(FetchError):
    """The server asked us to wait (429, 503, other 5xx): ``delay`` seconds."""

    def __init__(self, message: str, delay: float):
        super().__init__(message)
        self.delay = delay


@dataclass
class Response:
    url: str
    status: int  # 200, or 304 when not modified
    headers: dict[str, str]
    body: bytes = b""

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def text(self) -> str:
        """The body decoded by its declared charset (UTF-8 if none or unknown), bad bytes replaced."""
        m = re.search(r"charset=([\w.:-]+)", self.headers.get("content-type", ""), re.I)
        try:
            return self.body.decode(m.group(1) if m else "utf-8", "replace")
        except LookupError:
            return self.body.decode("utf-8", "replace")


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0  # monotonic time of the next request allowed
    failures: int = 0


class HttpClient:
    """GETs with conditional headers, spaced per host, backing off when a host says so."""

    def __init__(self, rate_limits: Mapping[str, float] | None = None, default_interval_s: float = 1.0,
                 timeout_s: float = 20.0, max_bytes: int = MAX_BODY, user_agent: str = USER_AGENT,
                 clock: Callable[[], float] = time.monotonic):
        """``rate_limits``: host -> least seconds between two requests to it (else ``default_interval_s``)."""
        self.rate_limits = dict(rate_limits or {})
        self.default_interval_s = default_interval_s
        self.timeout_s, self.max_bytes, self.user_agent = timeout_s, max_bytes, user_agent
        self.clock = clock
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()
        self.requests = 0

    def _host(self, host: str) -> _Host:
        with self._lock:
            return self._hosts.setdefault(host, _Host())

    def wait_s(self, url: str) -> float:
        """Seconds until the URL's host takes a request."""
        return max(0.0, self._host(urlsplit(url).netloc.lower()).next_at - self.clock())

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None,
            stop: threading.Event | None = None, accept: str = "*/*") -> Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FetchError(f"{url}: not an http or https URL")
        host_name = parts.netloc.lower()
        host = self._host(host_name)
        interval = self.rate_limits.get(host_name, self.rate_limits.get(parts.hostname or "", self.default_interval_s))
        with host.lock:  # one request at a time per host, spaced by its interval
            delay = host.next_at - self.clock()
            if delay > 0:
                if stop is not None:
                    if stop.wait(delay):
                        raise FetchError(f"{url}: stopped")
                else:
                    time.sleep(delay)
            headers = {"User-Agent": self.user_agent, "Accept": accept}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            request = urllib.request.Request(url, headers=headers)
            self.requests += 1
            try:
                try:
                    with urllib.request.urlopen(request, timeout=self.timeout_s) as r:  # noqa: S310 (scheme checked)
                        body = r.read(self.max_bytes + 1)
                        status, got = r.status, {k.lower(): v for k, v in r.headers.items()}
                except urllib.error.HTTPError as exc:
                    got = {k.lower(): v for k, v in (exc.headers or {}).items()}
                    if exc.code == 304:
                        host.failures = 0
                        return Response(url, 304, got)
                    if exc.code == 429 or exc.code >= 500:
                        host.failures += 1
                        wait = retry_after(got.get("retry-after"))
                        if wait is None:
                            wait = min(MAX_BACKOFF_S, interval * 2 ** host.failures)
                        wait = min(wait, MAX_BACKOFF_S)
                        host.next_at = self.clock() + wait
                        raise RetryLater(f"{url}: HTTP {exc.code}, retrying in {wait:.0f} s", wait) from None
                    raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
                host.failures += 1
                wait = min(MAX_BACKOFF_S, interval * 2 ** host.failures)
                host.next_at = self.clock() + wait
                reason = getattr(exc, "reason", None) or exc
                raise RetryLater(f"{url}: {' '.join(str(reason).split()) or type(exc).__name__}, "
                                 f"retrying in {wait:.0f} s", wait) from None
            finally:
                host.next_at = max(host.next_at, self.clock() + interval)
            if len(body) > self.max_bytes:
                raise FetchError(f"{url}: over {self.max_bytes >> 10} KB, refused")
            host.failures = 0
            return Response(url, status, got, body)

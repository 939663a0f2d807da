"""Alerts POSTed as JSON to webhooks, signed, retried with backoff until the receiver takes them.

The body is ``{"type": "forcewatch.alert", "alert": {...}}`` (docs/watch.md); header
``X-Forcewatch-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact body bytes with the
webhook's shared secret (``verify`` checks one), ``X-Forcewatch-Alert`` the alert id, by which a
receiver drops a repeat: delivery is at least once (an alert sent just before a crash, and not yet
recorded as delivered, is sent again after the restart). Each webhook has its own thread, so one
that is down delays no other; its alerts go in order.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Callable

from forcewatch.fuse.rules import SEVERITIES

SIGNATURE_HEADER = "X-Forcewatch-Signature"
ALERT_HEADER = "X-Forcewatch-Alert"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` (the X-Forcewatch-Signature value) signs ``body`` with ``secret``."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header.strip())


def payload(alert: dict) -> bytes:
    return json.dumps({"type": "forcewatch.alert", "alert": alert}, ensure_ascii=False, sort_keys=True).encode("utf-8")


class Deliverer(threading.Thread):
    """Sends one webhook's alerts, one at a time, retrying each until it is accepted (2xx) or ``stop``."""

    def __init__(self, webhook, stop: threading.Event, on_delivered: Callable[[str, str, int], None],
                 echo: Callable[[str], None] = print, backoff_s: tuple[float, float] = (0.5, 60.0)):
        super().__init__(name=f"webhook {webhook.url}", daemon=True)
        self.webhook, self.stop, self.on_delivered, self.echo = webhook, stop, on_delivered, echo
        self.backoff_s = backoff_s
        self.queue: queue.Queue = queue.Queue()
        self.sent = 0
        self._queued: set[str] = set()

    def wants(self, alert: dict) -> bool:
        return SEVERITIES.index(alert.get("severity", "info")) >= SEVERITIES.index(self.webhook.min_severity)

    def put(self, alert: dict) -> None:
        if alert["id"] not in self._queued and self.wants(alert):
            self._queued.add(alert["id"])
            self.queue.put(alert)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                alert = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            attempts = 0
            while not self.stop.is_set():
                attempts += 1
                problem = self._post(alert)
                if problem is None:
                    self.sent += 1
                    self.on_delivered(alert["id"], self.webhook.key, attempts)
                    break
                wait = min(self.backoff_s[1], self.backoff_s[0] * 2 ** (attempts - 1))
                self.echo(f"error: webhook {self.webhook.url}: alert {alert['id']}: {problem}; "
                          f"retry {attempts} in {wait:g} s")
                if self.stop.wait(wait):
                    return

    def _post(self, alert: dict) -> str | None:
        body = payload(alert)
        request = urllib.request.Request(self.webhook.url, data=body, method="POST", headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: sign(self.webhook.secret, body),
            ALERT_HEADER: alert["id"], "User-Agent": "forcewatch-watch/0.1"})
        try:
            with urllib.request.urlopen(request, timeout=self.webhook.timeout_s) as r:  # noqa: S310 (config checked http/https)
                r.read(1 << 16)
                return None if 200 <= r.status < 300 else f"HTTP {r.status}"
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return " ".join(str(getattr(exc, "reason", exc)).split()) or type(exc).__name__

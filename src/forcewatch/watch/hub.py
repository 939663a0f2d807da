"""Fan-out of what the watcher stores to whoever listens in this process (the dashboard's
server-sent events): each listener has a bounded queue, and a slow one loses messages, never the
watcher's time."""

from __future__ import annotations

import queue
import threading


class Hub:
    def __init__(self, maxsize: int = 1000):
        self._listeners: set[queue.Queue] = set()
        self._lock = threading.Lock()
        self.maxsize = maxsize

    def subscribe(self) -> queue.Queue:
        q: queue.Queue = queue.Queue(self.maxsize)
        with self._lock:
            self._listeners.add(q)
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._lock:
            self._listeners.discard(q)

    def publish(self, kind: str, data: dict) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for q in listeners:
            try:
                q.put_nowait((kind, data))
            except queue.Full:
                pass  # that listener reloads what it missed (the dashboard does on reconnect)

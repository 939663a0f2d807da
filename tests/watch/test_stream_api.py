"""/api/stream (server-sent events) and /api/alerts on a real server in this process, as
`forcewatch watch --serve` runs them: what the watcher publishes arrives without polling."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime

import httpx
import uvicorn

from forcewatch.records import Alert
from forcewatch.serve.api import create_app
from forcewatch.store import Store
from forcewatch.watch.hub import Hub

from .conftest import wait_for


def test_stream_sends_published_alerts_and_events(tmp_path, resources):
    store = Store(tmp_path / "w.duckdb")
    hub = Hub()
    app = create_app(tmp_path / "w.duckdb", resources=resources, store=store, hub=hub)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: server.started, 20, what="the server")
    alert = Alert(id="a1", rule="r", severity="high", title="three left", raised_at=datetime.now(UTC),
                  event_ids=["e1"], evidence=[{"event_id": "e1", "doc_id": "d", "span": [0, 3], "text": "abc"}])
    store.add_alerts([alert])
    got: list[tuple[str, dict]] = []

    def listen():
        with httpx.stream("GET", base + "/api/stream", timeout=20) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            kind = None
            for line in r.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    got.append((kind, json.loads(line[6:])))
                    if len(got) == 2:
                        return

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    wait_for(lambda: hub._listeners, 10, what="a listener")
    hub.publish("events", {"ids": ["e1"], "count": 1})
    hub.publish("alert", alert.to_dict())
    t.join(10)
    assert [k for k, _ in got] == ["events", "alert"] and got[1][1]["id"] == "a1"
    listed = httpx.get(base + "/api/alerts").json()
    assert listed["total"] == 1 and listed["items"][0]["evidence"][0]["text"] == "abc"
    server.should_exit = True
    time.sleep(0.3)
    store.close()

"""`forcewatch watch` and `forcewatch serve` on one database file, in two processes: the watcher holds
the file only while it commits, so the API answers between commits with what the watcher stored."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx

import forcewatch_test_stores as stores  # registered by tests/conftest.py

from .conftest import DEMO, wait_for

SRC = Path(__file__).resolve().parents[2] / "src"


def _forcewatch(*args: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-c", "from forcewatch.serve.cli import main; main()", *args],
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT, env=env)


class GatedReceiver:
    """readsb's SBS port sending the first part of a recording, and the rest once ``go`` is set."""

    def __init__(self, parts: list[list[str]]):
        self.parts, self.go = parts, threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._send, daemon=True).start()

    def _send(self):
        conn, _ = self.sock.accept()
        with conn:
            for k, part in enumerate(self.parts):
                if k:
                    self.go.wait()
                conn.sendall("".join(line + "\r\n" for line in part).encode())
            threading.Event().wait(120)  # a receiver does not hang up

    def close(self):
        self.sock.close()


def test_serve_in_another_process_reads_what_the_running_watcher_stores(tmp_path):
    lines = (DEMO / "feeds" / "hmeimim-2024-12-09_14.sbs").read_text().splitlines()
    half = len(lines) // 2
    sbs = GatedReceiver([lines[:half], lines[half:]])
    cfg = tmp_path / "watch.yaml"
    cfg.write_text(f"""
streams:
  - {{name: hmeimim-adsb, kind: sbs-tcp, host: 127.0.0.1, port: {sbs.port}}}
aircraft_db: [{DEMO / 'feeds' / 'aircraft-registry.csv'}]
builtin_rules: false
""", "utf-8")
    db, port = tmp_path / "w.duckdb", stores.free_port()
    watch = _forcewatch("watch", str(cfg), "--db", str(db), log=tmp_path / "watch.log")
    serve = None
    try:
        wait_for(lambda: db.exists() or watch.poll() is not None, 30, what="the watcher's database")
        serve = _forcewatch("serve", "--db", str(db), "--port", str(port), log=tmp_path / "serve.log")

        def total() -> int:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/api/events?limit=1", timeout=10).json()["total"]
            except httpx.HTTPError:
                return 0
        wait_for(lambda: total() > 0 or watch.poll() is not None or serve.poll() is not None, 60,
                 what="the API to answer with a stored event")
        first = total()
        assert watch.poll() is None, (tmp_path / "watch.log").read_text()
        assert serve.poll() is None, (tmp_path / "serve.log").read_text()
        sbs.go.set()  # the rest of the traffic: the watcher commits again after the API has read
        wait_for(lambda: total() > first, 60, what="events stored after the API's first answer")
        assert watch.poll() is None and serve.poll() is None
    finally:
        for proc in (watch, serve):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(20)
        sbs.close()
    assert "error" not in (tmp_path / "watch.log").read_text().lower(), (tmp_path / "watch.log").read_text()

"""`forcewatch demo --live` run from a folder of the user's, as the README's line says: its reports
reach the watcher through the folder it writes (relative output paths included) and alerts arrive."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_demo_live_from_a_relative_folder_raises_alerts(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from forcewatch.serve.cli import app; app()", "demo", "--live",
                             "--speed", "3600", "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        rules: set[str] = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not {"withdrawal-reported", "dark-near-tartus"} <= rules:
            time.sleep(2)
            try:
                items = httpx.get(f"http://127.0.0.1:{port}/api/alerts", timeout=5).json()["items"]
            except httpx.HTTPError:
                continue
            rules = {a["rule"] for a in items}
        # the reports came in through the folder (a report's claim), the feeds through the streams
        assert {"withdrawal-reported", "dark-near-tartus"} <= rules, rules
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "not a folder" not in out

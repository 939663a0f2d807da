"""`forcewatch watch --serve` in Chromium: a report dropped into a watched folder raises an alert that
appears on the open dashboard without a reload (server-sent events), and one click on the alert's
event shows its evidence."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


SRC = Path(__file__).resolve().parents[2] / "src"
DEMO = SRC / "forcewatch" / "data" / "demo"


def test_alert_appears_live_and_links_its_evidence(tmp_path, browser):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cfg = tmp_path / "watch.yaml"
    cfg.write_text(f"""
sources:
  - folder: {inbox}
    every: 0.2s
builtin_rules: false
rules:
  - {{name: withdrawal-at-hmeimim, where: hmeimim, subtype: withdraw, severity: high}}
""", "utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "watch.log"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from forcewatch.serve.cli import main; main()", "watch", str(cfg),
         "--db", str(tmp_path / "w.duckdb"), "--serve", "--port", str(port)],
        stdout=open(log, "wb"), stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(SRC)})
    base = f"http://127.0.0.1:{port}"
    context = None
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(base + "/api/meta", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        context = browser.new_context(viewport={"width": 1400, "height": 860})
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(base + "/")
        page.wait_for_selector("body[data-loaded=true]", timeout=20000)
        assert page.locator("#alert-list li").count() == 0
        page.wait_for_function("() => document.querySelector('#alerts-live') && "
                               "document.querySelector('#alerts-live').textContent === 'live'", timeout=10000)
        shutil.copy(DEMO / "hmeimim-airlift.txt", inbox / "airlift.txt")
        item = page.locator('#alert-list li[data-rule="withdrawal-at-hmeimim"]').first
        item.wait_for(state="visible", timeout=60000)  # no reload: it came over /api/stream
        assert "withdraw" in item.inner_text()
        item.locator("button[data-event-id]").first.click()
        page.wait_for_selector("#panel-event:not([hidden])", timeout=10000)
        page.wait_for_function("() => document.querySelector('#ev-text').textContent.includes('Hmeimim')",
                               timeout=10000)  # the event's document, its evidence highlighted
        selected = page.evaluate("() => window.forcewatch.state.selected")
        assert selected == item.locator("button[data-event-id]").first.get_attribute("data-event-id")
        assert not problems, problems
    finally:
        if context is not None:
            context.close()
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()

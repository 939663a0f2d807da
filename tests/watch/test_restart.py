"""kill -9 in the middle of a run, then start again: no committed document or alert lost, none repeated
(the store, alerts.jsonl), and every alert delivered to the webhook."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from forcewatch.store import Store

from .conftest import wait_for

SRC = Path(__file__).resolve().parents[2] / "src"
N_REPORTS = 120


def start(cfg: Path, db: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen(
        [sys.executable, "-c", "from forcewatch.serve.cli import main; main()", "watch", str(cfg), "--db", str(db)],
        stdout=open(log, "ab"), stderr=subprocess.STDOUT, env=env)


def jsonl_ids(path: Path) -> list[str]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text("utf-8").splitlines():
        try:
            out.append(json.loads(line)["id"])
        except ValueError:
            out.append("<broken line>")
    return out


def test_kill_9_mid_run_loses_and_repeats_nothing(tmp_path, receiver):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(N_REPORTS):
        (inbox / f"r{i:03d}.txt").write_text(
            f"Report {i}: {i % 7 + 2} Russian Il-76 transport aircraft took off from Hmeimim air base on "
            f"December {i % 28 + 1}, 2024, a Syrian officer said.", "utf-8")
    cfg = tmp_path / "watch.yaml"
    cfg.write_text(f"""
sources:
  - folder: {inbox}
    every: 0.2s
builtin_rules: false
rules:
  - {{name: take-off, where: hmeimim, subtype: depart, severity: high}}
webhooks:
  - {{url: "{receiver.url}", secret: "restart-secret"}}
""", "utf-8")
    db, log = tmp_path / "w.duckdb", tmp_path / "watch.log"
    alerts = tmp_path / "alerts.jsonl"
    proc = start(cfg, db, log)
    try:
        wait_for(lambda: len(jsonl_ids(alerts)) >= 5 or proc.poll() is not None, 120, 0.01,
                 what="the first alerts")
        assert proc.poll() is None, log.read_text()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    at_kill = len(jsonl_ids(alerts))
    assert at_kill < N_REPORTS, "the run finished before it was killed: nothing tested"
    with Store(db) as store:  # what the killed run committed is all there
        committed_docs, committed_alerts = store.count("documents"), store.count_alerts()
    assert 0 < committed_docs < N_REPORTS and committed_alerts >= at_kill - 1

    proc = start(cfg, db, log)
    try:
        wait_for(lambda: len(jsonl_ids(alerts)) >= N_REPORTS, 180, 0.1, what="every report's alert")
        wait_for(lambda: {p[1]["X-Forcewatch-Alert"] for p in receiver.posts if p[3] == 204} >= set(jsonl_ids(alerts)),
                 60, what="every alert delivered")
        time.sleep(1.0)  # a repeat would show now
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, log.read_text()[-2000:]
    ids = jsonl_ids(alerts)
    assert len(ids) == len(set(ids)) == N_REPORTS
    with Store(db, read_only=True) as store:
        assert store.count("documents") == N_REPORTS
        stored = [r["id"] for _, r in store.alerts(0, 10_000)]
        assert sorted(stored) == sorted(ids)
        assert store.count("events") == N_REPORTS
    delivered = Counter(p[1]["X-Forcewatch-Alert"] for p in receiver.posts if p[3] == 204)
    assert set(delivered) == set(ids)
    # At least once: only an alert in flight at the kill may come twice.
    assert sum(n - 1 for n in delivered.values()) <= 1


def test_kill_9_mid_stream_keeps_committed_events_and_repeats_no_alert(tmp_path):
    """The demo's ADS-B replayed over TCP (forcewatch replay's server); the watcher is killed with
    SIGKILL after its first alerts and started again on the same stream."""
    import threading

    from forcewatch.serve.replay import Replay, serve_tcp

    feeds = SRC / "forcewatch" / "data" / "demo" / "feeds"
    player = Replay(feeds / "hmeimim-2024-12-09_14.sbs", speed=20000)
    ports: list[int] = []
    threading.Thread(target=serve_tcp, args=(player, "127.0.0.1", 0, lambda a: ports.append(a[1])), daemon=True).start()
    wait_for(lambda: ports, 10, what="the replay server")
    cfg = tmp_path / "watch.yaml"
    cfg.write_text(f"""
streams:
  - {{name: hmeimim-adsb, kind: sbs-tcp, host: 127.0.0.1, port: {ports[0]}, backoff_min_s: 0.2}}
aircraft_db: [{feeds / 'aircraft-registry.csv'}]
builtin_rules: false
rules:
  - {{name: landing, where: hmeimim, subtype: arrive, severity: low}}
  - {{name: take-off, where: hmeimim, subtype: depart, severity: low}}
""", "utf-8")
    db, log, alerts = tmp_path / "w.duckdb", tmp_path / "watch.log", tmp_path / "alerts.jsonl"
    proc = start(cfg, db, log)
    try:
        wait_for(lambda: len(jsonl_ids(alerts)) >= 2 or proc.poll() is not None, 120, 0.01, what="the first alerts")
        assert proc.poll() is None, log.read_text()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    with Store(db) as store:
        before = {e.id for e in store.events()}
        alerted_before = {r["id"] for _, r in store.alerts(0, 10_000)}
    assert before and alerted_before
    proc = start(cfg, db, log)
    try:
        wait_for(lambda: player.sent >= 4232 or player.stop.is_set(), 120, 0.1, what="the replay's end")
        time.sleep(3.0)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    finally:
        player.stop.set()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, log.read_text()[-2000:]
    ids = jsonl_ids(alerts)
    assert len(ids) == len(set(ids))
    with Store(db, read_only=True) as store:
        after = {e.id for e in store.events()}
        assert before <= after  # nothing committed before the kill is lost
        stored = {r["id"] for _, r in store.alerts(0, 10_000)}
        assert alerted_before <= stored and stored == set(ids)
        # no event fired its rule twice, across the restart
        pairs = store.con.execute("SELECT rule, event_id, count(*) FROM alert_events GROUP BY 1, 2 HAVING count(*) > 1").fetchall()
        assert pairs == []
        assert store.get_state("stream:hmeimim-adsb")["platform"] == "aircraft"
        assert len(after) > len(before)  # the restarted watcher went on with the stream

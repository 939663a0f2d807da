"""The watcher end to end against real local servers: feeds polled conditionally, articles fetched,
a 429 honoured, a slow page and a broken feed survived, a folder watched; rules fire within a bounded
time and alerts reach the store, alerts.jsonl and a webhook that fails twice first; a restart
fetches and raises nothing again."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from forcewatch.service import Ingester
from forcewatch.store import Store
from forcewatch.watch.config import WatchConfig, WatchConfigError
from forcewatch.watch.runner import Watcher
from forcewatch.watch.webhooks import SIGNATURE_HEADER, verify

from .conftest import DEMO, article_html, rss, wait_for

SECRET = "s3cret-for-tests"


def config(tmp_path: Path, text: str) -> WatchConfig:
    path = tmp_path / "watch.yaml"
    path.write_text(text, "utf-8")
    return WatchConfig.load(path)


class Running:
    """A Watcher in a thread, its output lines kept."""

    def __init__(self, cfg: WatchConfig, resources, db: Path):
        self.store = Store(db)
        self.lines: list[str] = []
        self.watcher = Watcher(cfg, Ingester(resources), self.store, sites=resources.sites,
                               alerts_jsonl=db.with_name("alerts.jsonl"), echo=self.lines.append)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watcher.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
        self.store.close()


def demo_text(name: str) -> tuple[str, str]:
    text = (DEMO / name).read_text("utf-8")
    title, _, body = text.partition("\n\n")
    return title.strip(), body


@pytest.fixture()
def site_with_feeds(news_site):
    airlift_title, airlift = demo_text("hmeimim-airlift.txt")
    news_site.pages["/news/airlift.html"] = article_html(airlift_title, airlift, "2024-12-14")
    news_site.feeds["/feed.xml"] = rss([
        {"title": airlift_title, "link": f"{news_site.url}/news/airlift.html", "guid": "airlift",
         "date": "Sat, 14 Dec 2024 09:00:00 GMT", "summary": "Russia is pulling troops back."},
        {"title": "Late page", "link": f"{news_site.url}/slow.html", "guid": "slow",
         "date": "Sat, 14 Dec 2024 10:00:00 GMT",
         "summary": "Two Russian Il-76 transports took off from Hmeimim air base on Saturday, a Syrian officer said."},
    ])
    fleet_title, fleet = demo_text("black-sea-fleet.txt")
    news_site.feeds["/busy.xml"] = rss([{"title": fleet_title, "link": "", "guid": "fleet",
                                         "date": "Fri, 22 Mar 2024 09:00:00 GMT", "summary": fleet}])
    return news_site


WATCH_YAML = """
sources:
  - feed: {url}/feed.xml
    every: 1s
  - feed: {url}/busy.xml
    every: 1s
  - feed: {url}/broken.xml
    every: 30s
http:
  timeout: 1s
  rate_limits: {{default: 0.05s}}
rules:
  - name: withdrawal-reported-at-hmeimim
    severity: high
    where: hmeimim
    subtype: withdraw
  - name: take-off-at-hmeimim
    severity: medium
    where: hmeimim
    subtype: depart
    source: report
webhooks:
  - url: {hook}
    secret: {secret}
"""


def test_feeds_articles_rules_alerts_and_webhook(tmp_path, resources, site_with_feeds, receiver):
    site = site_with_feeds
    cfg = config(tmp_path, WATCH_YAML.format(url=site.url, hook=receiver.url, secret=SECRET))
    db = tmp_path / "watch.duckdb"
    run = Running(cfg, resources, db)
    try:
        wait_for(lambda: receiver.accepted(), 90, what="an alert accepted by the webhook")
        wait_for(lambda: any(h[2].get("If-None-Match") for h in site.hits("/feed.xml")), 30,
                 what="a conditional poll of the feed")
        wait_for(lambda: len(site.hits("/busy.xml")) >= 2 and run.watcher.stats["documents"] >= 3, 60,
                 what="the busy feed read after its Retry-After")
        wait_for(lambda: len({json.loads(b)["alert"]["id"] for _, h, b, s in receiver.posts if s == 204})
                 == run.store.count_alerts(), 30, what="every alert delivered")
    finally:
        run.close()
    # The feed was asked again with its validators and answered 304; the article page fetched once.
    feed_hits = site.hits("/feed.xml")
    assert feed_hits[0][2].get("If-None-Match") is None
    assert all(h[2].get("If-None-Match") == '"v1"' for h in feed_hits[1:])
    assert len(site.hits("/news/airlift.html")) == 1
    assert len(site.hits("/slow.html")) == 1  # timed out once: the entry's own text stood in
    # The 429 was honoured: the second request came after its Retry-After of 1 s.
    busy = site.hits("/busy.xml")
    assert busy[1][0] - busy[0][0] >= 0.95
    assert any("busy.xml: HTTP 429, retrying in 1 s" in line for line in run.lines)
    assert any("broken.xml" in line and "not a readable RSS" in line for line in run.lines)
    assert any("slow.html" in line and "entry's own text is used" in line for line in run.lines)
    with Store(db, read_only=True) as store:
        docs = store.documents(limit=10)
        by_title = {d.title: d for d in docs}
        airlift = next(d for t, d in by_title.items() if t and t.startswith("Russian transports gather"))
        assert "Il-76 transport took off from the base on Saturday" in airlift.text  # the article, not the summary
        assert "Home | World" not in airlift.text and airlift.url.endswith("/news/airlift.html")
        assert len(docs) == 3
        alerts = [r for _, r in store.alerts(0, 100)]
        rules = {a["rule"] for a in alerts}
        assert {"withdrawal-reported-at-hmeimim", "take-off-at-hmeimim"} <= rules
        assert "posture-withdrawal" in rules  # the built-in rule
        for a in alerts:  # each alert's events are stored and carry their evidence
            events = {e.id: e for e in store.events_by_id(a["event_ids"])}
            assert set(events) == set(a["event_ids"])
            for ev in a["evidence"]:
                assert ev["text"] == events[ev["event_id"]].sentence and ev["doc_id"] == events[ev["event_id"]].doc_id
        jsonl = [json.loads(line) for line in db.with_name("alerts.jsonl").read_text().splitlines()]
        assert sorted(a["id"] for a in jsonl) == sorted(a["id"] for a in alerts)
    # The webhook: two failures, then accepted; the same body each time; the signature verifies.
    first = receiver.posts[:3]
    assert [p[3] for p in first] == [500, 500, 204]
    assert first[0][2] == first[1][2] == first[2][2]
    for _, headers, body, status in receiver.posts:
        assert verify(SECRET, body, headers[SIGNATURE_HEADER])
        assert not verify("another secret", body, headers[SIGNATURE_HEADER])
    payload = json.loads(first[2][2])
    assert payload["type"] == "forcewatch.alert"
    assert set(payload["alert"]) >= {"id", "rule", "severity", "title", "event_ids", "evidence", "raised_at"}
    assert first[2][1]["X-Forcewatch-Alert"] == payload["alert"]["id"]

    # Restarted with the feed's ETag changed: the entries are seen, nothing is fetched or raised again.
    site.etag_version = 2
    n_posts, n_alerts = len(receiver.posts), len(alerts)
    run = Running(cfg, resources, db)
    try:
        wait_for(lambda: any(h[2].get("If-None-Match") == '"v2"' for h in site.hits("/feed.xml")), 30,
                 what="the feed polled again after the restart")
        time.sleep(1.0)
    finally:
        run.close()
    assert len(site.hits("/news/airlift.html")) == 1 and len(site.hits("/slow.html")) == 1
    assert len(receiver.posts) == n_posts
    with Store(db, read_only=True) as store:
        assert store.count("documents") == 3 and store.count_alerts() == n_alerts
    assert len(db.with_name("alerts.jsonl").read_text().splitlines()) == n_alerts


def test_folder_watched_for_new_reports(tmp_path, resources):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cfg = config(tmp_path, f"""
sources:
  - folder: {inbox}
    every: 0.2s
builtin_rules: false
rules:
  - {{name: withdrawal, where: hmeimim, subtype: withdraw, severity: high}}
""")
    db = tmp_path / "w.duckdb"
    run = Running(cfg, resources, db)
    try:
        time.sleep(0.5)
        shutil.copy(DEMO / "hmeimim-airlift.txt", inbox / "airlift.txt")
        shutil.copy(DEMO / "hmeimim-airlift.meta.json", inbox / "airlift.meta.json")
        (inbox / "notes.bin").write_bytes(b"\x00\x01")  # not a report suffix: left alone
        (inbox / "empty.txt").write_text("")  # unreadable: one error line, the watcher goes on
        wait_for(lambda: run.store.cursor().count_alerts() > 0, 60, what="an alert from the dropped report")
        shutil.copy(DEMO / "hmeimim-airlift.txt", inbox / "copy.txt")  # the same text again: stored once
        time.sleep(1.5)
    finally:
        run.close()
    with Store(db, read_only=True) as store:
        assert store.count("documents") == 1
        doc = store.documents()[0]
        assert str(doc.published) == "2024-12-14"  # the sidecar's date
        assert {r["rule"] for _, r in store.alerts()} == {"withdrawal"}
    assert any("empty.txt: file is empty" in line for line in run.lines)


@pytest.mark.parametrize("text, message", [
    ("sources: [{feed: 'ftp://x/y'}]", "sources[0].feed: 'ftp://x/y' is not an http or https URL"),
    ("sources: [{feed: 'http://x/', every: soon}]", "sources[0].every: 'soon' is not a duration"),
    ("webhooks: [{url: 'http://x/', secret: short}]", "webhooks[0].secret: a shared secret of 8"),
    ("streams: [{name: a, kind: morse}]", "streams[0]: unknown stream kind 'morse'"),
    ("rules: [{name: r, predicate: count, window: 3}]", None),
    ("rules: [{name: r, where: {lat: 1}}]", "rules[0] r: where is a site id"),
    ("colour: red", "unknown key(s) colour"),
    ("sources: [", "watch.yaml:2: not valid YAML"),
])
def test_config_errors_name_file_and_key(tmp_path, text, message):
    if message is None:
        config(tmp_path, text)  # valid
        return
    with pytest.raises(WatchConfigError) as exc:
        config(tmp_path, text)
    line = str(exc.value)
    assert line.startswith(str(tmp_path / "watch.yaml")) and message in line and "\n" not in line


def test_cli_refuses_a_bad_config_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    bad = tmp_path / "watch.yaml"
    bad.write_text("rules:\n  - {name: r, where: atlantis}\n", "utf-8")
    src = Path(__file__).resolve().parents[2] / "src"
    proc = subprocess.run([sys.executable, "-c", "from forcewatch.serve.cli import main; main()", "watch", str(bad),
                           "--db", str(tmp_path / "w.duckdb")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(src), "COLUMNS": "300"})
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"{bad}: rule r: where: no site 'atlantis'" in lines[0]
    assert not (tmp_path / "w.duckdb").exists()  # nothing started

"""Sensor streams through the watcher: the demo's day of ADS-B and AIS traffic served over TCP as a
receiver serves it; the rules that must fire do (the one-off An-124 departure, the frigate escort's
support ship going dark near Tartus) within a bounded time, and the one that must not (the Il-76's
daily shuttle as a withdrawal) does not."""

from __future__ import annotations

import threading
import time

from forcewatch.service import Ingester
from forcewatch.store import Store
from forcewatch.watch.config import WatchConfig
from forcewatch.watch.runner import Watcher

from .conftest import DEMO, LineServer, wait_for


def test_streams_raise_alerts_as_traffic_arrives(tmp_path, resources):
    sbs = LineServer((DEMO / "feeds" / "hmeimim-2024-12-09_14.sbs").read_text().splitlines())
    nmea = LineServer((DEMO / "feeds" / "tartus-2024-12-09_14.nmea").read_text().splitlines())
    cfg_path = tmp_path / "watch.yaml"
    cfg_path.write_text(f"""
streams:
  - {{name: hmeimim-adsb, kind: sbs-tcp, host: 127.0.0.1, port: {sbs.port}}}
  - {{name: tartus-ais, kind: nmea-tcp, host: 127.0.0.1, port: {nmea.port}}}
aircraft_db: [{DEMO / 'feeds' / 'aircraft-registry.csv'}]
vessel_db: [{DEMO / 'feeds' / 'vessel-registry.csv'}]
rules:
  - {{name: ruslan-left, predicate: count, where: hmeimim, subtype: depart, equipment: An-124, military: true,
     min_count: 1, net_of: arrive, severity: high}}
  - {{name: shuttle-withdrawal, predicate: count, where: hmeimim, subtype: depart, equipment: Il-76,
     military: true, min_count: 2, window: 24h, net_of: arrive, severity: high}}
  - {{name: dark-near-tartus, predicate: dark, where: {{lat: 34.8915, lon: 35.873, radius_km: 25}}, min_dark: 6h}}
""", "utf-8")
    cfg = WatchConfig.load(cfg_path)
    db = tmp_path / "w.duckdb"
    store = Store(db)
    resources = resources.with_settings(aircraft_registry=cfg.aircraft_db, vessel_registry=cfg.vessel_db)
    lines: list[str] = []
    watcher = Watcher(cfg, Ingester(resources), store, sites=resources.sites, alerts_jsonl=tmp_path / "alerts.jsonl",
                      echo=lines.append)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    t0 = time.monotonic()
    thread.start()
    try:
        def rules_fired():
            return {r["rule"] for _, r in store.cursor().alerts(0, 1000)}
        wait_for(lambda: {"ruslan-left", "dark-near-tartus"} <= rules_fired(), 60, what="the stream alerts")
        latency = time.monotonic() - t0
        wait_for(lambda: sum(x.stats["messages"] for x in watcher.streams.values()) >= 4232 + 8820
                 and not any(x.buffer for x in watcher.streams.values()), 30, what="every message read")
        time.sleep(1.0)
    finally:
        stop.set()
        thread.join(30)
        sbs.close()
        nmea.close()
    assert latency < 60
    fired = rules_fired()
    assert "shuttle-withdrawal" not in fired, lines
    with store.cursor() as s:
        sensor = [e for e in s.events() if e.source and e.source.kind == "sensor"]
        assert any(e.subtype == "depart" and "An-124" in e.sentence for e in sensor)
        assert s.get_state("stream:hmeimim-adsb")["platform"] == "aircraft"
        assert s.unfused_documents() == []  # fused as they were stored: a report's ingest does not redo them
    store.close()


def test_an_inline_site_gets_site_events_and_its_rule_fires(tmp_path, resources):
    """A site written in watch.yaml itself (not a sites file) is watched like any other: the stream's
    departures are told at it and a rule naming it fires; no file is written for it."""
    from forcewatch.gazetteer.sites import load_sites

    hmeimim = next(s for s in load_sites() if s.id == "hmeimim")
    sbs = LineServer((DEMO / "feeds" / "hmeimim-2024-12-09_14.sbs").read_text().splitlines())
    cfg_path = tmp_path / "watch.yaml"
    cfg_path.write_text(f"""
streams:
  - {{name: hmeimim-adsb, kind: sbs-tcp, host: 127.0.0.1, port: {sbs.port}}}
aircraft_db: [{DEMO / 'feeds' / 'aircraft-registry.csv'}]
builtin_rules: false
sites:
  - {{id: kilo-strip, name: Kilo strip, kind: airfield, lat: {hmeimim.lat}, lon: {hmeimim.lon}, radius_km: 3}}
rules:
  - {{name: left-kilo-strip, where: kilo-strip, subtype: depart, equipment: An-124, severity: high}}
""", "utf-8")
    cfg = WatchConfig.load(cfg_path)
    assert cfg.site_files == () and [s.id for s in cfg.sites] == ["kilo-strip"]
    resources = resources.with_settings(aircraft_registry=cfg.aircraft_db)
    resources = type(resources)(resources.settings.with_sites(cfg.sites))
    cfg.check_sites(resources.sites)
    store = Store(tmp_path / "w.duckdb")
    watcher = Watcher(cfg, Ingester(resources), store, sites=resources.sites, alerts_jsonl=tmp_path / "alerts.jsonl",
                      echo=lambda line: None)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: store.cursor().count_alerts() > 0, 60, what="the inline site's alert")
    finally:
        stop.set()
        thread.join(30)
        sbs.close()
    alerts = [r for _, r in store.cursor().alerts(0, 100)]
    assert {a["rule"] for a in alerts} == {"left-kilo-strip"}
    at_strip = [e for e in store.cursor().events() if e.location and e.location.name == "Kilo strip"]
    assert any(e.subtype == "depart" for e in at_strip)
    store.close()

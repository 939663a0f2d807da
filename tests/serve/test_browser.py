"""End-to-end: the dashboard in Debian's Chromium, driven by Playwright.

Uses the real demo database (`forcewatch demo` on the bundled reports) when the pipeline
works, else the hand-made sample of conftest.py. Skipped, with the reason, when playwright is
not importable or no Chromium is found (/usr/bin/chromium, one on PATH, or Playwright's own),
except on CI (CI=true), where that is a failure. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import httpx
import pytest

from forcewatch.serve.export import place_of

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TARTUS_ANCHORAGE = (34.98, 35.77)  # three ships anchored ~13 km NW of Tartus, 2024-12-09


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 860})
    page = context.new_page()
    problems: list[str] = []
    external: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("request", lambda r: external.append(r.url)
            if not (r.url.startswith(server) or r.url.startswith("data:")) else None)
    page.problems, page.external = problems, external
    yield page
    context.close()


def _open(page, server):
    page.goto(server + "/")
    page.wait_for_selector("body[data-loaded=true]", timeout=20000)
    # The offline basemap (country outlines) is drawn.
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path').length > 50", timeout=20000)


def _click_event_marker(page, event_id: str) -> None:
    """Click the marker holding an event, as a user would: a cluster of places zooms in; a marker
    with several events at one spot selects the first and lists them all in a popup."""
    for _ in range(14):
        marker = page.locator(f'.leaflet-marker-icon[data-event-ids~="{event_id}"]')
        marker.wait_for(state="visible", timeout=10000)
        _moving(page, marker.click, within_ms=600)  # a zoom redraws the markers
        if page.evaluate("() => window.forcewatch.state.selected") == event_id:
            return
        choice = page.locator(f'.leaflet-popup .popup-list button[data-id="{event_id}"]')
        if choice.count():
            choice.click()
            return
    raise AssertionError(f"could not get to the marker of event {event_id}")


def _tartus_ships(server) -> dict:
    """The report of ships anchored off Tartus (a written report rather than a sensor track if any)."""
    lat, lon = TARTUS_ANCHORAGE
    items = httpx.get(f"{server}/api/events", params={"near": f"{lat},{lon},15", "limit": 1000}).json()["items"]
    assert items, "no event near the Tartus anchorage in the database"
    items.sort(key=lambda e: (e.get("subtype") != "anchor", (e.get("source") or {}).get("kind") == "sensor"))
    return items[0]


def test_dashboard_shows_events_and_evidence(page, server):
    _open(page, server)
    meta = httpx.get(server + "/api/events", params={"limit": 1000}).json()
    located = [e for e in meta["items"] if e.get("location") and e["location"].get("lat") is not None]
    assert located
    # Every event the exports draw is in some marker, placed as they place it (its location, else its
    # destination, else its origin); every event is in the timeline.
    markers = page.evaluate("() => [...window.forcewatch.state.markers.values()].map(g => [g.ids, g.marker.getLatLng()])")
    drawn = {i: (p["lat"], p["lng"]) for ids, p in markers for i in ids}
    placed = {e["id"]: place_of(e)[1] for e in meta["items"] if place_of(e)}
    assert set(placed) <= set(drawn)
    for i, p in placed.items():
        if drawn[i] == (p["lat"], p["lon"]) or len({k for k, v in drawn.items() if v == drawn[i]}) > 1:
            continue
        raise AssertionError(f"event {i} drawn at {drawn[i]}, the exports put it at {p['name']}")
    assert page.locator("#timeline .item").count() == len(meta["items"])
    # The status counts what is not drawn as the exports do.
    kml = httpx.get(server + "/api/export", params={"format": "kml"})
    unplaced = int(dict(x.split("=") for x in kml.headers["x-forcewatch-omitted"].split(", "))["without_place"])
    status = page.locator("#status").inner_text()
    assert "event" in status
    assert (f"{unplaced} event" in status and "without a place" in status) if unplaced else "without" not in status

    ships = _tartus_ships(server)
    _click_event_marker(page, ships["id"])

    # The panel shows the event, who says so, modality and grade, and the sentence highlighted.
    panel = page.locator("#panel-event")
    panel.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('#ev-text .in-sentence') !== null")
    sentence = "".join(page.locator("#ev-text .in-sentence").all_inner_texts())
    assert sentence.strip() == ships["sentence"].strip()
    fields = page.locator("#ev-fields").inner_text()
    assert ships["source"]["kind"] in fields
    if ships["source"].get("name"):
        assert ships["source"]["name"] in fields
    assert ships["modality"] in fields
    if ships.get("credibility"):
        assert ships["credibility"]["code"] in fields
    # The timeline item of that event is highlighted (marker -> timeline).
    item = page.locator(f'#timeline .item[data-id="{ships["id"]}"]')
    assert "selected" in item.get_attribute("class")
    assert page.locator(".fw-marker.selected").count() == 1

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-tartus.png"))

    # Timeline -> marker: click another item, its marker gets highlighted.
    other = next((e for e in located if e["id"] != ships["id"]), None)
    if other:
        page.locator(f'#timeline .item[data-id="{other["id"]}"]').click()
        page.wait_for_function(
            "id => document.querySelector('.leaflet-marker-icon[data-event-ids~=\"' + id + '\"] .fw-marker.selected') !== null",
            arg=other["id"],
        )
        assert "selected" in page.locator(f'#timeline .item[data-id="{other["id"]}"]').get_attribute("class")

    assert not page.problems, page.problems
    assert not page.external, f"the page fetched from the network: {page.external}"


def test_filters_reload_the_map_and_timeline(page, server):
    _open(page, server)
    total = httpx.get(server + "/api/events", params={"source_kind": "imagery", "limit": 1}).json()["total"]
    page.select_option('#filters select[name="source_kind"]', "imagery")
    page.wait_for_function(
        "n => document.querySelectorAll('#timeline .item').length === n || "
        "(n === 0 && document.querySelector('#timeline .empty'))", arg=total,
    )
    kinds = page.locator("#timeline .item .who").all_inner_texts()
    assert all("imagery" in k for k in kinds)
    assert not page.problems, page.problems


def test_document_markup_is_shown_as_text(browser, sample_server):
    """A <script> in a document is displayed as text, never run."""
    server = sample_server
    page = browser.new_page(viewport={"width": 1400, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        found = httpx.get(server + "/api/events", params={"q": "<script>", "limit": 10}).json()["items"]
        assert found, "the sample has a document with markup"
        page.goto(f"{server}/#event={found[0]['id']}")
        page.wait_for_selector("body[data-loaded=true]")
        page.wait_for_function("() => document.querySelector('#ev-text .in-sentence') !== null")
        text = page.locator("#ev-text").inner_text()
        assert '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">' in text
        assert page.locator("#ev-text script, #ev-text img, #timeline img, #ev-fields img").count() == 0
        assert page.evaluate("window.__pwned === undefined")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dashboard-markup-as-text.png"))
        assert not errors, errors
    finally:
        page.close()


# -- happenings, movements, sensors, replay, and the API documentation -----------------------------

def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def _view(page) -> dict:
    return page.evaluate("() => { const c = window.forcewatch.map.getCenter(); "
                         "return {lat: c.lat, lon: c.lng, zoom: window.forcewatch.map.getZoom()}; }")


def _moving(page, act, within_ms: int = 3000) -> bool:
    """Do ``act`` and wait for the map's ``moveend`` (the end of its pan and zoom animations), or
    ``within_ms`` when it does not move; whether it moved."""
    page.evaluate("() => { window.__moved = new Promise(r => window.forcewatch.map.once('moveend', () => r(true))); }")
    act()
    return page.evaluate("ms => Promise.race([window.__moved, new Promise(r => setTimeout(() => r(false), ms))])",
                         within_ms)


def test_one_marker_and_card_per_happening(page, server):
    _open(page, server)
    clusters = httpx.get(server + "/api/clusters", params={"limit": 1000}).json()["items"]
    events = httpx.get(server + "/api/events", params={"limit": 1000}).json()["items"]
    assert clusters and len(clusters) <= len(events)
    multi = [c for c in clusters if len(c["event_ids"]) > 1]
    # One card per happening of several claims, its claims inside, folded.
    assert page.locator("#timeline .happening").count() == len(multi)
    assert page.locator("#timeline .happening .card").count() == len(multi)
    on_map = " ".join(page.locator(".leaflet-marker-icon[data-cluster-ids]").evaluate_all(
        "els => els.map(e => e.dataset.clusterIds)")).split()
    assert sorted(on_map) == sorted(set(on_map)), "a happening is drawn once"
    assert {c["id"] for c in clusters if c.get("place")} <= set(on_map)
    assert f"{len(clusters)} happening" in page.locator("#status").inner_text()
    if not multi:
        pytest.skip("no happening of several claims in this database")
    h = max(multi, key=lambda c: (len(c["event_ids"]), c["id"]))
    box = page.locator(f'#timeline .happening[data-cluster-id="{h["id"]}"]')
    claim = box.locator(f'.item[data-id="{h["event_ids"][-1]}"]')
    assert not claim.is_visible()
    before = _view(page)
    assert _moving(page, box.locator(".card").click), "selecting a happening pans and zooms to it"
    assert claim.is_visible(), "the card opens into its claims"
    assert page.locator("#panel-cluster").is_visible()
    assert page.locator("#cl-claims button").count() == len(h["event_ids"])
    assert f'{h["n_sources"]} independent' in page.locator("#cl-fields").inner_text()
    after = _view(page)
    assert after != before and after["zoom"] >= 9, "selecting a happening pans and zooms to it"
    assert abs(after["lat"] - h["place"]["lat"]) < 0.2 and abs(after["lon"] - h["place"]["lon"]) < 0.2
    assert page.locator(f'.leaflet-marker-icon[data-cluster-ids~="{h["id"]}"] .fw-marker.selected').count() == 1
    _shot(page, "dashboard-happening.png")
    # From the panel to one claim and its evidence.
    page.locator(f'#cl-claims button[data-id="{h["event_ids"][0]}"]').click()
    page.wait_for_function("() => document.querySelector('#ev-text .in-sentence') !== null")
    assert "one of" in page.locator("#ev-happening").inner_text()
    assert not page.problems, page.problems


def test_selecting_a_claim_in_the_timeline_pans_and_zooms_to_it(page, server):
    _open(page, server)
    located = [e for e in httpx.get(server + "/api/events", params={"limit": 1000}).json()["items"]
               if (e.get("location") or {}).get("lat") is not None and (e["location"].get("radius_km") or 99) <= 10]
    target = located[len(located) // 2]
    lat, lon = target["location"]["lat"], target["location"]["lon"]
    # Elsewhere, wider (a block: evaluate would otherwise send back the whole map that setView returns).
    away = f"() => {{ window.forcewatch.map.setView([{lat + 0.7}, {lon - 0.9}], 8, {{animate: false}}); }}"
    page.evaluate(away)
    item = page.locator(f'#timeline .item[data-id="{target["id"]}"]')
    if not item.is_visible():  # a claim inside a folded happening: open its card first
        _moving(page, page.locator(f'#timeline .happening[data-cluster-id="{target["cluster_id"]}"] .card').click)
        page.evaluate(away)
    assert _moving(page, item.click), "selecting a claim moves the map"
    view = _view(page)
    assert view["zoom"] >= 9
    assert abs(view["lat"] - target["location"]["lat"]) < 0.3 and abs(view["lon"] - target["location"]["lon"]) < 0.3


def test_movements_are_lines_with_an_arrow_at_the_destination(page, server):
    _open(page, server)
    clusters = httpx.get(server + "/api/clusters", params={"limit": 1000}).json()["items"]
    moves = [c for c in clusters if (c.get("origin") or {}).get("lat") is not None
             and (c.get("destination") or {}).get("lat") is not None
             and (c["origin"]["lat"], c["origin"]["lon"]) != (c["destination"]["lat"], c["destination"]["lon"])]
    if not moves:
        pytest.skip("no movement with both ends located in this database")
    assert page.locator("path.fw-move").count() == len(moves)
    m = moves[0]
    # Selected while the map is zooming (as right after the first view, or a click on the way): it still goes there.
    page.evaluate("""id => new Promise(done => { const map = window.forcewatch.map; let sent = false;
        const go = () => { if (!sent) { sent = true; window.forcewatch.selectHappening(id, {from: 'test'}); done(); } };
        map.once('zoomanim', go); setTimeout(go, 3000);  // no animation at all: select anyway
        const z = map.getZoom(); map.setZoom(z > map.getMinZoom() ? z - 1 : z + 1); })""", m["id"])
    page.wait_for_function("([a, b]) => { const v = window.forcewatch.map.getBounds(); "
                           "return v.contains([a.lat, a.lon]) && v.contains([b.lat, b.lon]); }",
                           arg=[m["origin"], m["destination"]], timeout=5000)
    arrow = page.locator(f'.fw-arrow[data-cluster-id="{m["id"]}"]')
    assert arrow.count() == 1
    # The arrowhead sits on the destination (once the map has stopped moving) and points away from the origin.
    page.wait_for_function("""([id, lat, lon]) => {
        const a = document.querySelector(`.fw-arrow[data-cluster-id="${id}"]`).getBoundingClientRect();
        const p = window.forcewatch.map.latLngToContainerPoint([lat, lon]);
        const r = document.getElementById('map').getBoundingClientRect();
        return Math.abs(a.x + a.width / 2 - p.x - r.left) < 12 && Math.abs(a.y + a.height / 2 - p.y - r.top) < 12;
    }""", arg=[m["id"], m["destination"]["lat"], m["destination"]["lon"]], timeout=5000)
    # The bearing from origin to destination in unrounded map pixels (screen pixels of a short line are
    # too coarse for it): the arrow points along it.
    a, b = page.evaluate("([o, d]) => [o, d].map(x => { const p = window.forcewatch.map.project([x.lat, x.lon], 18); "
                         "return [p.x, p.y]; })", [m["origin"], m["destination"]])
    import math

    angle = float(arrow.get_attribute("data-angle"))
    expected = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
    assert abs((angle - expected + 180) % 360 - 180) < 1
    _shot(page, "dashboard-movement.png")
    assert not page.problems, page.problems


def test_sensor_events_show_the_platform_and_time_of_day_in_order(page, server):
    _open(page, server)
    events = httpx.get(server + "/api/events", params={"limit": 1000, "source_kind": "sensor"}).json()["items"]
    if not events:
        pytest.skip("no sensor event in this database")
    ev = next(e for e in events if e.get("platform") and e["time"].get("start_time"))
    p = ev["platform"]
    item = page.locator(f'#timeline .item[data-id="{ev["id"]}"]')
    text = item.inner_text()
    assert ev["time"]["start_time"][11:16] + " " in text or ev["time"]["start_time"][11:16] + "–" in text
    assert (p.get("registration") or p.get("name") or p["ident"]) in text
    page.goto(f"{server}/#event={ev['id']}")
    page.wait_for_selector("body[data-loaded=true]")
    page.wait_for_function("() => document.querySelector('#ev-fields') && document.querySelector('#ev-fields').innerText.includes('UTC')")
    fields = page.locator("#ev-fields").inner_text()
    for part in (p.get("registration"), p.get("type_code"), p.get("name"), p["ident"]):
        if part:
            assert part in fields
    assert ("ICAO" if p["platform"] == "aircraft" else "MMSI") in fields
    # Same-day events are in time order in the timeline: happenings by their first claim, and
    # the claims of each.
    order = page.evaluate("""() => {
        const at = (id) => { const e = window.forcewatch.state.byId.get(id);
                             return Date.parse(e.time.start_time || e.time.start + 'T00:00:00Z'); };
        return [...document.querySelectorAll('#timeline .day')].filter(d => d.getAttribute('aria-label') !== 'undated')
          .map(d => [...d.querySelectorAll(':scope > .item, :scope > .happening')].map(x =>
              [...(x.matches('.item') ? [x] : x.querySelectorAll('.item'))].map(i => at(i.dataset.id))));
    }""")
    assert any(len(day) > 1 for day in order)
    for day in order:
        assert [claims[0] for claims in day] == sorted(claims[0] for claims in day)
        assert all(claims == sorted(claims) for claims in day)
    assert not page.problems, page.problems


def test_replay_shows_events_in_order_and_sensors_can_be_hidden(page, server):
    _open(page, server)
    total = page.evaluate("() => window.forcewatch.state.events.length")
    markers = lambda: page.evaluate(  # noqa: E731 - event ids on the map now
        "() => [...document.querySelectorAll('.leaflet-marker-icon[data-event-ids]')].flatMap(e => e.dataset.eventIds.split(' '))")
    everything = set(markers())
    n = int(page.locator("#replay-slider").get_attribute("max"))
    assert n >= 2
    seen = []
    for i in (1, n // 2, n - 1):
        page.locator("#replay-slider").fill(str(i))
        page.wait_for_timeout(100)
        now = set(markers())
        assert now <= everything
        seen.append(now)
        cutoff = page.evaluate("() => window.forcewatch.state.replay")
        later = page.evaluate("c => window.forcewatch.state.events.filter(e => !e.time || "
                              "Date.parse(e.time.start_time || e.time.start + 'T00:00:00Z') > c).map(e => e.id)", cutoff)
        assert not now & set(later), "an event after the replay's time is on the map"
    assert seen[0] <= seen[1] <= seen[2] and len(seen[0]) < len(everything)
    assert "UTC" in page.locator("#replay-at").inner_text()
    _shot(page, "dashboard-replay.png")
    # Play runs to the end and shows everything again.
    page.evaluate("() => { document.body.dataset.replayMs = '20'; }")
    page.locator("#replay-play").click()
    page.wait_for_function("() => window.forcewatch.state.replay === null", timeout=20000)
    assert set(markers()) == everything
    # Sensor events can be hidden: the reports are not buried.
    sensors = page.evaluate("() => window.forcewatch.state.events.filter(e => e.source && e.source.kind === 'sensor').length")
    if not sensors:
        pytest.skip("no sensor event in this database")
    page.locator("#show-sensor").uncheck()
    page.wait_for_timeout(100)
    kinds = page.locator("#timeline .item").evaluate_all("els => els.map(e => e.classList.contains('sensor'))")
    assert kinds and not any(kinds) and len(kinds) == total - sensors
    _shot(page, "dashboard-reports-only.png")
    page.locator("#show-report").uncheck()
    page.locator("#show-sensor").check()
    page.wait_for_timeout(100)
    kinds = page.locator("#timeline .item").evaluate_all("els => els.map(e => e.classList.contains('sensor'))")
    assert all(kinds) and len(kinds) == sensors
    assert not page.problems, page.problems


def test_api_documentation_renders_offline(page, server):
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock", timeout=20000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/events" in p for p in paths) and any("/api/clusters" in p for p in paths)
    _shot(page, "api-docs.png")
    page.goto(server + "/redoc")
    page.wait_for_selector("[data-section-id]", timeout=20000)
    assert "forcewatch" in page.locator("h1").first.inner_text()
    # Redoc's "powered by" logo is on another host: the policy blocks it, and nothing else.
    outside = [p for p in page.problems if "redoc" not in p.lower() and "redocly" not in p.lower()]
    assert not outside, outside
    assert all(u.startswith("blob:" + server) or "redoc" in u for u in page.external), page.external
def test_download_exports_what_the_filters_select(page, server):
    import json

    _open(page, server)
    page.select_option("#filters select[name=source_kind]", "imagery")
    page.wait_for_function("() => document.querySelector('#download').href.includes('source_kind=imagery')")
    page.select_option("#export-format", "geojson")
    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename == "forcewatch-events.geojson"
    collection = json.loads(Path(download.path()).read_text("utf-8"))
    expected = httpx.get(f"{server}/api/events", params={"source_kind": "imagery", "limit": 1}).json()["total"]
    assert len(collection["features"]) == expected > 0
    assert {f["properties"]["source"]["kind"] for f in collection["features"]} == {"imagery"}
    assert not page.problems and not page.external

"""End-to-end: the dashboard in Debian's Chromium, driven by Playwright.

Uses the real demo database (`forcewatch demo` on the bundled reports) when the pipeline
works, else the hand-made sample of conftest.py. Skipped, with the reason, when playwright is
not importable or no Chromium is found (/usr/bin/chromium, one on PATH, or Playwright's own),
except on CI (CI=true), where that is a failure. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import httpx
import pytest

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
        marker.click()
        page.wait_for_timeout(450)  # zoom animation, then markers are redrawn
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
    # Every located event is in some marker, every event in the timeline.
    ids_on_map = " ".join(page.locator(".leaflet-marker-icon[data-event-ids]").evaluate_all(
        "els => els.map(e => e.dataset.eventIds)"))
    assert {e["id"] for e in located} <= set(ids_on_map.split())
    assert page.locator("#timeline .item").count() == len(meta["items"])
    assert "event" in page.locator("#status").inner_text()

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

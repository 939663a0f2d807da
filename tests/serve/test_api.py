"""The REST API: filters, pagination, evidence, documents, sites, GeoJSON, errors, ingest."""

from __future__ import annotations

import json
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from forcewatch.records import Credibility, Event, Place, Source, TimeSpan
from forcewatch.serve.api import MAX_LIMIT, WEB, create_app

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def client(sample_store):
    return TestClient(create_app(sample_store))


def items(client, **params):
    r = client.get("/api/events", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def error(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    return body["error"]["message"]


# -- events ---------------------------------------------------------------------

def test_list_events_is_a_page_with_total(client):
    body = items(client)
    assert body["total"] == 8 and len(body["items"]) == 8
    assert body["limit"] == 100 and body["offset"] == 0
    starts = [e["time"]["start"] for e in body["items"] if e["time"]]
    assert starts == sorted(starts)
    first = body["items"][0]
    # The documented event record: the document is inlined, doc_id is not.
    assert {"id", "doc", "type", "subtype", "sentence", "span", "trigger", "location", "source",
            "modality", "credibility"} <= set(first)
    assert "doc_id" not in first and first["doc"]["title"]
    grades = {e["trigger"]: e["credibility"] for e in body["items"]}
    assert grades["nose doors open"] == {"reliability": "B", "information": 2, "code": "B2", "basis": None}


def test_list_items_are_the_documented_event_record(client, sample_store):
    from forcewatch.serve.output import event_record
    from forcewatch.store import open_store

    listed = items(client)["items"]
    with open_store(sample_store, read_only=True) as store:
        clusters = store.cluster_ids(item["id"] for item in listed)
        for item in listed:
            event = store.event(item["id"])
            # The API adds the event's happening (and for sensor events, the platform).
            assert item.pop("cluster_id") == clusters[item["id"]]
            assert item == json.loads(json.dumps(event_record(event, store.document(event.doc_id))))


def test_pagination(client):
    everything = [e["id"] for e in items(client)["items"]]
    page1 = items(client, limit=3, offset=0)
    page2 = items(client, limit=3, offset=3)
    page3 = items(client, limit=3, offset=6)
    assert page1["total"] == page2["total"] == page3["total"] == 8
    got = [e["id"] for p in (page1, page2, page3) for e in p["items"]]
    assert got == everything
    assert items(client, offset=100)["items"] == []


def test_newest_first(client):
    oldest = [e["id"] for e in items(client)["items"]]
    newest = items(client, order="desc")["items"]
    dated = [e["id"] for e in newest if e["time"]]
    assert dated == [i for i in reversed(oldest) if i in dated]
    assert [e["time"]["start"] for e in items(client, order="desc", limit=2)["items"]] == ["2024-12-16", "2024-12-14"]
    assert "order" in error(client.get("/api/events", params={"order": "random"}), 422)


def test_page_size_is_bounded(client):
    assert "less than or equal to 1000" in error(client.get("/api/events", params={"limit": MAX_LIMIT + 1}), 422)
    assert "limit" in error(client.get("/api/events", params={"limit": 0}), 422)
    assert "offset" in error(client.get("/api/events", params={"offset": -1}), 422)
    assert "limit" in error(client.get("/api/events", params={"limit": "many"}), 422)


@pytest.mark.parametrize("params, expected", [
    ({"type": "mobilize"}, {"load", "withdraw", "anchor", "transit", "arrive"}),
    ({"type": "RETREAT"}, {"depart"}),
    ({"subtype": "anchor"}, {"anchor"}),
    ({"source_kind": "imagery"}, {"load", "withdraw", "anchor", "depart"}),
    ({"source_kind": "journalist"}, {"transit"}),
    ({"source_kind": "official"}, {"basing", "no_comment"}),
    ({"modality": "hedged"}, {"withdraw"}),
    ({"credibility": "b"}, {"load", "withdraw", "anchor", "depart", "transit"}),
    ({"credibility": "B2"}, {"load", "anchor", "transit"}),
    ({"since": "2024-12-13"}, {"load", "withdraw", "transit", "no_comment", "basing"}),
    ({"until": "2024-12-09"}, {"anchor", "depart"}),
    ({"since": "2024-12-09", "until": "2024-12-11"}, {"anchor", "arrive"}),
    ({"near": "34.98,35.77,5"}, {"anchor"}),
    ({"near": "34.98,35.77,20"}, {"anchor", "depart"}),
    ({"near": "35.4011,35.9487,10"}, {"load", "withdraw", "transit"}),
    ({"bbox": "35.5,34.5,36.2,35.2"}, {"anchor", "depart"}),  # WEST,SOUTH,EAST,NORTH around Tartus
    ({"q": "TARTUS"}, {"anchor", "depart"}),  # sentence or place name, case-insensitive
    ({"q": "naval facility"}, {"depart"}),
    ({"q": "An-124"}, {"load"}),
    ({"q": "nothing like this"}, set()),
    ({"type": "MOBILIZE", "source_kind": "imagery", "near": "34.98,35.77,20"}, {"anchor"}),
])
def test_filters(client, params, expected):
    body = items(client, **params)
    assert {e["subtype"] for e in body["items"]} == expected
    assert body["total"] == len(body["items"])


@pytest.mark.parametrize("params, words", [
    ({"type": "INVADE"}, ["type", "INVADE", "one of"]),
    ({"subtype": "fly"}, ["subtype", "fly"]),
    ({"source_kind": "psychic"}, ["source_kind"]),
    ({"modality": "sure"}, ["modality"]),
    ({"credibility": "Z9"}, ["credibility", "Admiralty"]),
    ({"bbox": "1,2,3"}, ["bbox", "WEST,SOUTH,EAST,NORTH"]),
    ({"bbox": "a,b,c,d"}, ["bbox"]),
    ({"bbox": "36,35,35,36"}, ["bbox", "antimeridian"]),
    ({"bbox": "35,36,36,35"}, ["bbox", "SOUTH <= NORTH"]),
    ({"near": "35,36"}, ["near", "LAT,LON,KM"]),
    ({"near": "95,36,10"}, ["near"]),
    ({"near": "35,36,-1"}, ["near"]),
    ({"near": "nan,36,1"}, ["near"]),
    ({"since": "yesterday"}, ["since"]),
    ({"since": "2024-12-10", "until": "2024-12-01"}, ["since", "after"]),
    ({"q": "x" * 201}, ["q"]),
])
def test_bad_filters_are_clear_json_errors(client, params, words):
    message = error(client.get("/api/events", params=params), 422)
    for w in words:
        assert w in message


def test_one_event_with_its_evidence(client):
    ships = items(client, subtype="anchor")["items"][0]
    r = client.get(f"/api/events/{ships['id']}")
    assert r.status_code == 200
    body = r.json()
    assert body["event"] == ships
    ev = body["evidence"]
    assert ev["document_stored"] is True
    text = ev["text"]
    assert text.startswith("Russian warships leave Tartus")
    s = ev["sentence"]
    assert text[s["start"]:s["end"]] == ships["sentence"] == s["text"]
    fields = {h["field"]: h for h in ev["highlights"]}
    assert {"trigger", "source", "location", "time", "equipment", "actor"} <= set(fields)
    for h in ev["highlights"]:
        assert text[h["start"]:h["end"]] == h["text"]
    assert fields["trigger"]["text"] == "anchored"
    assert fields["location"]["text"] == "about 13 km northwest of Tartus"
    assert fields["source"]["text"] == "according to satellite images reviewed by the Open Source Centre"
    assert [h["start"] for h in ev["highlights"]] == sorted(h["start"] for h in ev["highlights"])


def test_event_without_a_stored_document_shows_its_sentence(backend_db):
    from forcewatch.store import open_store

    sentence = "Track RFF7078 (An-124) landed at Hmeimim at 14:02 UTC."
    event = Event(
        id="sensor-1", doc_id="adsb:feed-1", type="MOBILIZE", subtype="arrive", trigger="landed",
        trigger_span=(1000 + 23, 1000 + 29), sentence=sentence, span=(1000, 1000 + len(sentence)),
        location=Place(name="Hmeimim Air Base", lat=35.4011, lon=35.9487, text="Hmeimim", span=(1033, 1040)),
        time=TimeSpan(start=date(2024, 12, 13), end=date(2024, 12, 13)),
        source=Source(kind="sensor", name="ADS-B"), credibility=Credibility("A", 1), track_id="t1",
    )
    db = backend_db
    with open_store(db) as store:
        store.add_events([event])
    c = TestClient(create_app(db))
    body = c.get("/api/events/sensor-1").json()
    ev = body["evidence"]
    assert ev["document_stored"] is False and ev["text"] == sentence
    assert ev["sentence"]["start"] == 0 and ev["sentence"]["end"] == len(sentence)
    assert {h["field"]: h["text"] for h in ev["highlights"]} == {"trigger": "landed", "location": "Hmeimim"}
    assert body["event"]["doc"]["id"] == "adsb:feed-1"


def test_unknown_event_is_404_json(client):
    assert "no event with id 'nope'" in error(client.get("/api/events/nope"), 404)


def test_facets(client):
    body = client.get("/api/events/facets", params={"source_kind": "imagery"}).json()
    assert body["total"] == 4
    assert body["facets"]["subtype"] == {"anchor": 1, "depart": 1, "load": 1, "withdraw": 1}
    assert body["facets"]["source_kind"] == {"imagery": 4}
    assert body["facets"]["credibility"] == {"B2": 2, "B3": 2}


# -- GeoJSON --------------------------------------------------------------------

def test_geojson(client):
    r = client.get("/api/events.geojson")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert body["total"] == 8 and body["truncated"] is False
    assert len(body["features"]) == 8  # every event: the ministry's "no comment" has no location, so no geometry
    silent = next(f for f in body["features"] if f["properties"]["subtype"] == "no_comment")
    assert silent["geometry"] is None and silent["time"] == {"date": "2024-12-14"}
    ships = next(f for f in body["features"] if f["properties"]["subtype"] == "anchor")
    assert ships["geometry"] == {"type": "Point", "coordinates": [35.77, 34.98]}
    assert ships["id"] == ships["properties"]["id"]


def test_geojson_filters_and_limit(client):
    body = client.get("/api/events.geojson", params={"near": "34.98,35.77,20", "limit": 1}).json()
    assert body["total"] == 2 and body["truncated"] is True and len(body["features"]) == 1
    assert "limit" in error(client.get("/api/events.geojson", params={"limit": 10**6}), 422)


# -- documents and sites --------------------------------------------------------

def test_documents(client):
    body = client.get("/api/documents").json()
    assert body["total"] == 6 and len(body["items"]) == 6
    tartus = next(d for d in body["items"] if d["title"] == "Russian warships leave Tartus")
    assert tartus["n_events"] == 2 and tartus["published"] == "2024-12-10" and "text" not in tartus
    full = client.get(f"/api/documents/{tartus['id']}").json()
    assert full["text"].startswith("Russian warships leave Tartus")
    assert {e["subtype"] for e in full["events"]} == {"anchor", "depart"}
    assert [d["id"] for d in client.get("/api/documents", params={"limit": 2, "offset": 1}).json()["items"]] == \
        [d["id"] for d in body["items"][1:3]]
    assert "no document with id 'x'" in error(client.get("/api/documents/x"), 404)
    assert "limit" in error(client.get("/api/documents", params={"limit": 5000}), 422)


def test_sites_fall_back_to_the_packaged_list(client):
    body = client.get("/api/sites").json()
    assert body["origin"] == "packaged"
    ids = {s["id"] for s in body["items"]}
    assert {"hmeimim", "tartus-naval"} <= ids
    hmeimim = next(s for s in body["items"] if s["id"] == "hmeimim")
    assert (hmeimim["lat"], hmeimim["lon"]) == (35.4011, 35.9487)


def test_meta(client):
    body = client.get("/api/meta").json()
    assert "MOBILIZE" in body["types"] and "anchor" in body["subtypes"] and "imagery" in body["source_kinds"]
    assert body["counts"] == {"events": 8, "documents": 6}
    assert body["ingest"] == "disabled" and body["tiles"] is None


# -- errors, OpenAPI, concurrency -----------------------------------------------

def test_errors_are_json(client):
    assert "no such endpoint" in error(client.get("/api/nothing"), 404)
    assert "not allowed" in error(client.delete("/api/events"), 405)


def test_openapi_documents_the_endpoints(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for p in ("/api/events", "/api/events/{event_id}", "/api/events.geojson", "/api/documents",
              "/api/documents/{doc_id}", "/api/sites"):
        assert p in paths
    assert "post" in paths["/api/documents"]
    names = {p["name"] for p in paths["/api/events"]["get"]["parameters"]}
    assert {"type", "subtype", "bbox", "near", "since", "until", "source_kind", "modality", "credibility",
            "q", "limit", "offset"} <= names
    assert client.get("/docs").status_code == 200


def test_concurrent_reads(client):
    def one(i):
        return client.get("/api/events", params={"near": "34.98,35.77,20"} if i % 2 else {}).json()["total"]

    with ThreadPoolExecutor(8) as pool:
        totals = list(pool.map(one, range(40)))
    assert totals == [2 if i % 2 else 8 for i in range(40)]


# -- the dashboard's files -------------------------------------------------------

def test_dashboard_is_served_offline(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    html = r.text
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "the page loads nothing from the network"
    for asset in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html):
        assert client.get(asset).status_code == 200, asset
    basemap = client.get("/static/basemap/countries.geojson")
    assert basemap.status_code == 200 and len(basemap.content) < 1_000_000
    names = {f["properties"]["name"] for f in json.loads(basemap.content)["features"]}
    assert {"Syria", "Lebanon", "Cyprus", "Turkey", "Libya"} <= names


def test_vendored_files_carry_their_licences():
    assert "Agafonkin" in (WEB / "vendor" / "leaflet" / "LICENSE").read_text()
    assert "Bostock" in (WEB / "basemap" / "LICENSE-world-atlas").read_text()
    assert "1.9.4" in (WEB / "vendor" / "leaflet" / "leaflet.js").read_text()[:300]


def test_dashboard_script_never_writes_html():
    js = (WEB / "app.js").read_text()
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", js, flags=re.S)  # comments may name what is not used
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in code, sink


# -- ingest over the API --------------------------------------------------------

class FakePipeline:
    """Finds "anchored" and codes one event, like the real pipeline would."""

    def __init__(self):
        self.calls = 0

    def analyze(self, docs):
        from forcewatch.records import Analysis

        for doc in docs:
            self.calls += 1
            out = Analysis(document=doc)
            i = doc.text.find("anchored")
            if i >= 0:
                t = (i, i + len("anchored"))
                out.events.append(Event(
                    id=Event.make_id(doc.id, t, "MOBILIZE", "anchor"), doc_id=doc.id, type="MOBILIZE",
                    subtype="anchor", trigger="anchored", trigger_span=t, sentence=doc.text,
                    span=(0, len(doc.text)),
                    location=Place(name="Tartus", lat=34.889, lon=35.887),
                ))
            yield out


@pytest.fixture()
def writable(backend_db):
    pipeline = FakePipeline()
    app = create_app(backend_db, token=TOKEN, pipeline=pipeline)
    return TestClient(app), pipeline


REPORT = {"text": "Two Russian landing ships anchored off Tartus on Monday.", "title": "Ships",
          "published": "2024-12-10", "outlet": "Test"}


def test_ingest_is_refused_without_a_configured_token(client, sample_db):
    message = error(client.post("/api/documents", json=REPORT), 403)
    assert "--token" in message and "FORCEWATCH_TOKEN" in message
    error(client.post("/documents", json=REPORT, headers={"Authorization": "Bearer anything"}), 403)
    assert client.app.state.read_only is True  # nothing can write to the file
    assert items(client)["total"] == 8


def test_ingest_needs_the_bearer_token(writable):
    c, pipeline = writable
    r = c.post("/api/documents", json=REPORT)
    assert "missing bearer token" in error(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "invalid bearer token" in error(
        c.post("/api/documents", json=REPORT, headers={"Authorization": "Bearer wrong"}), 401)
    assert "missing" in error(c.post("/api/documents", json=REPORT, headers={"Authorization": f"Basic {TOKEN}"}), 401)
    assert pipeline.calls == 0 and c.get("/api/documents").json()["total"] == 0


def test_ingest_stores_once(writable):
    c, pipeline = writable
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = c.post("/api/documents", json=REPORT, headers=auth)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["created"] is True and body["n_events"] == 1
    assert body["events"][0]["subtype"] == "anchor" and body["events"][0]["doc"]["title"] == "Ships"
    assert c.get(f"/api/documents/{body['id']}").json()["published"] == "2024-12-10"
    assert items(c, subtype="anchor")["total"] == 1
    # Same text again (also on the /documents alias): nothing new, 200.
    again = c.post("/documents", json={**REPORT, "title": "Other title"}, headers=auth)
    assert again.status_code == 200
    assert again.json()["created"] is False and again.json()["id"] == body["id"] and again.json()["n_events"] == 1
    assert pipeline.calls == 1
    assert c.get("/api/documents").json()["total"] == 1 and items(c)["total"] == 1


def test_ingest_html_and_bad_bodies(writable):
    c, _ = writable
    auth = {"Authorization": f"Bearer {TOKEN}"}
    html = ("<html><head><title>Port watch</title><meta property='og:site_name' content='Harbour Gazette'>"
            "</head><body><p>A frigate anchored near Tartus.</p><script>alert(1)</script></body></html>")
    r = c.post("/api/documents", json={"text": html, "media_type": "html"}, headers=auth)
    assert r.status_code == 201, r.text
    doc = c.get(f"/api/documents/{r.json()['id']}").json()
    assert doc["title"] == "Port watch" and "<p>" not in doc["text"] and "anchored" in doc["text"]
    assert doc["outlet"] == "Harbour Gazette"  # the page's own name, unless the request gives one
    assert "text" in error(c.post("/api/documents", json={"text": ""}, headers=auth), 422)
    assert "published" in error(c.post("/api/documents", json={"text": "x", "published": "soon"}, headers=auth), 422)
    assert "media_type" in error(c.post("/api/documents", json={"text": "x", "media_type": "pdf"}, headers=auth), 422)
    assert error(c.post("/api/documents", content=b"not json", headers={**auth, "Content-Type": "application/json"}), 422)


def test_ingest_with_the_real_pipeline(tmp_path):
    pytest.importorskip("forcewatch.pipeline")
    c = TestClient(create_app(tmp_path / "real.duckdb", token=TOKEN))
    text = ("Satellite images taken on December 9, 2024 show three Russian navy ships anchored about "
            "13 km northwest of Tartus, according to Maxar Technologies.")
    r = c.post("/api/documents", json={"text": text, "published": "2024-12-10"},
               headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["n_events"] >= 1
    stored = items(c)
    assert stored["total"] == body["n_events"]
    ev = c.get(f"/api/events/{stored['items'][0]['id']}").json()["evidence"]
    assert ev["text"] == text
    summit = {"text": "The Norwegian prime minister met the Finnish president in Oslo on Tuesday.",
              "published": "2025-05-07"}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert c.post("/api/documents", json=summit, headers=auth).json()["n_events"] == 0  # no military content
    coded = c.post("/api/documents", json={**summit, "all_events": True}, headers=auth)
    assert coded.status_code == 200 and not coded.json()["created"]  # the same document, coded again
    assert coded.json()["n_events"] >= 1 and coded.json()["events"][0]["type"] == "CONSULT"


# -- the command line -----------------------------------------------------------

def test_serve_refuses_a_missing_database(tmp_path):
    from typer.testing import CliRunner

    from forcewatch.serve.cli import app

    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "no such database" in " ".join(result.output.split())


def test_serve_refuses_a_busy_port(sample_db):
    import socket

    from typer.testing import CliRunner

    from forcewatch.serve.cli import app

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--db", str(sample_db), "--port", str(port)])
    assert result.exit_code == 2
    assert "cannot listen" in " ".join(result.output.split())


def test_demo_tells_the_url(demo_output):
    if demo_output is None:
        pytest.skip("forcewatch demo does not run yet")
    assert "http://127.0.0.1:8000/" in demo_output and "forcewatch demo --serve" in demo_output


def test_text_search_reaches_source_and_equipment(client):
    assert {e["subtype"] for e in items(client, q="maxar")["items"]} == {"load", "withdraw"}
    assert {e["subtype"] for e in items(client, q="ka-52")["items"]} == {"withdraw"}


def test_text_search_on_a_database_without_the_search_column(sample_db, tmp_path):
    """A read-only database written before the search column existed still answers q (slower)."""
    import shutil

    import duckdb

    old = tmp_path / "old.duckdb"
    shutil.copy(sample_db, old)
    con = duckdb.connect(str(old))
    con.execute("ALTER TABLE events DROP COLUMN search")
    con.execute("DROP TABLE schema_version")  # files from before the version row
    con.close()
    c = TestClient(create_app(old))
    assert {e["subtype"] for e in items(c, q="tartus")["items"]} == {"anchor", "depart"}


def _with_a_second_outlet(path):
    """The sample plus a second outlet's report of the ships anchored off Tartus: one happening."""
    from forcewatch.fuse.happenings import cluster
    from forcewatch.records import Document
    from forcewatch.store import open_store

    from .conftest import TARTUS_ANCHORAGE, sample_records

    records = sample_records()
    text = "Three Russian warships lay at anchor off Tartus on December 9, AFP reported."
    doc = Document(id=Document.make_id(text), text=text, title="Warships off Tartus", outlet="AFP",
                   published=date(2024, 12, 10))
    anchor = Event(
        id=Event.make_id(doc.id, (27, 36), "MOBILIZE", "anchor"), doc_id=doc.id, type="MOBILIZE", subtype="anchor",
        trigger="at anchor", trigger_span=(27, 36), sentence=text, span=(0, len(text)),
        location=Place("off Tartus", *TARTUS_ANCHORAGE, "relative", "relative", 5.0, "SY"),
        time=TimeSpan(date(2024, 12, 9), date(2024, 12, 9), text="December 9"),
        source=Source("journalist", "AFP"), credibility=Credibility.parse("B2"))
    records.append((doc, [anchor]))
    with open_store(path) as store:
        for d, events in records:
            store.add_document(d, events)
        store.replace_clusters(cluster(e for _, events in records for e in events))
    return path, anchor


def test_clusters_are_happenings_with_their_claims(backend_db):
    db, afp = _with_a_second_outlet(backend_db)
    client = TestClient(create_app(db))
    events = items(client, limit=1000)["items"]
    page = client.get("/api/clusters", params={"limit": 1000}).json()
    assert page["total"] == len(page["items"]) == len(events) - 1
    # Every event is in exactly one happening, and says which.
    members = [i for c in page["items"] for i in c["event_ids"]]
    assert sorted(members) == sorted(e["id"] for e in events)
    of = {e["id"]: e["cluster_id"] for e in events}
    assert all(of[i] == c["id"] for c in page["items"] for i in c["event_ids"])
    [both] = [c for c in page["items"] if afp.id in c["event_ids"]]
    assert len(both["event_ids"]) == 2 and both["n_sources"] == 2 and both["credibility"]["code"] == "B1"
    assert both["place"]["radius_km"] == 3  # the imagery's tighter pin, not AFP's
    starts = [c["time"]["start"] for c in page["items"] if c["time"]]
    assert starts == sorted(starts)
    # The event filters pick the happenings with a matching claim.
    journalists = client.get("/api/clusters", params={"source_kind": "journalist"}).json()
    assert both["id"] in {c["id"] for c in journalists["items"]}
    assert journalists["total"] == len({of[e["id"]] for e in events if e["source"]["kind"] == "journalist"})
    one = client.get(f"/api/clusters/{both['id']}").json()
    assert one["cluster"] == both
    assert [c["id"] for c in one["claims"]] == both["event_ids"]
    assert {c["cluster_id"] for c in one["claims"]} == {both["id"]} and one["claims"][0]["doc"]["title"]
    assert "no cluster" in error(client.get("/api/clusters/nope"), 404)
    error(client.get("/api/clusters", params={"limit": 0}), 422)


def test_sensor_events_name_their_platform(backend_db):
    from datetime import datetime, timezone

    from forcewatch.records import Document, Position, Track
    from forcewatch.store import open_store

    track = Track(id="adsb:4b1805", platform="aircraft", ident="4b1805", name="RFF7015", type_code="IL76",
                  registration="RA-78830", operator="Russian Air Force", flag="RU", military=True,
                  positions=[Position(datetime(2024, 12, 14, 13, 31, tzinfo=timezone.utc), 35.40, 35.95)])
    doc = Document(id="feed", text="ADS-B feed", media_type="observation")
    t = datetime(2024, 12, 14, 13, 31, tzinfo=timezone.utc)
    event = Event(id="e1", doc_id="feed", type="MOBILIZE", subtype="depart", trigger="took off", trigger_span=(0, 4),
                  sentence="Aircraft 4b1805 took off", span=(0, 4), track_id=track.id,
                  time=TimeSpan(t.date(), t.date(), start_time=t, end_time=t), source=Source("sensor", "ADS-B"))
    with open_store(backend_db) as store:
        store.add_tracks([track])
        store.add_document(doc, [event])
    [rec] = items(TestClient(create_app(backend_db)))["items"]
    assert rec["platform"] == {"platform": "aircraft", "ident": "4b1805", "name": "RFF7015", "registration": "RA-78830",
                               "type_code": "IL76", "operator": "Russian Air Force", "flag": "RU", "military": True}
    assert rec["cluster_id"] is None  # stored without the fusion step


@pytest.mark.parametrize("path, asset", [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
def test_api_documentation_is_served_offline(client, path, asset):
    page = client.get(path)
    assert page.status_code == 200
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert f"/static/apidocs/{asset}" in srcs
    assert all(s.startswith("/") for s in srcs), srcs  # nothing from another host
    assert client.get(f"/static/apidocs/{asset}").status_code == 200
    policy = page.headers["content-security-policy"]
    for script in re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL):
        import base64
        import hashlib

        assert base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() in policy
    assert "default-src 'self'" in policy and "http" not in policy

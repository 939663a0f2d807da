"""Exports, each read back by the reader it is for: pandas and the csv module (CSV), GDAL through pyogrio
and shapely (GeoJSON, KML), ElementTree (KML), stix2 (STIX 2.1); then the same files from the API and CLI."""

from __future__ import annotations

import csv
import io
import json
import warnings
import xml.etree.ElementTree as ET
from datetime import date

import pandas as pd
import pyogrio
import pytest
import shapely.geometry as shapely_geometry
import stix2
from typer.testing import CliRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from forcewatch.records import Credibility, Document, Event, Place, Source, TimeSpan
from forcewatch.serve import export
from forcewatch.serve.api import create_app
from forcewatch.serve.cli import app
from forcewatch.serve.filters import event_filters
from forcewatch.serve.output import event_record
from forcewatch.store import Store

KML = "{http://www.opengis.net/kml/2.2}"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def _movement_records() -> list[dict]:
    """A flight from Hmeimim to Al-Khadim (origin and destination), and a claim whose text starts like a formula."""
    text = ("Il-76 flies to Libya\n\nA Russian Il-76 flew from Hmeimim air base to Al-Khadim air base on December 14.\n\n"
            f"{FORMULA} said the post.")
    doc = Document(id=Document.make_id(text), text=text, title="Il-76 flies to Libya", published=date(2024, 12, 15),
                   url="https://example.org/il76", outlet="Example Wire")
    s1 = text.split("\n\n")[1]
    a = text.index(s1)
    hmeimim = Place(name="Hmeimim Air Base", lat=35.4011, lon=35.9487, kind="airfield", precision="site", radius_km=3,
                    country="SY")
    khadim = Place(name="Al-Khadim Air Base", lat=31.9985, lon=21.1918, kind="airfield", precision="site", radius_km=4,
                   country="LY")
    flight = Event(id="flight000000001", doc_id=doc.id, type="MOBILIZE", subtype="depart", trigger="flew",
                   trigger_span=(a + 17, a + 21), sentence=s1, span=(a, a + len(s1)), origin=hmeimim, destination=khadim,
                   location=hmeimim, time=TimeSpan(date(2024, 12, 14), date(2024, 12, 14)),
                   source=Source(kind="organization", name="Example Wire"), credibility=Credibility("B", 2))
    s2 = text.split("\n\n")[2]
    b = text.index(s2)
    formula = Event(id="formula00000001", doc_id=doc.id, type="OTHER", subtype=None, trigger="said",
                    trigger_span=(b + len(s2) - 14, b + len(s2) - 10), sentence=s2, span=(b, b + len(s2)),
                    location=Place(name="Libya", country="LY"), time=TimeSpan(date(2024, 12, 1), date(2024, 12, 31),
                                                                            precision="month"),
                    source=Source(kind="anonymous"), modality="hedged")
    return [event_record(flight, doc), event_record(formula, doc)]


@pytest.fixture(scope="module")
def selection(sample_db):
    with Store(sample_db, read_only=True) as store:
        return export.select(store, event_filters())


# -- CSV -------------------------------------------------------------------------------

def test_csv_reads_in_pandas_and_the_csv_module_with_acled_columns(selection):
    out = export.write("csv", selection)
    assert out.body.startswith("\ufeff") and "\r\n" in out.body
    frame = pd.read_csv(io.BytesIO(out.body.encode("utf-8")))
    assert len(frame) == len(selection.records) == 8
    for column in ("event_date", "time_precision", "event_type", "sub_event_type", "actor1", "actor2", "iso", "country",
                   "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
                   "source_scale", "notes", "timestamp", "subtype", "equipment", "modality", "admiralty",
                   "corroborated_by", "document_url", "evidence", "event_id"):
        assert column in frame.columns, column
    assert frame.columns[0] == "event_date"  # the byte-order mark is not part of the first name
    assert frame["latitude"].dtype.kind == "f" and frame["iso"].dropna().astype(int).eq(760).all()
    ships = frame[frame["subtype"] == "anchor"].iloc[0]
    assert (ships["event_date"], ships["time_precision"], ships["geo_precision"]) == ("2024-12-09", 1, 2)
    assert (ships["country"], ships["admiralty"], ships["equipment"]) == ("Syria", "B2", "3× warship")
    assert ships["event_type"] == "Strategic developments" and ships["source"] == "Open Source Centre"
    silent = frame[frame["subtype"] == "no_comment"].iloc[0]
    assert pd.isna(silent["latitude"]) and silent["evidence"].startswith("Russia's Defence Ministry")
    rows = list(csv.DictReader(io.StringIO(out.body.encode("utf-8").decode("utf-8-sig"))))
    assert len(rows) == 8 and {r["event_id"] for r in rows} == {r["id"] for r in selection.records}
    assert "cluster_id" in rows[0]  # the store's happenings come with the selection


def test_csv_neutralises_formulas_and_maps_movements_and_clusters():
    records = _movement_records()
    out = export.acled_csv(records, clusters={"flight000000001": "c1"})
    rows = {r["event_id"]: r for r in csv.DictReader(io.StringIO(out.body.removeprefix("\ufeff")))}
    assert rows["formula00000001"]["evidence"] == "'" + records[1]["sentence"]
    flight = rows["flight000000001"]
    assert (flight["origin"], flight["destination"], flight["cluster_id"]) == ("Hmeimim Air Base", "Al-Khadim Air Base", "c1")
    assert float(flight["longitude"]) == 35.9487  # a negative or numeric cell is not prefixed
    month = rows["formula00000001"]
    assert (month["event_date"], month["time_precision"], month["geo_precision"], month["country"]) == (
        "2024-12-16", "3", "", "Libya")


# -- GeoJSON -----------------------------------------------------------------------------

def _check_rfc7946(collection: dict) -> None:
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    for f in collection["features"]:
        assert f["type"] == "Feature" and {"geometry", "properties", "id"} <= set(f)
        g = f["geometry"]
        if g is None:
            continue
        shape = shapely_geometry.shape(g)
        assert shape.is_valid and not shape.is_empty
        positions = [g["coordinates"]] if g["type"] == "Point" else g["coordinates"]
        assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in positions)


def test_geojson_keeps_every_event_and_reads_in_gdal(selection, tmp_path):
    out = export.write("geojson", selection)
    collection = json.loads(out.body)
    _check_rfc7946(collection)
    assert len(collection["features"]) == 8 and out.omitted == {"beyond_limit": 0, "background": 0}
    by_subtype = {f["properties"]["subtype"]: f for f in collection["features"]}
    assert by_subtype["no_comment"]["geometry"] is None
    assert by_subtype["anchor"]["geometry"] == {"type": "Point", "coordinates": [35.77, 34.98]}
    assert by_subtype["anchor"]["time"] == {"date": "2024-12-09"} and by_subtype["anchor"]["properties"]["start"] == "2024-12-09"
    path = tmp_path / "events.geojson"
    path.write_text(out.body, "utf-8")
    meta, _, geometries, fields = pyogrio.raw.read(path)
    assert len(geometries) == 8 and sum(g is None for g in geometries) == 1
    assert meta["geometry_type"] == "Point" and "subtype" in list(meta["fields"])


def test_geojson_draws_a_movement_as_a_line_with_json_fg_time():
    collection = export.feature_collection(_movement_records(), clusters={})
    _check_rfc7946(collection)
    flight, month = collection["features"]
    assert flight["geometry"] == {"type": "LineString", "coordinates": [[35.9487, 35.4011], [21.1918, 31.9985]]}
    assert month["geometry"] is None and month["time"] == {"interval": ["2024-12-01", "2024-12-31"]}
    assert flight["properties"]["cluster_id"] is None
    sensor = {**_movement_records()[0], "time": {"start": "2024-12-14", "end": "2024-12-14",
                                                 "start_time": "2024-12-14T13:31:00+00:00", "end_time": "2024-12-14T13:31:00+00:00"}}
    assert export.jsonfg_time(sensor["time"]) == {"timestamp": "2024-12-14T13:31:00Z"}


# -- KML ---------------------------------------------------------------------------------

def test_kml_parses_back_with_times_styles_lines_and_escaped_evidence(selection, tmp_path):
    out = export.write("kml", selection)
    assert out.omitted == {"without_place": 1, "beyond_limit": 0, "background": 0} and out.count == 7
    root = ET.fromstring(out.body.encode("utf-8"))
    marks = root.findall(f".//{KML}Placemark")
    assert len(marks) == 7
    assert all(m.find(f"{KML}TimeStamp/{KML}when") is not None for m in marks)
    styles = {s.get("id") for s in root.iter(f"{KML}Style")}
    assert all(m.findtext(f"{KML}styleUrl")[1:] in styles for m in marks)
    blog = next(m for m in marks if "Qamishli" in m.findtext(f"{KML}name"))
    balloon = blog.findtext(f"{KML}description")
    assert "&lt;script&gt;" in balloon and "<script" not in balloon  # shown as text, never run
    path = tmp_path / "events.kml"
    path.write_text(out.body, "utf-8")
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert set(layers) == {"MOBILIZE", "RETREAT", "OTHER"}
    meta, _, geometries, fields = pyogrio.raw.read(path, layer="MOBILIZE")
    names = list(meta["fields"])
    assert "timestamp" in names and len(geometries) == 5
    assert "event_id" in names and "evidence" in names


def test_kml_movement_is_a_line_and_a_span_is_a_timespan(tmp_path):
    root = ET.fromstring(export.kml(_movement_records()).body.encode("utf-8"))
    flight = root.find(f".//{KML}Placemark[@id='ev-flight000000001']")
    assert flight.find(f"{KML}LineString/{KML}coordinates").text == "35.9487,35.4011 21.1918,31.9985"
    assert root.find(f".//{KML}Placemark[@id='ev-formula00000001']") is None  # no coordinates: left out


# -- STIX 2.1 ------------------------------------------------------------------------------

def test_stix_bundle_parses_back_with_sightings_locations_reports_and_grades(selection):
    out = export.write("stix", selection)
    bundle = stix2.parse(out.body, allow_custom=True)
    objects = {o.id: o for o in bundle.objects}
    sightings = [o for o in bundle.objects if o.type == "sighting"]
    assert len(sightings) == 8
    ships = next(o for o in sightings if o.x_forcewatch_subtype == "anchor")
    assert ships.x_forcewatch_admiralty == "B2" and ships.confidence == 70
    where = [objects[i] for i in ships.where_sighted_refs]
    location = next(o for o in where if o.type == "location")
    assert (location.latitude, location.longitude, location.precision) == (34.98, 35.77, 3000.0)
    assert next(o for o in where if o.type == "identity").name == "Open Source Centre"
    assert objects[ships.sighting_of_ref].name == "Russian navy"
    reports = [o for o in bundle.objects if o.type == "report"]
    assert len(reports) == 6
    hmeimim = next(r for r in reports if r.name.startswith("Satellite imagery"))
    assert hmeimim.external_references[0].url == "https://example.org/hmeimim-an124"
    assert all(ref in objects for r in reports for ref in r.object_refs)
    assert export.write("stix", selection).body.count('"id": "sighting--') == 8
    again = json.loads(export.write("stix", selection).body)
    assert {o["id"] for o in again["objects"]} == set(objects)  # the same events, the same ids


# -- the API and the CLI ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(sample_db):
    return TestClient(create_app(sample_db))


@pytest.mark.parametrize("fmt, media", [("csv", "text/csv"), ("geojson", "application/geo+json"),
                                        ("kml", "application/vnd.google-earth.kml+xml"),
                                        ("stix", "application/stix+json")])
def test_api_export_is_a_download_with_what_it_left_out(client, fmt, media):
    r = client.get("/api/export", params={"format": fmt})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert r.headers["content-disposition"].startswith("attachment; filename=\"forcewatch-events.")
    assert r.headers["x-forcewatch-total"] == "8"
    if fmt == "kml":
        assert r.headers["x-forcewatch-omitted"] == "without_place=1, beyond_limit=0, background=0"
    imagery = client.get("/api/export", params={"format": fmt, "source_kind": "imagery", "limit": 3})
    assert "beyond_limit=1" in imagery.headers["x-forcewatch-omitted"]


def test_api_export_refuses_unknown_formats_and_filters(client):
    r = client.get("/api/export", params={"format": "xls"})
    assert r.status_code == 422 and "format" in r.json()["error"]["message"]
    r = client.get("/api/export", params={"format": "csv", "type": "parade"})
    assert r.status_code == 422 and "MOBILIZE" in r.json()["error"]["message"]


def test_cli_export_writes_the_file_and_says_what_it_left_out(sample_db, tmp_path):
    runner = CliRunner()
    out = tmp_path / "events.kml"
    result = runner.invoke(app, ["export", "--db", str(sample_db), "-f", "kml", "-o", str(out), "--since", "2024-12-10"])
    assert result.exit_code == 0, result.output
    assert "left out: 1 event(s) without a place to draw" in result.stderr
    assert len(ET.parse(out).getroot().findall(f".//{KML}Placemark")) == 5  # 6 since the 10th, one without a place
    csv_out = runner.invoke(app, ["export", "--db", str(sample_db), "-f", "csv", "--type", "mobilize"])
    assert len(pd.read_csv(io.StringIO(csv_out.stdout))) == 5  # load, withdraw, anchor, transit, arrive
    bad = runner.invoke(app, ["export", "--db", str(sample_db), "-f", "csv", "--source-kind", "rumour"])
    assert bad.exit_code == 2 and "--source-kind: 'rumour' is not one of named, anonymous" in bad.stderr
    assert "Traceback" not in bad.output


def test_exports_name_each_events_happening(client, selection):
    """The store's happenings reach every export: a cluster_id per event that is part of one."""
    assert selection.clusters and set(selection.clusters) <= {r["id"] for r in selection.records}
    frame = pd.read_csv(io.StringIO(client.get("/api/export", params={"format": "csv"}).text))
    assert frame["cluster_id"].notna().sum() == len(selection.clusters)
    features = client.get("/api/export", params={"format": "geojson"}).json()["features"]
    assert {f["properties"]["cluster_id"] for f in features} - {None} == set(selection.clusters.values())


def test_exports_count_the_background_events_they_leave_out(tmp_path):
    """History the reports recall is left out unless asked for, and the export says how much."""
    text = "Russian troops withdrew from Palmyra in 2016. Russian troops withdrew from Tartus on Monday."
    d = Document(id=Document.make_id(text), text=text, published=date(2024, 12, 18))
    old, new = (Event(id=Event.make_id(d.id, (i, i + 7), "RETREAT", "withdraw"), doc_id=d.id, type="RETREAT",
                      subtype="withdraw", trigger="withdrew", trigger_span=(i, i + 8), sentence=text, span=(0, len(text)),
                      time=TimeSpan(when, when), background=when.year < 2024)
                for i, when in ((15, date(2016, 1, 1)), (61, date(2024, 12, 16))))
    with Store(tmp_path / "fw.duckdb") as store:
        store.add_document(d, [old, new])
        out = export.write("csv", export.select(store, event_filters()))
        assert out.count == 1 and out.omitted["background"] == 1
        assert "1 background event(s)" in out.omitted_text() and "background=1" in out.omitted_header()
        everything = export.write("csv", export.select(store, event_filters(background=True)))
        assert everything.count == 2 and everything.omitted["background"] == 0

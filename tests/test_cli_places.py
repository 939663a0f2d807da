"""`forcewatch places` and `forcewatch gazetteer import` from the command line."""

from __future__ import annotations

import json
import zipfile

import pytest
from typer.testing import CliRunner

from forcewatch.serve.cli import app

FIELDS = {"doc", "path", "text", "span", "name", "lat", "lon", "kind", "country", "geonames_id", "radius_km"}


@pytest.fixture()
def runner():
    return CliRunner()


@pytest.fixture()
def report(tmp_path):
    path = tmp_path / "black-sea.txt"
    path.write_text(
        "SEVASTOPOL, Crimea (Reuters) - Two Russian landing ships left Sevastopol on Monday for Novorossiysk, "
        "and a frigate was seen anchored about 12 nautical miles west of Feodosia. Turkish officials in Ankara "
        "said the ships had not asked to pass the Bosphorus.", "utf-8")
    return path


def test_places_jsonl_one_line_per_mention(runner, report):
    result = runner.invoke(app, ["places", str(report), "--published", "2024-05-06"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert rows and all(set(r) == FIELDS for r in rows)
    assert {r["path"] for r in rows} == {str(report)}  # every row joins back to its file
    text = report.read_text("utf-8")
    for r in rows:
        assert text[r["span"][0]:r["span"][1]] == r["text"]
    by_text = {r["text"]: r for r in rows}
    assert by_text["Novorossiysk"]["country"] == "RU" and by_text["Novorossiysk"]["geonames_id"]
    relative = next(r for r in rows if r["kind"] == "relative")
    assert "Feodos" in relative["name"] and relative["name"].startswith("22.2 km W of") and relative["radius_km"] > 0
    assert by_text["Bosphorus"]["kind"] == "sea"
    assert by_text["Turkish"]["country"] == "TR"


def test_places_table(runner, report):
    result = runner.invoke(app, ["places", str(report), "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "Novorossiysk" in result.stdout and "place mentions" in result.stdout


def test_gazetteer_import_small_dump(runner, tmp_path):
    dump = tmp_path / "LY.zip"
    row = ["9300001", "Bir Example", "Bir Example", "Bir Exemple", "30.1", "19.2", "P", "PPL", "LY", "", "", "", "",
           "", "250", "", "12", "Africa/Tripoli", "2024-01-01"]
    with zipfile.ZipFile(dump, "w") as zf:
        zf.writestr("LY.txt", "\t".join(row) + "\n")
    db = tmp_path / "import.duckdb"
    result = runner.invoke(app, ["gazetteer", "import", str(dump), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "1 places" in result.output
    bad = runner.invoke(app, ["gazetteer", "import", str(tmp_path / "missing.zip"), "--db", str(db)])
    assert bad.exit_code == 2

"""The command line, run in-process with typer's runner on files the tests write."""

import json
import os

import pytest
from typer.testing import CliRunner

from forcewatch.serve.cli import app
from forcewatch.store import Store

REPORT = (
    "Chinese navy moves ships near Taiwan\n"
    "Satellite images taken by Maxar on Monday showed four Chinese destroyers anchored about 20 kilometers "
    "east of Kaohsiung.\n"
    "The Chinese defence ministry did not respond to a request for comment.\n"
)


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "taiwan.txt"
    path.write_text(REPORT, "utf-8")
    return path


def test_extract_prints_one_json_event_per_line(runner, report):
    result = runner.invoke(app, ["extract", str(report), "--published", "2024-10-16"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    anchor = next(r for r in records if r["subtype"] == "anchor")
    assert anchor["doc"]["published"] == "2024-10-16"
    assert anchor["time"]["start"] == "2024-10-14"  # Monday before Wednesday 16th
    assert anchor["source"]["kind"] == "imagery"
    assert anchor["equipment"][0]["name"] == "destroyer" and anchor["equipment"][0]["count"] == 4
    assert anchor["location"]["precision"] == "relative"
    assert 22.5 < anchor["location"]["lat"] < 22.8 and 120.4 < anchor["location"]["lon"] < 120.6
    assert REPORT[anchor["span"][0]:anchor["span"][1]] == anchor["sentence"]
    assert any(r["subtype"] == "no_comment" and r["modality"] == "no_comment" for r in records)


def test_extract_geojson_and_table(runner, report):
    result = runner.invoke(app, ["extract", str(report), "--published", "2024-10-16", "-f", "geojson"])
    collection = json.loads(result.stdout)
    assert collection["type"] == "FeatureCollection"
    records = [json.loads(line) for line in runner.invoke(app, ["extract", str(report), "--published", "2024-10-16"]).stdout.splitlines()]
    assert len(collection["features"]) == len(records)  # every event, located or not
    assert all(f["geometry"] is None or f["geometry"]["type"] == "Point" for f in collection["features"])
    assert any(f["geometry"] for f in collection["features"])
    result = runner.invoke(app, ["extract", str(report), "--published", "2024-10-16", "-f", "table"])
    assert result.exit_code == 0 and "anchor" in result.stdout


def test_bad_date_is_refused(runner, report):
    result = runner.invoke(app, ["extract", str(report), "--published", "16/10/2024"])
    assert result.exit_code != 0
    assert "not a date" in result.output


def test_ingest_is_idempotent_and_reports_bad_files_without_losing_good_ones(runner, tmp_path, report):
    db = tmp_path / "fw.duckdb"
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x00\x01\x02\xff")
    result = runner.invoke(app, ["ingest", str(report), str(empty), str(binary), "--db", str(db), "--published", "2024-10-16"])
    assert result.exit_code == 1
    assert f"{empty}: file is empty" in result.stderr
    assert f"{binary}: binary file" in result.stderr
    with Store(db, read_only=True) as store:
        n_docs, n_events = store.count("documents"), store.count("events")
    assert n_docs == 1 and n_events >= 2
    # A copy of the same report under another name is the same document.
    copy = tmp_path / "copy.txt"
    copy.write_text(REPORT, "utf-8")
    result = runner.invoke(app, ["ingest", str(report), str(copy), "--db", str(db), "--published", "2024-10-16"])
    assert result.exit_code == 0
    assert "2 already stored" in result.stderr
    with Store(db, read_only=True) as store:
        assert (store.count("documents"), store.count("events")) == (n_docs, n_events)


def test_off_topic_reports_are_stored_uncoded_unless_all_events_are_asked_for(runner, tmp_path):
    """A report with no military content is kept but not coded by default; --all-events codes it."""
    summit = tmp_path / "summit.txt"
    summit.write_text("Leaders meet in Oslo\nThe Norwegian prime minister met the Finnish president in Oslo "
                      "on Tuesday to discuss fishing quotas.\n", "utf-8")
    plain = runner.invoke(app, ["extract", str(summit), "--published", "2025-05-07"])
    assert plain.exit_code == 0 and plain.stdout.strip() == ""
    everything = runner.invoke(app, ["extract", str(summit), "--published", "2025-05-07", "--all-events"])
    coded = [json.loads(line) for line in everything.stdout.splitlines()]
    met = next(r for r in coded if r["trigger"] == "met")
    assert (met["type"], met["time"]["start"], met["actor"]["country"]) == ("CONSULT", "2025-05-06", "NOR")
    db = tmp_path / "fw.duckdb"
    stored = runner.invoke(app, ["ingest", str(summit), "--db", str(db), "--published", "2025-05-07"])
    assert stored.exit_code == 0 and "1 document(s) stored with 0 event(s)" in stored.stderr
    with Store(db, read_only=True) as store:
        assert (store.count("documents"), store.count("events")) == (1, 0)
    # asked for every event later, the stored document is coded again, once
    again = runner.invoke(app, ["ingest", str(summit), "--db", str(db), "--all-events"])
    assert again.exit_code == 0 and "1 coded again for every event" in again.stderr
    with Store(db, read_only=True) as store:
        n_events = store.count("events")
        assert store.count("documents") == 1 and n_events >= 1
    third = runner.invoke(app, ["ingest", str(summit), "--db", str(db), "--all-events"])
    assert "1 already stored" in third.stderr
    with Store(db, read_only=True) as store:
        assert store.count("events") == n_events


def test_events_filters_from_the_command_line(runner, tmp_path, report):
    db = tmp_path / "fw.duckdb"
    runner.invoke(app, ["ingest", str(report), "--db", str(db), "--published", "2024-10-16"])
    near = runner.invoke(app, ["events", "--db", str(db), "--near", "22.65,120.5,30", "-f", "jsonl"])
    assert near.exit_code == 0
    near_records = {json.loads(line)["subtype"]: json.loads(line) for line in near.stdout.splitlines()}
    assert not near_records["anchor"]["location"]["inferred"]
    # the ministry's silence is about the ships there: the place carries over, marked inferred
    assert near_records["no_comment"]["location"]["inferred"]
    far = runner.invoke(app, ["events", "--db", str(db), "--near", "35.4,35.9,50", "-f", "jsonl"])
    assert far.stdout.strip() == ""
    typed = runner.invoke(app, ["events", "--db", str(db), "--type", "other", "-f", "jsonl"])
    assert {json.loads(line)["subtype"] for line in typed.stdout.splitlines()} == {"no_comment"}
    missing = runner.invoke(app, ["events", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 2 and "no such database" in missing.stderr


@pytest.mark.slow
def test_demo_processes_the_bundled_reports(runner, tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "forcewatch.duckdb").exists()
    records = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert len(records) >= 10
    assert any(r["subtype"] == "anchor" and r["source"]["kind"] == "imagery" for r in records)
    assert "events from" in result.stdout
    # Running it again adds nothing.
    again = runner.invoke(app, ["demo", "--out", str(out)])
    assert again.exit_code == 0
    assert len((out / "events.jsonl").read_text().splitlines()) == len(records)


def test_events_leave_background_out_unless_asked(runner, tmp_path):
    path = tmp_path / "history.txt"
    path.write_text("Russian troops withdrew from Palmyra in 2016.\n\nRussian troops withdrew from Tartus on Monday.\n", "utf-8")
    db = tmp_path / "fw.duckdb"
    runner.invoke(app, ["ingest", str(path), "--db", str(db), "--published", "2024-10-16"])
    news = runner.invoke(app, ["events", "--db", str(db), "-f", "jsonl"]).stdout.splitlines()
    everything = runner.invoke(app, ["events", "--db", str(db), "--background", "-f", "jsonl"]).stdout.splitlines()
    assert [json.loads(line)["time"]["start"] for line in news] == ["2024-10-14"]
    assert len(everything) == 2 and json.loads(everything[0])["background"] is True


def test_filters_speak_the_apis_vocabulary_with_one_line_errors(runner, tmp_path, report):
    db = tmp_path / "fw.duckdb"
    runner.invoke(app, ["ingest", str(report), "--db", str(db), "--published", "2024-10-16"])
    for args, message in (
        (["--type", "parade"], "--type: 'parade' is not one of AGREE, CONSULT"),
        (["--source-kind", "rumour"], "--source-kind: 'rumour' is not one of named, anonymous, official"),
        (["--limit", "-1"], "--limit: -1 is not a number of events"),
        (["--credibility", "Z9"], "--credibility: 'Z9' is not an Admiralty grade"),
        (["--since", "2024-12-01", "--until", "2024-11-01"], "since (2024-12-01) is after until (2024-11-01)"),
    ):
        result = runner.invoke(app, ["events", "--db", str(db), *args])
        assert result.exit_code == 2, args
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    hedged = runner.invoke(app, ["events", "--db", str(db), "--modality", "no_comment", "-f", "jsonl"])
    assert [json.loads(line)["subtype"] for line in hedged.stdout.splitlines()] == ["no_comment"]


def test_usage_errors_are_one_line_on_stderr_and_help_stays_rich(runner, tmp_path):
    """What typer would draw as a box of several lines (a value outside a choice, not a number, an
    unknown or missing option or command) is one line naming the option, with the values allowed."""
    for args, message in (
        (["export", "-f", "xls"], "forcewatch export: --format: 'xls' is not one of csv, geojson, kml, stix "
                                  "(see forcewatch export --help)"),
        (["events", "-f", "xml"], "--format: 'xml' is not one of jsonl, table, geojson"),
        (["events", "--limit", "abc"], "forcewatch events: --limit: 'abc' is not a number"),
        (["events", "--bogus"], "forcewatch events: No such option: --bogus"),
        (["export"], "forcewatch export: --format is required"),
        (["extract"], "forcewatch extract: PATHS is required"),
        (["extract", "x.txt", "--published", "12/12"], "--published: '12/12' is not a date (YYYY-MM-DD)"),
        (["ingest", "x.sbs", "--format", "foo"], "--format: 'foo' is not one of sbs, aircraft-json"),
        (["parade"], "forcewatch: No such command 'parade' (see forcewatch --help)"),
    ):
        result = runner.invoke(app, args, env={"COLUMNS": "80"})
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "╭" not in result.stderr, result.stderr
    help_text = runner.invoke(app, ["export", "--help"], env={"COLUMNS": "120"})
    assert help_text.exit_code == 0 and "╭─ Options" in help_text.stdout and "--format" in help_text.stdout


def test_piped_tables_are_plain_and_complete_and_terminal_tables_fit(runner, tmp_path, report):
    from rich.console import Console

    from forcewatch.serve.output import EVENT_COLUMNS, event_table

    db = tmp_path / "fw.duckdb"
    runner.invoke(app, ["ingest", str(report), "--db", str(db), "--published", "2024-10-16"])
    piped = runner.invoke(app, ["events", "--db", str(db)]).stdout.splitlines()
    records = [json.loads(line) for line in runner.invoke(app, ["events", "--db", str(db), "-f", "jsonl"]).stdout.splitlines()]
    assert piped[0].split("\t") == list(EVENT_COLUMNS) and len(piped) == len(records) + 1
    assert all(line.split("\t")[-1] == r["sentence"] for line, r in zip(piped[1:], records))  # whole sentences
    assert "│" not in "".join(piped)
    for width in (80, 100, 160):
        screen = Console(width=width, record=True, file=open(os.devnull, "w"))
        screen.print(event_table(records, title="events", width=width))
        lines = screen.export_text().splitlines()
        assert max(len(line) for line in lines) <= width and "destroyer" in "".join(lines)


def test_help_shows_flags_as_flags(runner):
    for command in ([], ["events"], ["export"], ["posture"]):
        text = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "120"}).stdout
        assert "<bool>" not in text and "--help" in text
    assert "--background" in runner.invoke(app, ["events", "--help"]).stdout


def test_posture_geojson(runner, tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("Russian troops withdrew from Hmeimim air base on Monday, according to satellite images.\n\n"
                    "Two Il-76 transport aircraft left Hmeimim air base on Tuesday, officials said.\n", "utf-8")
    db = tmp_path / "fw.duckdb"
    runner.invoke(app, ["ingest", str(path), "--db", str(db), "--published", "2024-12-12"])
    result = runner.invoke(app, ["posture", "--db", str(db), "-f", "geojson"])
    assert result.exit_code == 0, result.output
    collection = json.loads(result.stdout)
    assert collection["type"] == "FeatureCollection"
    withdrawal = next(f for f in collection["features"] if f["properties"]["change"] == "withdrawal")
    assert withdrawal["geometry"] == {"type": "Point", "coordinates": [35.9487, 35.4011]}  # the site
    assert withdrawal["time"]["interval"] == [withdrawal["properties"]["start"], withdrawal["properties"]["end"]]


def test_shortened_evidence_is_cut_between_words_around_the_trigger():
    from forcewatch.serve.output import event_cells

    s = ("Imagery from Maxar dated December 9 showed two frigates and a support tanker anchored roughly "
         "13 kilometres north-west of Tartus, outside the harbour.")
    i = s.index("anchored")
    record = {"type": "MOBILIZE", "subtype": "anchor", "sentence": s, "span": [0, len(s)], "trigger_span": [i, i + 8]}
    short, whole = event_cells(record)[-1], event_cells(record, full=True)[-1]
    assert whole == s and "anchored" in short and short.startswith("…") and short.endswith("…")
    words = set(s.replace(",", "").split())
    assert all(w in words for w in short.strip("…").replace(",", "").split()), short

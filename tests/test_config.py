"""Configuration decided once: a config file and flags become Settings, Settings become Resources, and
a user's components and readers join by name (modules and files written by these tests)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from forcewatch.config import ConfigError, Resources, Settings
from forcewatch.pipeline import DEFAULT_COMPONENTS, Pipeline
from forcewatch.plugins import get_component, readers
from forcewatch.records import Document

PLUGIN = '''
from forcewatch.plugins import component, reader
from forcewatch.records import Document


@component("mark_hedged_only", requires=("events.modality",), assigns=("events",))
def make(resources):
    def run(analysis):
        analysis.events = [e for e in analysis.events if e.modality == "hedged"]
    return run


@reader("pipe-separated", suffixes=(".psv",))
def read(path, text):
    for line in text.splitlines():
        if line.strip():
            title, body = line.split("|", 1)
            yield Document(id=Document.make_id(body), text=body.strip(), path=str(path), title=title.strip())
'''


@pytest.fixture()
def plugin(tmp_path, monkeypatch):
    (tmp_path / "fw_test_plugin.py").write_text(PLUGIN, "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "fw_test_plugin"
    sys.modules.pop("fw_test_plugin", None)


def test_a_config_file_names_components_in_order_and_a_plugin_adds_one(tmp_path, plugin, resources):
    config = tmp_path / "forcewatch.toml"
    names = [*DEFAULT_COMPONENTS, "mark_hedged_only"]
    config.write_text(f"plugins = [{plugin!r}]\ncomponents = {names!r}\n".replace("'", '"'), "utf-8")
    settings = Settings.load(config, environ={})
    mine = resources.with_settings(plugins=settings.plugins, components=settings.components)
    assert Pipeline(mine).names == names
    text = "Russian troops withdrew from the base on Monday. Two frigates may have left Tartus, officials said."
    doc = Document(id=Document.make_id(text), text=text, published=date(2025, 3, 6))
    everything = Pipeline(resources)(doc).events
    hedged = Pipeline(mine)(doc).events
    assert {e.modality for e in everything} > {"hedged"} and hedged
    assert {e.modality for e in hedged} == {"hedged"}


def test_a_component_needing_what_nobody_assigned_is_refused(plugin, resources):
    __import__(plugin)
    with pytest.raises(ValueError, match="requires events.modality"):
        Pipeline(resources, ["places", "mark_hedged_only"])
    with pytest.raises(KeyError, match="no component named 'nonesuch'"):
        get_component("nonesuch")


def test_a_plugin_reader_reads_its_files(tmp_path, plugin):
    from forcewatch.ingest.reports import read_reports, report_suffixes

    __import__(plugin)
    assert ".psv" in report_suffixes() and readers()[0].name == "pipe-separated"
    path = tmp_path / "wire.psv"
    path.write_text("Ships | Two frigates left Tartus.\nPlanes | An An-124 landed at Hmeimim.\n", "utf-8")
    docs = read_reports(path)
    assert [d.title for d in docs] == ["Ships", "Planes"] and docs[1].text == "An An-124 landed at Hmeimim."
    plain = tmp_path / "plain.txt"
    plain.write_text("A | not split", "utf-8")
    assert read_reports(plain)[0].text == "A | not split"  # other files keep their reader


def test_bad_config_files_get_one_line_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("sources = 5\n", "utf-8")
    with pytest.raises(ConfigError, match="bad.toml: sources must be a list of paths"):
        Settings.load(bad, environ={})
    bad.write_text("colour = 'blue'\n", "utf-8")
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.load(bad, environ={})
    bad.write_text("model = [\n", "utf-8")
    with pytest.raises(ConfigError, match="not a valid TOML"):
        Settings.load(bad, environ={})
    with pytest.raises(ConfigError, match="cannot read config file"):
        Settings.load(tmp_path / "missing.toml", environ={})
    with pytest.raises(ConfigError, match="plugin 'no_such_module_here'"):
        Resources(Settings(plugins=("no_such_module_here",)))


def test_paths_in_a_config_file_are_read_from_its_folder_and_flags_add_to_lists(tmp_path):
    config = tmp_path / "conf" / "forcewatch.toml"
    config.parent.mkdir()
    config.write_text('sites = ["sites.yaml"]\ncache_dir = "cache"\ntriggers = "/abs/triggers.yaml"\n', "utf-8")
    s = Settings.load(config, environ={"FORCEWATCH_SITES": "/env/sites.yaml"}, sites=["extra.yaml"])
    assert s.sites == (Path("/env/sites.yaml"), config.parent / "sites.yaml", Path("extra.yaml"))
    assert s.cache_dir == config.parent / "cache" and str(s.triggers) == "/abs/triggers.yaml"


def test_user_sites_reach_the_screen_the_gazetteer_and_the_feeds_alike(tmp_path, resources):
    sites = tmp_path / "sites.yaml"
    sites.write_text("- id: qw\n  name: Qwertyville Logistics Point\n  kind: base\n  lat: 10.0\n  lon: 20.0\n", "utf-8")
    mine = resources.with_settings(sites=(sites,))
    assert any(s.id == "qw" for s in mine.sites) and not any(s.id == "qw" for s in resources.sites)
    assert mine.gazetteer.lookup("Qwertyville Logistics Point")
    assert not resources.gazetteer.lookup("Qwertyville Logistics Point")
    text = "Nothing has moved at the Qwertyville Logistics Point this week."
    assert Pipeline(mine).prepare(Document(id="q", text=text)).relevant == [0]
    assert Pipeline(resources).prepare(Document(id="q", text=text)).relevant == []


def test_size_caps_are_settings_read_from_the_config_file(tmp_path):
    from forcewatch.config import ConfigError, Settings
    from forcewatch.limits import DEFAULT

    assert Settings().limits == DEFAULT
    path = tmp_path / "forcewatch.toml"
    path.write_text("max_sentence_chars = 400\nmax_request_bytes = 1024\nlock_wait = 2\ngzip_ratio = 5\n")
    limits = Settings.load(path, environ={}).limits
    assert (limits.sentence_chars, limits.request_body_bytes, limits.lock_wait, limits.gzip_ratio) == (400, 1024, 2.0, 5)
    assert limits.report_bytes == DEFAULT.report_bytes
    for bad in ("max_sentence_chars = 'many'", "max_report_bytes = 0", "lock_wait = -1", "gzip_ratio = 2.5",
                "max_feed_line_bytes = true"):
        path.write_text(bad + "\n")
        with pytest.raises(ConfigError, match=bad.split()[0]):
            Settings.load(path, environ={})


def test_the_stages_use_the_caps_they_are_handed(tmp_path):
    """A sentence cap, a report size cap and a feed line cap given in Limits, not read from the module."""
    from forcewatch.extract.nlp import split_sentences
    from forcewatch.ingest import InputError
    from forcewatch.ingest.feeds import decode_feed
    from forcewatch.ingest.reports import read_reports
    from forcewatch.limits import Limits

    text = " ".join(["word"] * 100)
    assert max(b - a for a, b in split_sentences(text, 50)) <= 50
    assert max(b - a for a, b in split_sentences(text)) == len(text)
    report = tmp_path / "r.txt"
    report.write_text("Ships left Tartus. " * 20)
    assert read_reports(report)
    with pytest.raises(InputError, match="too large"):
        read_reports(report, limits=Limits(report_bytes=100))
    feed = tmp_path / "f.sbs"
    feed.write_text("MSG,3,1,1,154C2D,1,2024/12/09,10:00:00.000,2024/12/09,10:00:00.000,,12000,,,35.4,35.9,,,0,0,0,0\n" * 3)
    reading = decode_feed(feed, "sbs", Limits(feed_line=20))
    list(reading.messages)
    assert reading.stats["bad:long_line"] == 3


def test_json_nesting_past_the_depth_cap_is_one_bad_line(tmp_path):
    from forcewatch.ingest import loads
    from forcewatch.ingest.reports import read_reports
    from forcewatch.limits import Limits

    assert loads('{"a": [[1]]}', 3) == {"a": [[1]]}
    with pytest.raises(ValueError, match="deeper than 2"):
        loads('{"a": [[1]]}', 2)
    lines = tmp_path / "r.jsonl"
    lines.write_text('{"text": "Ships left Tartus.", "x": [[[[1]]]]}\n{"text": "Jets landed at Hmeimim."}\n')
    errors: list[str] = []
    docs = read_reports(lines, errors=errors, limits=Limits(json_depth=3))
    assert [d.text for d in docs] == ["Jets landed at Hmeimim."]
    assert errors and "r.jsonl:1" in errors[0] and "deeper than 3" in errors[0]
    assert len(read_reports(lines)) == 2

"""Hostile input against the real ingest path: nothing crashes, nothing hangs, nothing good is lost.

    python bench/fuzz.py [--inputs 10000] [--seed 14] [--budget SECONDS] [--batch 100]
                         [--hang 10] [--mem-cap-mb 4000] [--cli-batches 3] [--json FILE]

Generates hostile files for every reader (reports: text, HTML, RSS/Atom, JSON lines and their
``.meta.json`` sidecars; feeds: SBS, aircraft.json, readsb traces, Mode S hex, NMEA, AIS-catcher
JSON, AIS CSV; gzip; special files and names): random bytes, truncations, mixed encodings, number
and type attacks on every field, truncated and reordered multi-part AIS, deep and huge JSON, XML
entity attacks, hostile HTML, junk sentences and huge lines. They go in batches, mixed with good
files, through ``service.ingest_paths`` (what ``forcewatch ingest`` runs) in a worker process
that a watchdog kills when it stalls or outgrows the memory cap; a few batches also go through
the CLI as a subprocess. A batch that fails is run again one input at a time to name the inputs.

Prints inputs, clean errors (a one-line error naming the file), accepted inputs (stored, bad
messages counted and skipped), crashes (any traceback, or the worker dying), hangs (over
--hang seconds alone), memory kills, peak memory, and whether every good file (and every good
line of a partly bad JSON lines file) was stored. Same seed, same inputs.

Last full run, 2026-12-03 (main at 74e4322, 2 shared cores busy with other work, 3,390 s): 10,000
inputs, 4,144 clean errors, 5,856 accepted, 0 unclear errors, 0 crashes, 0 hangs, 0 memory kills,
peak 1,985 MB; good files 448/448 and good lines 1,312/1,312 stored; the CLI sample 17/17 good
files, no traceback. (2026-12-02 on c64fd84, before the feed readers' depth limit: 3,264 clean
errors and 6,736 accepted, otherwise the same; peak 1,531 MB.)
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "src" / "forcewatch" / "data" / "demo"

# -- good seeds ----------------------------------------------------------------------------------

NUMBER_ATTACKS = ["1e30", "-1e30", "nan", "NaN", "inf", "-inf", "Infinity", "-1", "0", "-0", "1e308", "1e400",
                  "99999999999999999999", "-99999999999", "253402300800", "1e11", "0x1F", "1_000", "", " ",
                  "١٢٣", "１２", "12.5.6", "--5", "9" * 400]
JSON_ATTACKS = [5, -1, 0, 1e308, float("inf"), float("nan"), 10 ** 30, "x", "", "\ud800", [], {}, [1, 2], {"a": 1},
                None, True, False, "9999-12-31", "0001-01-01", "1e30", -10 ** 20]
DATES = ["0001-01-01", "9999-12-31", "0000-00-00", "2024-02-30", "+275760-09-13", "-0001-01-01", "99999-01-01",
         "2024-13-01T25:61:61Z", "Mon, 99 Foo 9999 99:99:99 +9999", "1e30", "", "nan", "2024-12-09T10:00:00+99:00"]
JUNK_WORDS = ["troops", "deployed", "the", "of", "-", ",", "and", "Russia", "'s", "fleet", "tanks", "near", "Tartus",
              "(", ")", "which", "who", "moved", "to", "base", "@", "#", "x" * 30, "—", "that", "Syria", "said"]


def _lines(path: Path, n: int) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [next(fh) for _ in range(n)]


def _seeds() -> dict[str, tuple[str, bytes]]:
    """A small good file of every format: (suffix, bytes)."""
    sbs = "".join(_lines(next((DEMO / "feeds").glob("*.sbs")), 300))
    nmea = "".join(_lines(next((DEMO / "feeds").glob("*.nmea")), 300))
    nmea_lines = [ln.strip() for ln in nmea.splitlines()]
    t0 = 1733738400.0
    acj = "\n".join(json.dumps({"now": t0 + 5 * i, "aircraft": [
        {"hex": "154c2d", "flight": "RFF7200 ", "lat": 36.78 + i * 0.01, "lon": 37.38 + i * 0.01, "alt_baro": 24000,
         "gs": 420.5, "track": 220.8, "seen_pos": 0.4, "r": "RA-78830", "t": "IL76", "dbFlags": 1}]}) for i in range(40))
    trace = json.dumps({"icao": "154c2d", "timestamp": t0, "r": "RA-78830", "t": "IL76", "dbFlags": 1, "trace": [
        [i * 10.0, 35.3 + i * 0.01, 35.9 + i * 0.01, 20000 + i * 10, 400.0, 90.0, 2 if i == 0 else 0, 0,
         {"flight": "RFF7200 "} if i == 0 else None] for i in range(60)]})
    hexl = "\n".join(f"{1446332400.0 + i} {m}" for i, m in enumerate(
        ["8D40621D58C382D690C8AC2863A7", "8D40621D58C386435CC412692AD6", "8D485020994409940838175B284F",
         "8D4840D6202CC371C32CE0576098"] * 10))
    aisc = "\n".join(json.dumps({"class": "AIS", "device": "AIS-catcher", "rxuxtime": 1733702400 + i,
                                 "nmea": [ln[ln.index("!"):]]}) for i, ln in enumerate(nmea_lines[:120]) if "!" in ln)
    aisc += "\n" + "\n".join(json.dumps({"class": "AIS", "type": 1, "mmsi": 273000000 + i % 3, "rxuxtime": 1733702400 + i,
                                         "lat": 34.9 + i * 1e-4, "lon": 35.87, "speed": 5.5, "course": 90.0,
                                         "heading": 91, "status": 0}) for i in range(60))
    csv = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status\n" + "".join(
        f"27300000{i % 3},2024-12-09T10:{i // 60:02d}:{i % 60:02d},34.9{i:03d},35.87,5.5,90.0,91,SHIP {i % 3},IMO900000{i % 3},"
        f"UBC{i % 3},70,0\n" for i in range(120))
    txt = (DEMO / "hmeimim-airlift.txt").read_text("utf-8")
    txt2 = (DEMO / "black-sea-fleet.txt").read_text("utf-8")
    paras = [p for p in (txt + "\n\n" + txt2).split("\n\n") if len(p) > 80]
    jsonl = "\n".join(json.dumps({"text": p, "title": f"Report {i}", "published": "2024-12-14", "outlet": "desk"})
                      for i, p in enumerate(paras[:4]))
    rss = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Desk</title>" + "".join(
        f"<item><title>Item {i}</title><link>https://example.org/{i}</link><pubDate>Sat, 14 Dec 2024 10:00:00 GMT"
        f"</pubDate><description>{p.replace('&', '&amp;').replace('<', '&lt;')}</description></item>"
        for i, p in enumerate(paras[:3])) + "</channel></rss>")
    return {
        "sbs": (".sbs", sbs.encode()), "nmea": (".nmea", nmea.encode()), "aircraft-json": (".json", acj.encode()),
        "readsb-trace": (".json", trace.encode()), "modes-hex": (".hex", hexl.encode()),
        "ais-catcher": (".jsonl", aisc.encode()), "ais-csv": (".csv", csv.encode()),
        "text": (".txt", txt.encode()), "text2": (".txt", txt2.encode()), "jsonl": (".jsonl", jsonl.encode()),
        "html": (".html", (DEMO / "libya-airbridge.html").read_bytes()), "rss": (".xml", rss.encode()),
    }


SEEDS = _seeds()
META = (DEMO / "hmeimim-airlift.meta.json").read_bytes()
GOOD = ["sbs", "nmea", "aircraft-json", "readsb-trace", "modes-hex", "ais-catcher", "ais-csv", "text", "jsonl",
        "html", "rss"]
SUFFIXES = [".txt", ".md", ".html", ".htm", ".xml", ".rss", ".atom", ".jsonl", ".ndjson", ".json", ".sbs", ".nmea",
            ".ais", ".csv", ".hex", ".raw", ".log", ".gz", ".basestation", ""]


@dataclass
class Case:
    """One hostile input: a file (with an optional sidecar), or a special file made on disk."""

    kind: str
    suffix: str
    data: bytes = b""
    sidecar: bytes | None = None
    special: str | None = None  # fifo | devzero | devnull | link-out | loop | dangling | dir-links | badname
    good_lines: list[str] = field(default_factory=list)  # texts of JSON lines that must be stored anyway


# -- hostile generators ------------------------------------------------------------------------

def _rand_bytes(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n)


def _mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        if not b:
            b += rng.randbytes(4)
        i = rng.randrange(len(b))
        op = rng.random()
        if op < 0.4:
            b[i] = rng.randrange(256)
        elif op < 0.7:
            b[i:i] = rng.choice([b"\x00", b"\xff", b"\xed\xa0\x80", b"\xc3", b"\r", b"\n", b",", b"\\", b"*", b"!",
                                 b'"', b"{", b"[", b"<", b"&", rng.randbytes(rng.randint(1, 8))])
        else:
            del b[i:i + rng.randint(1, 16)]
    return bytes(b)


def _reencode(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    how = rng.choice(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "mixed", "surrogate", "bom-junk", "nul"])
    if how in ("latin-1", "cp1252"):
        return (text.replace("\ufffd", "?") + " café señor – naïve").encode(how, errors="replace")
    if how == "mixed":
        half = len(text) // 2
        return text[:half].encode() + (text[half:] + " é ü").encode("latin-1", errors="replace")
    if how == "surrogate":
        cut = rng.randrange(len(data) + 1)
        return data[:cut] + b"\xed\xa0\x80\xed\xbf\xbf" + data[cut:]
    if how == "bom-junk":
        return b"\xef\xbb\xbf\xef\xbb\xbf\xff\xfe" + data
    if how == "nul":
        cut = rng.randrange(len(data) + 1)
        return data[:cut] + b"\x00" * rng.randint(1, 4) + data[cut:]
    return text.encode(how)


def _field_attack(rng: random.Random, data: bytes, sep: str) -> bytes:
    """Replace fields of many lines with hostile numbers (SBS, CSV, hex, NMEA tag blocks and epochs)."""
    lines = data.decode().splitlines()
    for _ in range(rng.randint(1, max(1, len(lines) // 4))):
        i = rng.randrange(len(lines))
        parts = lines[i].split(sep)
        j = rng.randrange(len(parts))
        parts[j] = rng.choice(NUMBER_ATTACKS)
        lines[i] = sep.join(parts)
    return "\n".join(lines).encode()


def _nmea_attack(rng: random.Random) -> bytes:
    """Tag-block times, epochs and checksummed sentences with hostile parts; multi-part orders broken."""
    from functools import reduce
    from operator import xor

    lines = SEEDS["nmea"][1].decode().splitlines()
    out = []
    for ln in lines:
        r = rng.random()
        if r < 0.15:
            ln = ln.replace("c:1733702400", "c:" + rng.choice(NUMBER_ATTACKS), 1)
        elif r < 0.25:
            body = rng.choice(["AIVDM,2,1,7,A,", "AIVDM,2,2,7,A,", "AIVDM,9,3,7,B,", "AIVDM,1,1,,A,", "AIVDM,0,0,,A,",
                               "AIVDM,99999,1,1,A,", "AIVDM,x,y,z,A,"]) + rng.choice(
                ["", "1", "5" * 200, "1" * 100000 if rng.random() < 0.02 else "1" * 60, "~~~~", "144jNS5P002T=VlCuhT00001P000",
                 "$$$", "\x7f"]) + ",0"
            ln = f"!{body}*{reduce(xor, body.encode('ascii', 'replace'), 0):02X}"
            if rng.random() < 0.5:
                ln = rng.choice(NUMBER_ATTACKS) + " " + ln
        elif r < 0.3:
            ln = ln[: rng.randrange(len(ln) + 1)]
        out.append(ln)
    if rng.random() < 0.5:  # reorder: fragments of multi-part messages out of order, duplicated, dropped
        for _ in range(rng.randint(1, 40)):
            i, j = rng.randrange(len(out)), rng.randrange(len(out))
            out[i], out[j] = out[j], out[i]
    if rng.random() < 0.3:
        out = [ln for ln in out if ",2,1," not in ln or rng.random() < 0.5]
    return "\n".join(out).encode("utf-8", "surrogatepass")


def _deep(rng: random.Random) -> object:
    depth = rng.choice([200, 1000, 5000, 100000])
    return json.loads("[" * depth + "]" * depth) if depth < 900 else None


def _deep_text(rng: random.Random) -> str:
    depth = rng.choice([1000, 5000, 50000, 200000])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    return opener * depth + "1" + closer * depth


def _json_value(rng: random.Random):
    r = rng.random()
    if r < 0.6:
        return rng.choice(JSON_ATTACKS)
    if r < 0.8:
        return rng.choice(DATES)
    return _deep(rng) or "x"


def _dumps(obj) -> str:
    return json.dumps(obj, allow_nan=True, ensure_ascii=rng_flag[0])


rng_flag = [True]


def _json_attack(rng: random.Random, fmt: str) -> bytes:
    """JSON feeds and JSON lines with fields of the wrong type, deep nesting and huge numbers."""
    lines = SEEDS[fmt][1].decode().splitlines()
    out = []
    for ln in lines:
        if rng.random() < 0.3:
            obj = json.loads(ln)
            target = obj
            if fmt == "aircraft-json" and rng.random() < 0.7:
                target = obj["aircraft"][0] if rng.random() < 0.8 else obj
                if rng.random() < 0.1:
                    obj["aircraft"] = rng.choice([5, "x", {"hex": 1}, [5, "x", None, []]])
            elif fmt == "readsb-trace" and rng.random() < 0.7:
                e = rng.randrange(len(obj["trace"]))
                if rng.random() < 0.3:
                    obj["trace"][e] = rng.choice([{"dt": 1}, 5, "x", None, [], [1e30, 1, 2]])
                    out.append(_dumps(obj))
                    continue
                target = obj["trace"][e]
                k = rng.randrange(len(target))
                target[k] = _json_value(rng)
                out.append(_dumps(obj))
                continue
            key = rng.choice(list(target) + ["now", "timestamp", "rxuxtime", "nmea", "text", "outlet", "source"])
            target[key] = _json_value(rng)
            ln = _dumps(obj)
            if rng.random() < 0.1:
                ln = ln.replace("1", "1" + "0" * rng.choice([400, 5000, 20000]), 1)
            if rng.random() < 0.1:
                ln = ln[:-1] + ', "deep": ' + _deep_text(rng) + "}"
        out.append(ln)
    return "\n".join(out).encode("utf-8", "surrogatepass")


def _xml_attack(rng: random.Random) -> bytes:
    how = rng.choice(["laughs", "quadratic", "xxe", "dtd", "deep", "cdata", "truncated", "junk"])
    head = "<?xml version='1.0'?>"
    item = "<item><title>Russian troops</title><description>Troops deployed to Tartus &e;</description></item>"
    if how == "laughs":
        ents = "<!ENTITY e0 'lol'>" + "".join(f"<!ENTITY e{i} '{('&e%d;' % (i - 1)) * 10}'>" for i in range(1, 10))
        return f"{head}<!DOCTYPE rss [{ents}<!ENTITY e '&e9;'>]><rss><channel>{item}</channel></rss>".encode()
    if how == "quadratic":
        return (f"{head}<!DOCTYPE rss [<!ENTITY e '{'x' * 50000}'>]><rss><channel>"
                + item.replace("&e;", "&e;" * 2000) + "</channel></rss>").encode()
    if how == "xxe":
        return (f"{head}<!DOCTYPE rss [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><rss><channel>{item}"
                "</channel></rss>").encode()
    if how == "dtd":
        return (f"{head}<!DOCTYPE rss SYSTEM 'http://127.0.0.1:9/evil.dtd'><rss><channel>{item}</channel></rss>").encode()
    if how == "deep":
        d = rng.choice([1000, 10000, 100000])
        return (head + "<rss><channel>" + "<item>" * d + "troops" + "</item>" * d + "</channel></rss>").encode()
    if how == "cdata":
        return (head + "<rss><channel><item><description><![CDATA[" + "<p>troops deployed " * 20000
                + "]]></description></item></channel></rss>").encode()
    data = SEEDS["rss"][1]
    return data[: rng.randrange(len(data))] if how == "truncated" else _mutate(rng, data)


def _html_attack(rng: random.Random) -> bytes:
    how = rng.choice(["deep", "unclosed", "attr", "bigpara", "script", "charset", "junk", "entities", "nul-late"])
    base = SEEDS["html"][1].decode()
    if how == "deep":
        d = rng.choice([1000, 10000, 100000])
        return ("<!doctype html><html><body>" + "<div>" * d + "<p>Russian troops deployed to Tartus.</p>"
                + "</div>" * d + "</body></html>").encode()
    if how == "unclosed":
        return ("<!doctype html><html><body>" + "<p><b><i><table><tr><td>troops " * 5000).encode()
    if how == "attr":
        return f"<!doctype html><html><body><p title='{'a' * 2_000_000}'>Troops moved.</p></body></html>".encode()
    if how == "bigpara":
        return ("<!doctype html><html><body><article><p>" + " ".join(rng.choice(JUNK_WORDS) for _ in range(200000))
                + "</p></article></body></html>").encode()
    if how == "script":
        return ("<!doctype html><html><head><script>" + "while(1){}" * 10000 + "</script><style>" + "*{}" * 10000
                + "</style></head><body><p>Troops deployed.</p></body></html>").encode()
    if how == "charset":
        return base.replace("<head>", "<head><meta charset='utf-16'><meta http-equiv='content-type' "
                                      "content='text/html; charset=shift_jis'>", 1).encode()
    if how == "entities":
        return ("<!doctype html><html><body><p>" + "&#x110000;&#0;&#xD800;&nbsp;&bogus;&#99999999999;" * 5000
                + "</p></body></html>").encode()
    if how == "nul-late":
        return (base + "\x00" * 100).encode()
    return _mutate(rng, base.encode())


def _text_attack(rng: random.Random) -> bytes:
    how = rng.choices(["junk-sentence", "long-sentence", "huge-line", "many-lines", "control", "dates"],
                      [40, 6, 2, 20, 20, 12])[0]
    if how == "junk-sentence":  # thousands of tokens with no full stop, triggers among them (it passes the screen)
        return " ".join(rng.choice(JUNK_WORDS) for _ in range(rng.choice([2000, 5000, 20000]))).encode()
    if how == "long-sentence":  # a multi-megabyte sentence: more than spaCy's max_length
        return ("Russian troops deployed " + "and tanks moved near Tartus " * rng.choice([40000, 200000])).encode()
    if how == "huge-line":
        return (b"Troops deployed to Tartus. " + b"x" * rng.choice([5_000_000, 20_000_000]))
    if how == "many-lines":
        return "\n".join("Troops deployed to Tartus on Friday." if rng.random() < 0.01 else rng.choice(JUNK_WORDS)
                         for _ in range(50000)).encode()
    if how == "control":
        return "".join(rng.choice(["\u202e", "\u200b", "\x0b", "\x0c", "\x1c", "\u2028", "\u2029", "\ufeff", "\r",
                                   "Troops deployed. ", "\U0001F600", "\u0301" * 50]) for _ in range(5000)).encode()
    return (f"On {rng.choice(DATES)} Russian troops deployed to Tartus, on the {rng.choice(['31st', '99th'])} "
            f"of {rng.choice(['February', 'Smarch'])} {rng.choice(['9999', '0001', '1e30', '-5'])}, a day before "
            f"{rng.choice(['Friday', 'yesterday', 'the year 10000'])}.").encode()


def _jsonl_partial(rng: random.Random) -> Case:
    """JSON lines where some lines are hostile: the good lines must still be stored."""
    good = [json.loads(ln) for ln in SEEDS["jsonl"][1].decode().splitlines()]
    tag = rng.getrandbits(48)
    lines, kept = [], []
    for i, obj in enumerate(good):
        obj = dict(obj, text=obj["text"] + f" (wire {tag}-{i})")
        kept.append(obj["text"])
        lines.append(json.dumps(obj))
        bad = rng.choice([
            '{"text": 5}', '{"text": "Troops deployed.", "outlet": 5}', '{"text": "Troops moved.", "source": [1]}',
            '{"text": "Troops moved.", "title": {"a": 1}}', '{"text": "Troops moved.", "url": 5}',
            '{"text": "\\ud800 troops"}', '{"text": "Troops moved.", "published": "9999-12-31"}',
            '{"text": "Troops moved.", "published": "0001-01-01"}', '{"text": "Troops moved.", "published": 1e30}',
            '{"text": "Troops moved.", "n": ' + "1" * 5000 + "}", '{"text": ' + "[" * 5000 + "]" * 5000 + "}",
            "not json", "[1, 2]", '"just a string"', "{" * 100000, '{"text": "Troops moved.", "published": NaN}',
        ])
        lines.append(bad)
    rng.shuffle(lines)
    return Case("jsonl-partial", ".jsonl", "\n".join(lines).encode(), good_lines=kept)


def _sidecar(rng: random.Random) -> Case:
    meta = json.loads(META)
    key = rng.choice(["source", "outlet", "published", "title", "url"])
    meta[key] = _json_value(rng)
    text = _dumps(meta)
    how = rng.random()
    if how < 0.15:
        text = _deep_text(rng)
    elif how < 0.25:
        text = text[: rng.randrange(len(text))]
    elif how < 0.32:
        text = rng.choice(["[]", "5", "null", '"x"', '{"published": ' + "9" * 5000 + "}"])
    data = SEEDS["text"][1] + f"\nWire {rng.getrandbits(40)}.".encode()
    return Case("sidecar", ".txt", data, sidecar=text.encode("utf-8", "surrogatepass"))


def _gzip(rng: random.Random) -> Case:
    how = rng.choice(["corrupt", "truncated", "bomb", "report", "double", "empty", "trailing"])
    fmt = rng.choice(["sbs", "nmea", "readsb-trace", "aircraft-json"])
    packed = gzip.compress(SEEDS[fmt][1], mtime=0)
    if how == "corrupt":
        return Case("gzip-corrupt", ".gz", packed[:10] + _mutate(rng, packed[10:]))
    if how == "truncated":
        return Case("gzip-truncated", rng.choice([".gz", ".json", ".sbs"]), packed[: rng.randrange(2, len(packed))])
    if how == "bomb":  # a few hundred KB that inflate to hundreds of MB
        line = rng.choice([b"MSG,3,1,1,154C2D,1,2024/12/09,10:00:00.000,,,,24000,,,36.7,37.3,,,0,0,0,0\n", b"A" * 64])
        size = rng.choice([200, 500]) << 20
        co = gzip.compress(line * (size // len(line)), compresslevel=9, mtime=0)
        return Case("gzip-bomb", ".gz", co)
    if how == "report":
        return Case("gzip-report", ".txt", gzip.compress(SEEDS["text"][1], mtime=0))
    if how == "double":
        return Case("gzip-double", ".gz", gzip.compress(packed, mtime=0))
    if how == "empty":
        return Case("gzip-empty", ".gz", gzip.compress(b"", mtime=0))
    return Case("gzip-trailing", ".gz", packed + rng.randbytes(64))


def _special(rng: random.Random) -> Case:
    kind = rng.choices(["link-out", "loop", "dangling", "dir-links", "badname", "devnull", "fifo", "devzero", "dir-ext"],
                       [20, 15, 15, 15, 25, 5, 0.6, 0.6, 5])[0]
    return Case("special-" + kind, rng.choice([".txt", ".nmea", ".sbs", ".jsonl"]), SEEDS["text"][1], special=kind)


GENERATORS = [  # (weight, name, maker)
    (8, "bytes", lambda r: Case("bytes", r.choice(SUFFIXES), _rand_bytes(r, r.choice([0, 1, 7, 100, 4096, 65536])))),
    (8, "truncate", lambda r: (lambda f: Case("truncate-" + f, SEEDS[f][0], SEEDS[f][1][: r.randrange(len(SEEDS[f][1]) + 1)]))(r.choice(GOOD))),
    (8, "encoding", lambda r: (lambda f: Case("encoding-" + f, SEEDS[f][0], _reencode(r, SEEDS[f][1])))(r.choice(GOOD))),
    (10, "mutate", lambda r: (lambda f: Case("mutate-" + f, SEEDS[f][0], _mutate(r, SEEDS[f][1])))(r.choice(GOOD))),
    (8, "numbers-sbs", lambda r: Case("numbers-sbs", ".sbs", _field_attack(r, SEEDS["sbs"][1], ","))),
    (5, "numbers-csv", lambda r: Case("numbers-csv", ".csv", _field_attack(r, SEEDS["ais-csv"][1], ","))),
    (5, "numbers-hex", lambda r: Case("numbers-hex", ".hex", _field_attack(r, SEEDS["modes-hex"][1], " "))),
    (8, "nmea", lambda r: Case("nmea", ".nmea", _nmea_attack(r))),
    (6, "types-aircraft-json", lambda r: Case("types-aircraft-json", ".json", _json_attack(r, "aircraft-json"))),
    (6, "types-trace", lambda r: Case("types-trace", ".json", _json_attack(r, "readsb-trace"))),
    (6, "types-ais-catcher", lambda r: Case("types-ais-catcher", ".jsonl", _json_attack(r, "ais-catcher"))),
    (6, "types-jsonl", lambda r: Case("types-jsonl", ".jsonl", _json_attack(r, "jsonl"))),
    (4, "jsonl-partial", _jsonl_partial),
    (5, "sidecar", _sidecar),
    (5, "xml", lambda r: Case("xml", r.choice([".xml", ".rss", ".atom"]), _xml_attack(r))),
    (5, "html", lambda r: Case("html", r.choice([".html", ".htm"]), _html_attack(r))),
    (6, "text", lambda r: Case("text", r.choice([".txt", ".md"]), _text_attack(r))),
    (3, "gzip", _gzip),
    (4, "special", _special),
]


def generate(rng: random.Random) -> Case:
    weights = [w for w, _, _ in GENERATORS]
    _, _, make = rng.choices(GENERATORS, weights)[0]
    rng_flag[0] = rng.random() < 0.5
    return make(rng)


def materialise(case: Case, folder: Path, n: int, outside: Path) -> Path:
    """Write one case into ``folder``; returns the path handed to ingest."""
    name = f"in{n:05d}-{case.kind}{case.suffix}"
    path = folder / name
    s = case.special
    if s is None or s == "dir-ext":
        if s == "dir-ext":
            path.mkdir()
            return path
        path.write_bytes(case.data)
        if case.sidecar is not None:
            path.with_name(path.stem + ".meta.json").write_bytes(case.sidecar)
        return path
    if s == "badname":
        raw = os.fsencode(folder) + b"/" + f"in{n:05d}-".encode() + b"\xff\xfe\xed\xa0\x80" + case.suffix.encode()
        with open(raw, "wb") as fh:
            fh.write(case.data + f"\nWire {n}.".encode())
        return Path(os.fsdecode(raw))
    if s == "fifo":
        os.mkfifo(path)
    elif s == "devzero":
        path.symlink_to("/dev/zero")
    elif s == "devnull":
        path.symlink_to("/dev/null")
    elif s == "link-out":
        target = outside / name
        target.write_bytes(case.data + f"\nWire {n}.".encode())
        path.symlink_to(target)
    elif s == "loop":
        path.symlink_to(path)
    elif s == "dangling":
        path.symlink_to(folder / "nowhere" / name)
    elif s == "dir-links":
        path = folder / f"in{n:05d}-dir"
        path.mkdir()
        (path / "up.txt").symlink_to("../../outside-secret.txt")
        (path / "root").symlink_to("/")
        (path / "self").symlink_to(".")
        (path / "zero.txt").symlink_to("/dev/null")
        (path / "notes.csv").write_text("a,b\n1,2\n")
        (path / "radar.sbs").write_text("not a feed\n")
    return path


# -- the worker: the real ingest path, in a process the watchdog may kill ----------------------

def _vm(key: str, pid: int | str = "self") -> int:
    """VmRSS / VmHWM of a process in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _worker(conn, warm: list[str]) -> None:
    from forcewatch.config import Resources
    from forcewatch.service import Ingester, ingest_paths
    from forcewatch.store import Store

    ingester = Ingester(Resources())

    def run(paths: list[str], db: str) -> dict:
        lines: list[str] = []
        t0 = time.monotonic()
        try:
            with Store(db) as store:
                r = ingest_paths(ingester, store, [Path(p) for p in paths], echo=lines.append)
            out = {"ok": True, "failures": list(r.failures)}
        except BaseException:  # noqa: BLE001  (the harness counts whatever escapes)
            out = {"ok": False, "tb": traceback.format_exc(limit=-6)}
        out.update(lines=lines, elapsed=time.monotonic() - t0, hwm=_vm("VmHWM"))
        return out

    run(warm, warm[0] + ".warm.duckdb")  # load the model, gazetteer and registries before the clock starts
    conn.send("ready")
    while (task := conn.recv()) is not None:
        conn.send(run(*task))


class Runner:
    """The worker process and its watchdog: a task over ``limit`` seconds or ``cap_mb`` is killed."""

    def __init__(self, warm: list[str], cap_mb: int):
        self.warm, self.cap_mb = warm, cap_mb
        self.proc = None
        self.peak_mb = 0
        self.restarts = 0

    def _start(self) -> None:
        ctx = mp.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, self.warm), daemon=True)
        self.proc.start()
        if not self.conn.poll(300) or self.conn.recv() != "ready":
            raise RuntimeError("fuzz worker did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
            self.proc = None
            self.restarts += 1

    def run(self, paths: list[str], db: str, limit: float) -> dict:
        if self.proc is None:
            self._start()
        self.conn.send((paths, db))
        deadline = time.monotonic() + limit
        while True:
            out = None
            if self.conn.poll(0.05):
                try:
                    out = self.conn.recv()
                except EOFError:
                    self.proc.join(5)
                if out is not None:
                    self.peak_mb = max(self.peak_mb, out["hwm"])
                    return out
            if not self.proc.is_alive():
                code = self.proc.exitcode
                self.proc = None
                self.restarts += 1
                return {"ok": False, "tb": f"worker died (exit code {code})", "died": True}
            rss = _vm("VmRSS", self.proc.pid)
            self.peak_mb = max(self.peak_mb, rss)
            if rss > self.cap_mb:
                self.kill()
                return {"ok": False, "memory": rss}
            if time.monotonic() > deadline:
                self.kill()
                return {"ok": False, "hang": limit}

    def close(self) -> None:
        if self.proc is not None:
            self.conn.send(None)
            self.proc.join(10)


def _stored(db: str, ids: list[str]) -> int:
    from forcewatch.store import Store

    if not ids or not Path(db).exists():
        return 0
    try:
        with Store(db, read_only=True) as store:
            return sum(store.has_document(i) for i in ids)
    except Exception:  # noqa: BLE001  (a store a crash left unreadable holds nothing)
        return 0


def _good_ids(path: Path, kind: str) -> list[str]:
    from forcewatch.ingest.feeds import decode_feed
    from forcewatch.ingest.reports import read_reports

    if kind in ("text", "text2", "jsonl", "html", "rss"):
        return [d.id for d in read_reports(path)]
    return [decode_feed(path).doc_id]


def _line_ids(case: Case) -> list[str]:
    from forcewatch.records import Document

    return [Document.make_id(t) for t in case.good_lines]


def _names(message: str, path: str) -> bool:
    return path in message or os.path.basename(path) in message


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=10_000, help="hostile inputs to generate")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--budget", type=float, default=None, help="seconds: start no new batch after this")
    ap.add_argument("--batch", type=int, default=100, help="hostile inputs per batch (3 good files join each)")
    ap.add_argument("--hang", type=float, default=20.0, help="seconds one input may take alone")
    ap.add_argument("--mem-cap-mb", type=int, default=4000, help="the worker is killed above this resident size")
    ap.add_argument("--cli-batches", type=int, default=3, help="batches also run through the CLI as a subprocess")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    ap.add_argument("--keep", action="store_true", help="keep the files of failed inputs (printed)")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="fwfuzz-"))
    good_dir = root / "good"
    good_dir.mkdir()
    good_files = {k: good_dir / f"good-{k}{SEEDS[k][0]}" for k in GOOD}
    for k, p in good_files.items():
        p.write_bytes(SEEDS[k][1])
    (good_dir / "good-text.meta.json").write_bytes(META)
    good_ids = {k: _good_ids(p, k) for k, p in good_files.items()}
    (root / "outside-secret.txt").write_text("Troops deployed to a secret place outside the tree.\n")

    runner = Runner([str(good_files["text"]), str(good_files["sbs"])], args.mem_cap_mb)
    fig = Counter()
    by_kind: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    t_start = time.monotonic()
    n_batches = -(-args.inputs // args.batch)
    cli_at = set(range(0, n_batches, max(1, n_batches // max(1, args.cli_batches)))) if args.cli_batches else set()
    cli = Counter()
    made = 0
    try:
        for b in range(n_batches):
            if args.budget is not None and time.monotonic() - t_start > args.budget:
                break
            folder = root / f"b{b:04d}"
            outside = root / f"o{b:04d}"
            folder.mkdir()
            outside.mkdir()
            cases = [generate(rng) for _ in range(min(args.batch, args.inputs - made))]
            made += len(cases)
            paths = [str(materialise(c, folder, made - len(cases) + i, outside)) for i, c in enumerate(cases)]
            goods = rng.sample(GOOD, 3)
            gpaths = []
            for k in goods:
                dest = folder / f"good-{k}{SEEDS[k][0]}"
                shutil.copy(good_files[k], dest)
                if k == "text":
                    shutil.copy(good_dir / "good-text.meta.json", folder / "good-text.meta.json")
                gpaths.append(str(dest))
            mixed = paths + gpaths
            rng.shuffle(mixed)
            expect = [i for k in goods for i in good_ids[k]]
            expect_lines = [i for c in cases for i in _line_ids(c)]
            db = str(folder / "store.duckdb")
            out = runner.run(mixed, db, max(120.0, 1.5 * len(mixed)))
            fig["inputs"] += len(cases)
            fig["good_files"] += len(expect)
            fig["good_lines"] += len(expect_lines)
            if out.get("ok"):
                fig["good_stored"] += _stored(db, expect)
                fig["good_lines_stored"] += _stored(db, expect_lines)
                for c, p in zip(cases, paths):
                    named = [m for m in out["failures"] if _names(m, p)]
                    outcome = "clean_error" if named and all("\n" not in m for m in named) else (
                        "unclear_error" if named else "accepted")
                    fig[outcome] += 1
                    by_kind[c.kind][outcome] += 1
                fig["clean_batches"] += 1
            else:
                fig["failed_batches"] += 1
                fig["good_stored"] += _stored(db, expect)  # what the failed batch still stored
                fig["good_lines_stored"] += _stored(db, expect_lines)
                solo_db = str(folder / "solo.duckdb")
                for c, p in zip(cases, paths):
                    one = runner.run([p], solo_db, args.hang)
                    if one.get("ok"):
                        named = [m for m in one["failures"] if _names(m, p)]
                        outcome = "clean_error" if named and all("\n" not in m for m in named) else (
                            "unclear_error" if named else "accepted")
                    elif "hang" in one:
                        outcome = "hang"
                    elif "memory" in one:
                        outcome = "memory"
                    else:
                        outcome = "crash"
                    fig[outcome] += 1
                    by_kind[c.kind][outcome] += 1
                    if outcome in ("crash", "hang", "memory") and len(examples[c.kind]) < 3:
                        tb = one.get("tb", "").strip().splitlines()
                        examples[c.kind].append(f"{outcome}: {p}: {tb[-1] if tb else outcome}")
            if b in cli_at:
                _cli_batch(mixed, folder, expect, args.hang * len(mixed) + 120, cli)
            if not args.keep or out.get("ok"):
                shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(outside, ignore_errors=True)
            print(f"batch {b + 1}/{n_batches}: {'ok' if out.get('ok') else 'FAILED'} "
                  f"({out.get('elapsed', 0):.1f} s) {dict(fig)}", file=sys.stderr, flush=True)
    finally:
        runner.close()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    fig["peak_memory_mb"] = runner.peak_mb
    fig["worker_restarts"] = runner.restarts
    fig["seconds"] = round(time.monotonic() - t_start)
    report = {"figures": dict(fig), "cli": dict(cli), "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
              "examples": dict(examples), "seed": args.seed}
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    return report


def _cli_batch(paths: list[str], folder: Path, expect: list[str], limit: float, cli: Counter) -> None:
    """The same batch through ``forcewatch ingest`` as a subprocess: exit code, tracebacks, good files stored."""
    db = str(folder / "cli.duckdb")
    cmd = [sys.executable, "-c", "import sys; from forcewatch.serve.cli import main; sys.argv[0] = 'forcewatch'; main()",
           "ingest", *paths, "--db", db]
    cli["batches"] += 1
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=limit, env=os.environ.copy())
    except subprocess.TimeoutExpired:
        cli["hangs"] += 1
        return
    stderr = done.stderr.decode("utf-8", "replace")
    cli[f"exit_{done.returncode}"] += 1
    cli["tracebacks"] += "Traceback" in stderr or "│" in stderr  # typer prints tracebacks in boxes
    cli["good_files"] += len(expect)
    cli["good_stored"] += _stored(db, expect)


def _print(report: dict) -> None:
    f = report["figures"]
    print(f"\nforcewatch fuzz (seed {report['seed']}): {f.get('inputs', 0)} hostile inputs in "
          f"{f.get('clean_batches', 0) + f.get('failed_batches', 0)} batches, {f.get('seconds')} s")
    for key in ("clean_error", "accepted", "unclear_error", "crash", "hang", "memory"):
        print(f"  {key.replace('_', ' '):14} {f.get(key, 0)}")
    print(f"  peak memory    {f.get('peak_memory_mb')} MB (worker restarts {f.get('worker_restarts')})")
    print(f"  failed batches {f.get('failed_batches', 0)}")
    print(f"  good files     {f.get('good_stored', 0)}/{f.get('good_files', 0)} stored; good lines of partly bad "
          f"JSON lines {f.get('good_lines_stored', 0)}/{f.get('good_lines', 0)}")
    if report["cli"]:
        print(f"  CLI sample     {report['cli']}")
    for kind, counts in report["by_kind"].items():
        bad = {k: v for k, v in counts.items() if k in ("crash", "hang", "memory", "unclear_error")}
        if bad:
            print(f"    {kind}: {bad}")
    for kind, lines in report["examples"].items():
        for line in lines:
            print(f"      {line[:300]}")


if __name__ == "__main__":
    report = main()
    f = report["figures"]
    sys.exit(1 if f.get("crash") or f.get("hang") or f.get("memory") or f.get("good_stored") != f.get("good_files")
             else 0)

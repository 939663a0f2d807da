"""forcewatch batch on a local Ray with two workers: what it stores is what `forcewatch ingest` stores.

Each run is a `forcewatch batch` process in a network namespace of its own whose only interface is
loopback: Ray 2.60 listens on the machine's address on every interface whatever the node address
asked for, and with loopback alone it listens on 127.0.0.1 only. A DuckDB file and PostgreSQL's Unix
socket reach across the namespace. Skipped when Ray is not installed (pip install -e '.[scale]') or
no namespace can be made (unshare, from util-linux)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from forcewatch_test_stores import dump, env

DEMO = Path(__file__).resolve().parents[2] / "src" / "forcewatch" / "data" / "demo"
# a new network namespace (as root; else inside a user namespace too) with its loopback up
LOOPBACK_ONLY = ["unshare", "-n" if os.geteuid() == 0 else "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


@pytest.fixture(scope="module")
def loopback_only():
    """The command prefix that runs a program where only 127.0.0.1 exists."""
    pytest.importorskip("ray.data", reason="Ray is not installed (pip install -e '.[scale]')")
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("unshare and ip (util-linux, iproute2) are needed to keep Ray on loopback")
    probe = subprocess.run([*LOOPBACK_ONLY, "ip", "-brief", "address"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"no network namespace can be made here ({probe.stderr.strip() or probe.returncode})")
    assert [line.split()[0] for line in probe.stdout.splitlines()] == ["lo"], probe.stdout
    return LOOPBACK_ONLY


def batch(prefix: list[str], *args: str) -> subprocess.CompletedProcess:
    """`forcewatch batch ARGS --workers 2` in the loopback-only namespace."""
    return subprocess.run([*prefix, sys.executable, "-m", "forcewatch.serve.cli", "batch", *args, "--workers", "2"],
                          env=env(), capture_output=True, text=True, timeout=900)


def ingest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "forcewatch.serve.cli", "ingest", *args], env=env(),
                          capture_output=True, text=True, timeout=900)


def write_warc(path: Path, pages: list[tuple[str, str, str, bytes]]) -> None:
    """A gzipped WARC of HTTP responses: (url, status line, content type, body) each."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, status, kind, body in pages:
            headers = StatusAndHeaders(status, [("Content-Type", kind)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The demo's two text reports, a variant of each from another outlet and a copy of one, two JSON-line articles
    (and a line that is not JSON), the demo's HTML page in a WARC (with an image and a 404 beside it),
    and an empty file; ``html`` is the same page as a file, for `forcewatch ingest`."""
    root = tmp_path_factory.mktemp("corpus")
    reports = root / "corpus" / "reports"
    reports.mkdir(parents=True)
    lines = []
    for txt in sorted(DEMO.glob("*.txt")):
        meta = json.loads(txt.with_suffix(".meta.json").read_text())
        shutil.copy(txt, reports / txt.name)
        shutil.copy(txt.with_suffix(".meta.json"), reports / f"{txt.stem}.meta.json")
        (reports / f"{txt.stem}-reuters.txt").write_text(f"{txt.read_text()}\n\nReuters contributed to this report.\n")
        (reports / f"{txt.stem}-reuters.meta.json").write_text(json.dumps({**meta, "source": "Reuters"}))
        lines.append(json.dumps({"text": f"{txt.read_text()}\n\nAssociated Press contributed to this report.",
                                 "title": meta["title"], "published": meta["published"], "outlet": "Associated Press"}))
    shutil.copy(DEMO / "black-sea-fleet.txt", reports / "zz-copy.txt")  # the same text again: one document
    articles = root / "corpus" / "articles.jsonl"
    articles.write_text(f"{lines[0]}\n{{not json\n{lines[1]}\n")
    page = (DEMO / "libya-airbridge.html").read_bytes()
    write_warc(root / "corpus" / "crawl.warc.gz", [
        ("https://example.org/libya-airbridge", "200 OK", "text/html; charset=utf-8", page),
        ("https://example.org/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("https://example.org/gone", "404 Not Found", "text/html", b"<html><body><p>Not found</p></body></html>"),
    ])
    (root / "corpus" / "empty.txt").write_text("")
    html = root / "pages"
    html.mkdir()
    shutil.copy(DEMO / "libya-airbridge.html", html)
    return root


@pytest.fixture(scope="module")
def batched(loopback_only, corpus):
    """The corpus through `forcewatch batch` into a DuckDB store, once for the module: (store, stderr)."""
    db = corpus / "batch.duckdb"
    done = batch(loopback_only, str(corpus / "corpus"), "--db", str(db))
    assert done.returncode == 1, done.stderr  # the bad line and the empty file
    return db, done.stderr


def comparable(store: dict) -> dict:
    """A store's dump without where the documents were read from (a WARC record, an HTML file)."""
    return {**store, "documents": [row[:1] + row[3:] for row in store["documents"]]}


def test_batch_stores_what_ingest_stores_and_a_rerun_stores_nothing(batched, corpus, loopback_only, tmp_path):
    (batch_db, said), ingest_db = batched, tmp_path / "ingest.duckdb"
    assert f"{corpus / 'corpus' / 'articles.jsonl'}:2: not valid JSON" in said
    assert f"{corpus / 'corpus' / 'empty.txt'}: file is empty" in said
    assert "7 document(s) stored" in said and "over 2 workers); 1 already stored" in said, said
    reports = corpus / "corpus"
    ingested = ingest(str(reports / "reports"), str(reports / "articles.jsonl"), str(reports / "empty.txt"),
                      str(corpus / "pages"), "--db", str(ingest_db))
    assert ingested.returncode == 1 and "7 document(s) stored" in ingested.stderr, ingested.stderr
    assert "1 already stored" in ingested.stderr, ingested.stderr
    stored = dump(batch_db)
    assert comparable(stored) == comparable(dump(ingest_db))
    page = next(row for row in stored["documents"] if row[6] == "html")
    assert page[1] == str(reports / "crawl.warc.gz") and page[2] == "https://example.org/libya-airbridge"
    assert len(stored["events"]) > 20 and stored["clusters"]

    again = batch(loopback_only, str(reports), "--db", str(batch_db))
    assert "0 document(s) stored with 0 event(s); 8 already stored" in again.stderr, again.stderr
    assert dump(batch_db) == stored


def test_a_rerun_sends_only_what_is_not_stored_and_ends_where_one_run_ends(batched, corpus, loopback_only, tmp_path):
    """As after a kill: part of the corpus stored (and fused) already, the rest sent by the next run."""
    db = tmp_path / "resumed.duckdb"
    first = batch(loopback_only, str(corpus / "corpus" / "reports"), "--db", str(db))
    assert first.returncode == 0 and "4 document(s) stored" in first.stderr, first.stderr
    rest = batch(loopback_only, str(corpus / "corpus"), "--db", str(db))
    assert rest.returncode == 1 and "3 document(s) stored" in rest.stderr, rest.stderr  # the bad line, the empty file
    assert "5 already stored" in rest.stderr, rest.stderr  # the copy counted too
    assert dump(db) == dump(batched[0])


def test_without_ray_batch_says_how_to_install_it(tmp_path):
    """Ray made unimportable in a child process (sys.modules['ray'] = None): one line, exit code 2."""
    code = ("import sys; sys.modules['ray'] = None; sys.argv = ['forcewatch', 'batch', sys.argv[1], '--db', sys.argv[2]]\n"
            "from forcewatch.serve.cli import main; main()")
    (tmp_path / "a.txt").write_text("Two frigates left Tartus on Monday.")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.txt"), str(tmp_path / "x.duckdb")],
                          env=env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == ["error: Ray is not installed (ray missing): pip install -e '.[scale]'"]
    assert not (tmp_path / "x.duckdb").exists()


def test_batch_into_postgresql_stores_what_it_stores_into_duckdb(batched, corpus, loopback_only, postgres_socket_url):
    """--db a postgresql:// URL (the server's Unix socket, which reaches into the namespace): the same
    documents, events and happenings (the store is the driver's alone)."""
    done = batch(loopback_only, str(corpus / "corpus"), "--db", postgres_socket_url)
    assert done.returncode == 1 and "7 document(s) stored" in done.stderr, done.stderr
    assert dump(postgres_socket_url) == dump(batched[0])

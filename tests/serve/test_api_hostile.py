"""The API against an attacker, on real servers on 127.0.0.1 spoken to with raw sockets and
http.client: Host allow-list (DNS rebinding), the token checked before a body is read, bodies
refused as soon as they pass the limit, no internal text in any answer, a failed write leaving
nothing stored, and an ingest over the API not holding the file while it codes."""

from __future__ import annotations

import http.client
import json
import select
import socket
import subprocess
import sys
import threading
import time

import pytest

TOKEN = "s3cret-token"
LIMIT = 100_000


import forcewatch_test_stores as stores  # registered by tests/conftest.py


@pytest.fixture(scope="module")
def server(tmp_path_factory, sample_db):
    """`forcewatch serve --token` on a copy of the sample database, with a 100 KB body limit."""
    import shutil

    folder = tmp_path_factory.mktemp("hostile-api")
    db = folder / "fw.duckdb"
    shutil.copy(sample_db, db)
    config = folder / "forcewatch.toml"
    config.write_text(f"max_request_bytes = {LIMIT}\n")
    serving = stores.Serving(db, "--token", TOKEN, "--allow-host", "dashboard.example", config=config)
    yield serving
    serving.stop()


def request(port: int, method: str, path: str, host: str | None = None, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            c.putheader("Host", host)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def test_only_the_hosts_served_on_are_answered(server):
    port = server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "dashboard.example",
                 f"dashboard.example:{port}"):
        assert request(port, "GET", "/api/meta", host)[0] == 200, host
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", f"localhost:{port + 1}",
                 "", "[::1", f"127.0.0.1:{port}x"):
        status, _, body = request(port, "GET", "/api/meta", host)
        assert status == 400, host
        assert "Host" in json.loads(body)["error"]["message"]


def _raw(port: int, head: str) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(head.encode())
    return s


def _answer(s: socket.socket, wait: float = 10) -> bytes:
    s.settimeout(wait)
    data = b""
    try:
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 10:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    return data


def test_the_token_is_checked_before_the_body_is_read(server):
    for auth in ("", f"Authorization: Bearer wrong\r\n", f"Authorization: Basic {TOKEN}\r\n"):
        s = _raw(server.port, f"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{auth}"
                              "Content-Type: application/json\r\nContent-Length: 50000\r\n\r\n")
        try:
            answer = _answer(s)  # not one byte of the body sent
        finally:
            s.close()
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_a_body_over_the_limit_is_refused_by_its_length_before_it_is_sent(server):
    s = _raw(server.port, f"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                          f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {50 * LIMIT}\r\n\r\n")
    try:
        answer = _answer(s)
    finally:
        s.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit(server):
    """Chunked, without a length, sent slowly: the 413 comes while the client still has most of it to send."""
    s = _raw(server.port, f"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                          f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n")
    piece, total, sent, answer = 10_000, 20 * LIMIT, 0, b""
    try:
        s.sendall(b"%x\r\n" % 8 + b'{"text":' + b"\r\n")
        while sent < total:
            chunk = b'"' + b"a" * (piece - 2) + b'"'
            try:
                s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
            if select.select([s], [], [], 0.02)[0]:
                answer = _answer(s, 5)
                break
        if not answer:
            answer = _answer(s, 5)
    finally:
        s.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 3 * LIMIT, f"the server read {sent} bytes before refusing"
    assert b"Traceback" not in answer


@pytest.mark.parametrize("path", [
    "/api/events?offset=18446744073709551616", "/api/documents?offset=9223372036854775808",
    "/api/events.geojson?offset=99999999999999999999", "/api/clusters?offset=-1", "/api/events?limit=ten",
    "/api/events?limit=1e3", "/api/documents?limit=99999999999999999999999",
])
def test_bad_numbers_are_a_clean_422(server, path):
    status, headers, body = request(server.port, "GET", path)
    assert status == 422, body
    error = json.loads(body)["error"]
    assert error["message"] and "Traceback" not in body.decode() and "duckdb" not in body.decode().lower()
    assert headers.get("x-request-id")


# -- an app with a coder of its own, under a real uvicorn in this process --------------------------

class Coder:
    """A pipeline (the ``pipeline=`` hook of create_app) that takes ``pause`` seconds per document
    and gives one event, broken (no type: the store refuses it) when the text says "broken"."""

    scope = "force"

    def __init__(self, pause: float = 0.0):
        self.pause = pause

    def analyze(self, docs):
        from forcewatch.records import Analysis, Event, Place

        for doc in docs:
            time.sleep(self.pause)
            out = Analysis(document=doc)
            t = (0, 3)
            out.events.append(Event(
                id=Event.make_id(doc.id, t, "MOBILIZE", "anchor"), doc_id=doc.id,
                type=None if "broken" in doc.text else "MOBILIZE", subtype="anchor", trigger=doc.text[:3],
                trigger_span=t, sentence=doc.text, span=(0, len(doc.text)),
                location=Place(name="Tartus", lat=34.889, lon=35.887)))
            yield out


@pytest.fixture()
def in_process(tmp_path):
    """Start create_app(db, token, pipeline=coder) under uvicorn on a free port; yields (port, db)."""
    import uvicorn

    from forcewatch.serve.api import create_app

    servers = []

    def start(coder: Coder):
        db = tmp_path / "fw.duckdb"
        port = stores.free_port()
        app = create_app(db, token=TOKEN, pipeline=coder, hosts=[f"127.0.0.1:{port}"])
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        servers.append((srv, thread))
        deadline = time.monotonic() + 20
        while not srv.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return port, db

    yield start
    for srv, thread in servers:
        srv.should_exit = True
        thread.join(10)


def post(port: int, text: str) -> tuple[int, dict]:
    status, _, body = request(port, "POST", "/api/documents", body=json.dumps({"text": text}).encode(),
                              headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    return status, json.loads(body)


def test_a_write_that_fails_stores_nothing_and_says_nothing_internal(in_process):
    port, db = in_process(Coder())
    status, body = post(port, "A broken report about Tartus.")
    assert status == 500
    message = body["error"]["message"]
    assert "request id" in message and "Constraint" not in message and "NOT NULL" not in message
    assert "events.type" not in json.dumps(body)
    status, _, page = request(port, "GET", "/api/documents")
    assert status == 200 and json.loads(page)["total"] == 0  # neither the document nor an event
    assert post(port, "A good report about Tartus.")[0] == 201


def test_an_ingest_over_the_api_does_not_hold_the_file_while_it_codes(in_process):
    """While the server codes a document (3 s), another process opens the store without waiting."""
    port, db = in_process(Coder(pause=3.0))
    assert post(port, "A first report about Tartus.")[0] == 201
    answer: list = []
    poster = threading.Thread(target=lambda: answer.append(post(port, "A second report about Tartus.")))
    poster.start()
    time.sleep(0.5)
    probe = subprocess.run(
        [sys.executable, "-c", "import duckdb, time\nt = time.monotonic()\n"
         f"con = duckdb.connect({str(db)!r}, read_only=True)\n"
         "print(con.execute('SELECT count(*) FROM documents').fetchone()[0], round(time.monotonic() - t, 3))"],
        capture_output=True, text=True, timeout=30)
    poster.join(30)
    assert probe.returncode == 0, probe.stderr  # no lock held: duckdb does not wait, it refuses
    assert probe.stdout.split()[0] == "1"
    assert answer and answer[0][0] == 201

"""The web API and dashboard: `forcewatch serve`.

``create_app(db_path, token=None)`` returns a FastAPI app serving

* the REST API under ``/api`` (OpenAPI at ``/docs`` and ``/openapi.json``): events with
  filters and pagination, one event with its evidence, documents, sites, GeoJSON;
* ``POST /api/documents`` (also ``POST /documents``): ingest a report over the API, run the
  extraction pipeline and store it; needs ``Authorization: Bearer TOKEN`` and is refused
  when the operator configured no token;
* the single-page dashboard at ``/`` (static files in ``serve/web``, nothing from the network).

Every error is JSON: ``{"error": {"status": 404, "message": "..."}}``; a fault of the server
answers 500 with a generic message and a request id, the details going to the server's log.
Before any endpoint runs, ``Guard`` checks the ``Host`` header against an allow-list (DNS
rebinding), the token of a write (before its body is read) and the body's size (counted while
it is read: 413 as soon as it passes the limit).

A database file is opened as a shared store (store/duck.py, docs/store.md): the server holds no
connection between requests, so `forcewatch ingest` and `watch` can write while it serves; it
is opened read-only when no token is configured (nothing can write).
"""

import contextlib
import hmac
import importlib.resources
import ipaddress
import logging
import re
import uuid
from collections.abc import Sequence
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
import orjson
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

import forcewatch
from forcewatch.config import Resources
from forcewatch.records import (
    EVENT_TYPES, MODALITIES, SOURCE_KINDS, SUBTYPES, Document, Event, doc_ref,
)
from forcewatch.serve.filters import HELP, MAX_QUERY_CHARS, FilterError, event_filters as parse_filters
from forcewatch.serve.export import feature_collection
from forcewatch.serve.output import event_record, stored_record as _record
from forcewatch.service import Ingester
from forcewatch.store import Store, is_url, open_store

WEB = Path(__file__).with_name("web")
# Swagger UI and Redoc, as the fastapi-offline package ships them (their licences travel with it).
API_DOCS_ASSETS = Path(str(importlib.resources.files("fastapi_offline").joinpath("static")))

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000  # one page of /api/events or /api/documents
GEOJSON_DEFAULT_LIMIT = 5000
GEOJSON_MAX_LIMIT = 20000
FIXES_DEFAULT_LIMIT = 5000  # fixes of one track in one answer (/api/tracks/{id}/fixes)
FIXES_MAX_LIMIT = 20000
MAX_DOCUMENT_CHARS = 2_000_000  # a report posted to the API
MAX_OFFSET = 10_000_000  # past any store's size, well within DuckDB's 64-bit offsets
WRITE_PATHS = ("/api/documents", "/documents")
log = logging.getLogger("forcewatch.api")
EXPORT_TYPES = ("text/csv", "application/geo+json", "application/vnd.google-earth.kml+xml", "application/stix+json")


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.status, self.message, self.headers = status, message, headers


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message, **extra}}, status, headers=headers)


class SecurityHeaders:
    """Content-Security-Policy and friends on every response (a plain ASGI middleware: the
    decorator kind copies each body through a stream, which costs large pages dearly).
    The policy allows nothing but this server: no CDN, no tiles unless the operator opted in."""

    def __init__(self, app, csp: str):
        self.app = app
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
        ]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in self.headers if k not in names
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def default_hosts(host: str, port: int) -> list[str]:
    """The Host values a server on ``host``:``port`` answers by default: that address and the
    loopback names, with the port."""
    names = {host.strip("[]"), "localhost", "127.0.0.1", "::1"}
    return sorted(f"[{n}]:{port}" if ":" in n else f"{n}:{port}" for n in names)


def _host_port(value: str) -> tuple[str, int | None] | None:
    """("name", port) of a Host header or allow-list entry (port None when not given); None when malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else (None if not rest else "x")
    else:
        name, _, port = value.partition(":") if value.count(":") <= 1 else (value, "", "")
        port = port or None
    if not name or (port is not None and not port.isdigit()):
        return None
    return name.rstrip("."), int(port) if port is not None else None


class Guard:
    """A plain ASGI middleware in front of every endpoint:

    * the ``Host`` header must be one the operator allows (``hosts``: "name" for any port,
      "name:port"; None allows any), so a page of another site whose name was rebound to this
      address cannot read the API (400);
    * a write (``POST`` to WRITE_PATHS) must carry the bearer token, checked before one byte of
      its body is read (401; 403 when the server has no token);
    * a body larger than ``max_body`` bytes is refused with 413 by its Content-Length, or, without
      one, as soon as the bytes read pass the limit (the rest is never read);
    * every request gets an id (``x-request-id``) that the server log and error answers name."""

    def __init__(self, app, hosts: Sequence[str] | None, token: str | None, max_body: int):
        self.app, self.token, self.max_body = app, token, max_body
        self.hosts = None if hosts is None else {hp for h in hosts if (hp := _host_port(h)) is not None}

    def _host_allowed(self, value: str) -> bool:
        if self.hosts is None:
            return True
        hp = _host_port(value)
        if hp is None:
            return False
        name, port = hp
        if (name, port) in self.hosts or (name, None) in self.hosts:
            return True
        if port is None and (name, 80) in self.hosts:
            return True
        wildcard = any(n in ("0.0.0.0", "::") and (p is None or p == port) for n, p in self.hosts)
        if wildcard:  # bound to every address: any address literal names this server (no name to rebind)
            try:
                ipaddress.ip_address(name)
                return True
            except ValueError:
                return False
        return False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [(b"x-request-id", rid.encode())]
            await send(message)

        async def refuse(status: int, message: str, extra: dict[str, str] | None = None):
            await _error(status, message, {**(extra or {}), "Connection": "close"}, request_id=rid)(
                scope, receive, send_with_id)

        if not self._host_allowed(headers.get("host", "")):
            log.warning("request %s refused: Host %r not allowed", rid, headers.get("host", ""))
            return await refuse(400, "this server does not answer to that Host (see --allow-host)")
        if scope["method"] != "GET" and scope["path"].rstrip("/") in WRITE_PATHS:
            refusal = authorization(self.token, headers.get("authorization", ""))
            if refusal is not None:
                return await refuse(*refusal)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await refuse(413 if length.isdigit() else 400, f"request body over {self.max_body} bytes"
                                if length.isdigit() else "bad Content-Length")
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise StarletteHTTPException(413, f"request body over {self.max_body} bytes",
                                                 headers={"Connection": "close"})
            return message

        await self.app(scope, counted, send_with_id)


def authorization(token: str | None, header: str) -> tuple[int, str, dict[str, str] | None] | None:
    """Why a write with this Authorization header is refused (status, message, headers), or None."""
    if not token:
        return (403, "ingest over the API is disabled: the operator must start the server with "
                "--token TOKEN or FORCEWATCH_TOKEN", None)
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        return 401, "missing bearer token: send 'Authorization: Bearer TOKEN'", {"WWW-Authenticate": "Bearer"}
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return 401, "invalid bearer token", {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    return None


# -- response models (for the OpenAPI schema) -------------------------------

class ErrorBody(BaseModel):
    status: int
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class EventPage(BaseModel):
    total: int = Field(description="Number of events matching the filters.")
    limit: int
    offset: int
    items: list[dict[str, Any]] = Field(description="Event records (docs/event-record.md), oldest first.")


class DocumentSummary(BaseModel):
    id: str
    title: str | None = None
    url: str | None = None
    path: str | None = None
    outlet: str | None = None
    published: date | None = None
    media_type: str | None = None
    chars: int
    n_events: int


class DocumentPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DocumentSummary]


class DocumentFull(DocumentSummary):
    text: str
    events: list[dict[str, Any]]


class Highlight(BaseModel):
    field: str = Field(description="trigger, source, location, origin, destination, time, actor, target, equipment")
    start: int
    end: int
    text: str


class ClusterPage(BaseModel):
    total: int = Field(description="Number of happenings with a claim matching the filters.")
    limit: int
    offset: int
    items: list[dict[str, Any]] = Field(description="Cluster records (docs/happenings.md), oldest first.")


class ClusterWithClaims(BaseModel):
    cluster: dict[str, Any]
    claims: list[dict[str, Any]] = Field(description="Event records of its claims, in time order.")


class EvidenceBody(BaseModel):
    doc_id: str
    document_stored: bool = Field(description="False when the document is not stored: text is then the sentence alone.")
    text: str = Field(description="The document text (untrusted: render as text).")
    sentence: Highlight = Field(description="The event's sentence as offsets into text.")
    highlights: list[Highlight] = Field(description="Spans inside the text that support fields of the event.")


class EventWithEvidence(BaseModel):
    event: dict[str, Any]
    evidence: EvidenceBody


class TrackInfo(BaseModel):
    id: str
    platform: str | None = Field(None, description="aircraft or vessel")
    ident: str | None = Field(None, description="ICAO 24-bit address (hex) or MMSI")
    name: str | None = Field(None, description="Callsign or vessel name")
    type_code: str | None = None
    registration: str | None = None
    operator: str | None = None
    flag: str | None = None
    military: bool | None = None
    source: str | None = Field(None, description="The feed or stream the track came from")
    t_start: datetime | None = Field(None, description="First fix (UTC)")
    t_end: datetime | None = Field(None, description="Last fix (UTC)")
    n_fixes: int = Field(0, description="Fixes stored (GET /api/tracks/{id}/fixes reads them)")


class Fix(BaseModel):
    t: datetime = Field(description="UTC")
    lat: float
    lon: float
    altitude_ft: float | None = None
    speed_kn: float | None = None
    course_deg: float | None = None
    on_ground: bool | None = None
    status: str | None = Field(None, description="AIS navigational status, e.g. at_anchor")


class FixPage(BaseModel):
    track_id: str
    limit: int
    truncated: bool = Field(description="True when the window holds more fixes than limit: ask again with since "
                                         "set to the last fix's time.")
    items: list[Fix] = Field(description="The track's fixes in the window, oldest first.")


class IngestRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_DOCUMENT_CHARS, description="The report: plain text, or HTML with media_type=html.")
    title: str | None = None
    url: str | None = None
    path: str | None = None
    outlet: str | None = None
    published: date | None = Field(None, description="Publication date; relative dates in the text are read against it.")
    media_type: str = Field("text", pattern="^(text|html)$")
    all_events: bool = Field(False, description="Code political events even when the report has no military "
                                                "content (by default such a report is stored without events); "
                                                "a report stored without it is coded again.")


class IngestResult(BaseModel):
    id: str
    created: bool = Field(description="False when the same text was already stored (nothing changed).")
    n_events: int
    events: list[dict[str, Any]]


# -- the app ----------------------------------------------------------------

def create_app(
    db_path: str | Path,
    token: str | None = None,
    *,
    resources: Resources | None = None,
    pipeline: Any = None,
    tiles: str | None = None,
    store: Store | None = None,
    hub: Any = None,
    hosts: Sequence[str] | None = None,
    max_body: int | None = None,
) -> FastAPI:
    """The API and dashboard over the store ``db_path`` (a DuckDB file, or a ``postgresql://`` URL).

    ``token``: bearer token that ``POST /documents`` requires (no token: ingest refused and
    the database opened read-only). ``resources``: the configuration the entry point built
    (default: the packaged one). ``pipeline``: an object with ``analyze(docs)`` yielding
    analyses, used instead of forcewatch's own (service.Ingester).
    ``tiles``: an opt-in online tile URL template (e.g. ``https://tile.example/{z}/{x}/{y}.png``);
    by default the map uses only the packaged offline basemap.
    ``store``: a store already open (``forcewatch watch --serve``: the watcher writes it in this process);
    ``hub``: the watcher's watch.hub.Hub, whose events and alerts ``/api/stream`` sends as they come.
    ``hosts``: the Host values answered (``default_hosts``; None: any, as for an app in a test
    client). ``max_body``: the request body limit in bytes (default: Settings.max_request_bytes).
    """
    db_path = str(db_path)
    token = token or None
    resources = resources or Resources()
    limits = resources.settings.limits
    given_store = store
    if given_store is None:
        if is_url(db_path) or (db_path != ":memory:" and not Path(db_path).exists()):
            open_store(db_path, shared=True, lock_wait=limits.lock_wait,
                       fixes=resources.settings.fixes).close()  # the schema, made if missing
        read_only = token is None and db_path != ":memory:"
        store = open_store(db_path, read_only=read_only, shared=True, lock_wait=limits.lock_wait,
                           fixes=resources.settings.fixes)
    else:
        read_only = False
    ingester = Ingester(resources, pipeline)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        if given_store is None:  # a store handed in is its owner's to close
            store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="forcewatch",
        version=forcewatch.__dict__.get("__version__", "0.1.0"),
        description=(
            "Geolocated, dated, source-graded force-posture events extracted from reports and sensor "
            "feeds. Read endpoints are open; `POST /api/documents` needs `Authorization: Bearer TOKEN` "
            "(the operator's `--token` / FORCEWATCH_TOKEN). Errors are JSON: "
            "`{\"error\": {\"status\": 404, \"message\": \"...\"}}`. See docs/api.md."
        ),
        responses={422: {"model": ErrorResponse, "description": "Invalid parameter"}},
        docs_url=None, redoc_url=None,  # served below from packaged assets: the defaults load a CDN
    )
    app.state.store = store
    app.state.read_only = read_only

    # -- errors as JSON ---------------------------------------------------
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return _error(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path} (see /docs)"
        elif exc.status_code == 405:
            message = f"method {request.method} not allowed on {request.url.path}"
        return _error(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body"))
            problems.append(f"{where or 'request'}: {e.get('msg')}")
        return _error(422, "; ".join(problems) or "invalid request", details=problems)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        """No internal detail in the answer (it may name files, SQL or data): a request id to find
        the traceback by in the server's log."""
        rid = request.scope.get("state", {}).get("request_id") or uuid.uuid4().hex[:16]
        log.error("request %s (%s %s) failed", rid, request.method, request.url.path,
                  exc_info=(type(exc), exc, exc.__traceback__))
        return _error(500, f"internal error (request id {rid}; the details are in the server log)", request_id=rid)

    img = "'self' data:"
    if tiles:
        parts = urlsplit(tiles.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
        img += f" {parts.scheme}://{host}"
    csp = (
        f"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src {img}; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    app.add_middleware(Guard, hosts=hosts, token=token,
                       max_body=max_body if max_body is not None else limits.request_body_bytes)
    app.add_middleware(SecurityHeaders, csp=csp)  # outermost: on the Guard's refusals too

    # -- dependencies -----------------------------------------------------
    def db() -> Iterator[Store]:
        cursor = store.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    DB = Annotated[Store, Depends(db)]

    def event_filters(
        type: Annotated[str | None, Query(description=HELP["type"])] = None,
        subtype: Annotated[str | None, Query(description=HELP["subtype"])] = None,
        bbox: Annotated[str | None, Query(description=HELP["bbox"], examples=["35.5,34.5,36.5,35.8"])] = None,
        near: Annotated[str | None, Query(description=HELP["near"], examples=["35.40,35.95,25"])] = None,
        since: Annotated[date | None, Query(description=HELP["since"])] = None,
        until: Annotated[date | None, Query(description=HELP["until"])] = None,
        source_kind: Annotated[str | None, Query(description=HELP["source_kind"])] = None,
        modality: Annotated[str | None, Query(description=HELP["modality"])] = None,
        credibility: Annotated[str | None, Query(description=HELP["credibility"])] = None,
        q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS, description=HELP["q"])] = None,
        doc_id: Annotated[str | None, Query(description=HELP["doc_id"])] = None,
        background: Annotated[bool, Query(description=HELP["background"])] = False,
    ) -> dict[str, Any]:
        try:
            return parse_filters(type, subtype, bbox, near, since, until, source_kind, modality, credibility, q,
                                 doc_id, background)
        except FilterError as exc:
            raise ApiError(422, str(exc)) from None

    Filters = Annotated[dict, Depends(event_filters)]

    def records(s: Store, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Stored event JSON to event records, with their documents looked up in one query."""
        missing = [e["doc_id"] for e in events if "doc" not in e]
        docs = s.documents_by_id(missing, text=False) if missing else {}
        return annotate(s, [_record(e, docs.get(e["doc_id"])) for e in events])

    def annotate(s: Store, recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each record's happening (``cluster_id``) and, for sensor events, its aircraft or vessel
        (``platform``), each looked up in one query for the page."""
        clusters = s.cluster_ids(r["id"] for r in recs)
        platforms = s.platforms(r.get("track_id") for r in recs)
        for r in recs:
            r["cluster_id"] = clusters.get(r["id"])
            if r.get("track_id"):
                r["platform"] = platforms.get(r["track_id"])
        return recs

    # -- read endpoints ---------------------------------------------------
    @app.get("/api/events", response_model=EventPage, tags=["events"], summary="List events")
    def list_events(
        s: DB,
        filters: Filters,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (at most {MAX_LIMIT}).")] = DEFAULT_LIMIT,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        order: Annotated[str, Query(pattern="^(asc|desc)$", description="asc: oldest first (default); desc: newest first. Undated events come last either way.")] = "asc",
    ):
        """Events matching every filter given, oldest first (undated last), one page at a time."""
        total, events = s.event_dicts_page(limit, offset, newest_first=order == "desc", **filters)
        return FastJSON({"total": total, "limit": limit, "offset": offset, "items": records(s, events)})

    @app.get(
        "/api/events.geojson", tags=["events"], summary="Events as GeoJSON",
        responses={200: {"content": {"application/geo+json": {}}, "description": "A FeatureCollection"}},
    )
    def events_geojson(
        s: DB,
        filters: Filters,
        limit: Annotated[int, Query(ge=1, le=GEOJSON_MAX_LIMIT)] = GEOJSON_DEFAULT_LIMIT,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ):
        """The located events matching the filters as a FeatureCollection (properties: the event record).
        ``total`` and ``truncated`` tell whether the limit cut the collection short."""
        total, events = s.event_dicts_page(limit, offset, **filters)
        body = feature_collection(records(s, events))
        body["total"] = total
        body["truncated"] = offset + len(events) < total
        return FastJSON(body, media_type="application/geo+json")

    @app.get(
        "/api/export", tags=["events"], summary="Download events as CSV, GeoJSON, KML or STIX",
        responses={200: {"description": "The file (Content-Disposition: attachment); X-Forcewatch-Omitted says what "
                                        "was left out, X-Forcewatch-Total how many events matched",
                         "content": {t: {} for t in EXPORT_TYPES}}},
    )
    def export_events(
        s: DB,
        filters: Filters,
        format: Annotated[Literal["csv", "geojson", "kml", "stix"], Query(description="csv (ACLED-style), geojson, kml or stix (2.1 bundle); docs/exports.md.")],
        limit: Annotated[int, Query(ge=1, le=GEOJSON_MAX_LIMIT)] = GEOJSON_MAX_LIMIT,
    ):
        """The events matching the filters (oldest first, at most ``limit``) as a file for another tool,
        written by the same code as ``forcewatch export``."""
        from forcewatch.serve.export import select, write

        out = write(format, select(s, filters, limit))
        return Response(out.body.encode("utf-8"), media_type=out.media_type, headers={
            "Content-Disposition": f'attachment; filename="forcewatch-events.{out.suffix}"',
            "X-Forcewatch-Omitted": out.omitted_header(), "X-Forcewatch-Total": str(out.matched),
        })

    @app.get("/api/events/facets", tags=["events"], summary="Counts by field")
    def event_facets(s: DB, filters: Filters) -> dict[str, Any]:
        """Counts of matching events by type, subtype, source_kind, modality and credibility (for filter menus)."""
        return {"total": s.count_events(**filters), "facets": s.event_facets(**filters)}

    @app.get(
        "/api/events/{event_id}", response_model=EventWithEvidence, tags=["events"],
        summary="One event with its evidence", responses={404: {"model": ErrorResponse}},
    )
    def get_event(event_id: str, s: DB):
        """The event record and its evidence: the document text with the sentence and the spans
        that support each field as character offsets (for highlighting)."""
        event = s.event(event_id)
        if event is None:
            raise ApiError(404, f"no event with id {event_id!r}")
        doc = s.document(event.doc_id)
        return {"event": annotate(s, [event_record(event, doc)])[0], "evidence": evidence(event, doc)}

    @app.get("/api/documents", response_model=DocumentPage, tags=["documents"], summary="List documents")
    def list_documents(
        s: DB,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ):
        """Stored documents (without their text), by publication date."""
        docs = s.document_summaries(limit=limit, offset=offset)
        counts = s.event_counts_by_doc([d["id"] for d in docs])
        for d in docs:
            d["n_events"] = counts.get(d["id"], 0)
        return {"total": s.count("documents"), "limit": limit, "offset": offset, "items": docs}

    @app.get(
        "/api/documents/{doc_id}", response_model=DocumentFull, tags=["documents"],
        summary="One document with its text and events", responses={404: {"model": ErrorResponse}},
    )
    def get_document(doc_id: str, s: DB):
        doc = s.document(doc_id)
        if doc is None:
            raise ApiError(404, f"no document with id {doc_id!r}")
        total, events = s.event_dicts_page(MAX_LIMIT, 0, doc_id=doc_id)
        return {**_summary(doc, total), "text": doc.text, "events": annotate(s, [_record(e, doc) for e in events])}

    @app.get("/api/clusters", response_model=ClusterPage, tags=["clusters"], summary="List happenings")
    def list_clusters(
        s: DB,
        filters: Filters,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (at most {MAX_LIMIT}).")] = DEFAULT_LIMIT,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ):
        """Happenings (docs/happenings.md): the claims of several documents and tracks that describe
        one act, as one record each. The event filters select the happenings with a claim that
        matches them; oldest first, undated last."""
        total, items = s.cluster_page(limit, offset, **filters)
        return FastJSON({"total": total, "limit": limit, "offset": offset, "items": items})

    @app.get(
        "/api/clusters/{cluster_id}", response_model=ClusterWithClaims, tags=["clusters"],
        summary="One happening with its claims", responses={404: {"model": ErrorResponse}},
    )
    def get_cluster(cluster_id: str, s: DB):
        """The happening and the event record of each of its claims, in time order."""
        found = s.cluster(cluster_id)
        if found is None:
            raise ApiError(404, f"no cluster with id {cluster_id!r}")
        by_id = {e.id: e for e in s.events_by_id(found.event_ids)}
        docs = s.documents_by_id((e.doc_id for e in by_id.values()), text=False)
        claims = [event_record(by_id[i], docs.get(by_id[i].doc_id)) for i in found.event_ids if i in by_id]
        return FastJSON({"cluster": found.to_dict(), "claims": annotate(s, claims)})

    @app.get("/api/sites", tags=["sites"], summary="Watched sites")
    def list_sites(s: DB) -> dict[str, Any]:
        """Facilities watched: those stored in the database, else the packaged list."""
        sites = s.sites()
        origin = "database"
        if not sites:
            try:
                sites, origin = resources.sites, "packaged"
            except ValueError as exc:
                log.error("cannot load the packaged sites: %s", exc)
                raise ApiError(500, "cannot load the watched sites (see the server log)") from exc
        return {"total": len(sites), "origin": origin, "items": [x.to_dict() for x in sites]}

    # -- tracks (their fixes: the fix archive, store/fixes.py) --------------
    def known_track(s: Store, track_id: str) -> dict[str, Any]:
        found = s.track(track_id)
        if found is None:
            raise ApiError(404, f"no track with id {track_id!r}")
        return found

    @app.get("/api/tracks/{track_id}", response_model=TrackInfo, tags=["tracks"], summary="One track's platform",
             responses={404: {"model": ErrorResponse}})
    def get_track(track_id: str, s: DB):
        """What is known of the aircraft or vessel of a track (sensor events name it as ``track_id``),
        when it was seen and how many fixes are stored; the fixes themselves are ``/fixes``."""
        found = known_track(s, track_id)
        return {**{k: v for k, v in found.items() if k != "n_positions"}, "n_fixes": found["n_positions"] or 0}

    @app.get("/api/tracks/{track_id}/fixes", response_model=FixPage, tags=["tracks"], summary="One track's fixes",
             responses={404: {"model": ErrorResponse},
                        200: {"content": {"application/geo+json": {}},
                              "description": "FixPage, or with format=geojson a GeoJSON Feature (a LineString)"}})
    def get_track_fixes(
        track_id: str,
        s: DB,
        since: Annotated[datetime | None, Query(description="Fixes at or after this time (ISO 8601; no offset: UTC).")] = None,
        until: Annotated[datetime | None, Query(description="Fixes at or before this time (ISO 8601; no offset: UTC).")] = None,
        limit: Annotated[int, Query(ge=1, le=FIXES_MAX_LIMIT,
                                    description=f"At most this many fixes (at most {FIXES_MAX_LIMIT}).")] = FIXES_DEFAULT_LIMIT,
        format: Annotated[Literal["json", "geojson"], Query(
            description="json: a page of fixes; geojson: a Feature whose LineString is the track "
                        "(properties: the platform and each vertex's time)")] = "json",
    ):
        """The track's fixes, oldest first, read from the fix archive (Parquet by day and source)."""
        found = known_track(s, track_id)
        fixes = s.track_fixes(track_id, since=since, until=until, limit=limit + 1)
        truncated, fixes = len(fixes) > limit, fixes[:limit]
        if format == "geojson":
            coordinates = [[p.lon, p.lat] for p in fixes]
            geometry = ({"type": "LineString", "coordinates": coordinates} if len(coordinates) > 1 else
                        {"type": "Point", "coordinates": coordinates[0]} if coordinates else None)
            properties = {k: found[k] for k in ("platform", "ident", "name", "military")}
            properties |= {"track_id": track_id, "times": [p.t.isoformat() for p in fixes], "truncated": truncated}
            return FastJSON({"type": "Feature", "id": track_id, "geometry": geometry, "properties": properties},
                            media_type="application/geo+json")
        items = [{"t": p.t.isoformat(), "lat": p.lat, "lon": p.lon, "altitude_ft": p.altitude_ft, "speed_kn": p.speed_kn,
                  "course_deg": p.course_deg, "on_ground": p.on_ground, "status": p.status} for p in fixes]
        return FastJSON({"track_id": track_id, "limit": limit, "truncated": truncated, "items": items})

    @app.get("/api/meta", tags=["meta"], summary="Vocabularies and server settings")
    def meta(s: DB) -> dict[str, Any]:
        """The values filters accept, counts of what is stored, and dashboard settings."""
        return {
            "types": list(EVENT_TYPES), "subtypes": list(SUBTYPES), "source_kinds": list(SOURCE_KINDS),
            "modalities": list(MODALITIES), "credibility_letters": list("ABCDEF"),
            "counts": {"events": s.count("events"), "documents": s.count("documents")},
            "limits": {"max_page": MAX_LIMIT, "max_geojson": GEOJSON_MAX_LIMIT, "max_fixes": FIXES_MAX_LIMIT},
            "ingest": "enabled" if token else "disabled",
            "tiles": tiles,
        }

    # -- ingest -----------------------------------------------------------
    def authorize(request: Request) -> None:
        """The token again (Guard checked it before the body was read), for an app mounted without it."""
        refusal = authorization(token, request.headers.get("authorization", ""))
        if refusal is not None:
            raise ApiError(*refusal)

    def ingest(body: IngestRequest, s: DB, request: Request, _: Annotated[None, Depends(authorize)]):
        """Run extraction on a report and store it with its events. Idempotent: the document id
        is derived from its text, so posting the same text again stores nothing new (201 the
        first time, 200 after)."""
        if body.media_type == "html":
            from forcewatch.ingest.reports import html_document

            page = html_document(body.text)
        else:
            text = body.text.replace("\r\n", "\n").replace("\r", "\n")
            page = Document(id=Document.make_id(text), text=text)
        if not page.text.strip():
            raise ApiError(422, "text: the document has no text")
        doc = Document(
            id=page.id, text=page.text, path=body.path, url=body.url or page.url,
            title=body.title or page.title, published=body.published or page.published,
            outlet=body.outlet or page.outlet, media_type=body.media_type,
        )
        try:
            result = ingester.documents(s, [doc], "all" if body.all_events else "force")
        except ImportError as exc:
            raise ApiError(503, f"extraction pipeline unavailable: {exc}") from exc
        if result.outcome.get(doc.id) == "failed":  # stored in one transaction: nothing of it is
            rid = request.scope.get("state", {}).get("request_id", "-")
            log.error("request %s: %s", rid, "; ".join(result.errors))
            raise ApiError(500, f"the document could not be coded or stored, nothing of it is stored "
                                f"(request id {rid}; the details are in the server log)")
        if result.outcome.get(doc.id) != "added":
            events = s.events(doc_id=doc.id)
            stored = s.document(doc.id)
            return JSONResponse(
                {"id": doc.id, "created": False, "n_events": len(events),
                 "events": annotate(s, [event_record(e, stored) for e in events])}, 200,
            )
        events = result.new_events[doc.id]
        return JSONResponse(
            {"id": doc.id, "created": True, "n_events": len(events),
             "events": annotate(s, [event_record(e, doc) for e in events])}, 201,
        )

    ingest_doc = {
        "response_model": IngestResult, "status_code": 201, "tags": ["documents"],
        "summary": "Ingest a report (token required)",
        "responses": {200: {"model": IngestResult, "description": "Already stored"},
                      401: {"model": ErrorResponse}, 403: {"model": ErrorResponse},
                      503: {"model": ErrorResponse}},
    }
    app.post("/api/documents", **ingest_doc)(ingest)
    app.post("/documents", include_in_schema=False, **ingest_doc)(ingest)

    # -- alerts and the live stream (forcewatch watch, docs/watch.md) -------
    @app.get("/api/alerts", tags=["alerts"], summary="Alerts raised by the watcher's rules")
    def list_alerts(
        s: DB,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        after: Annotated[int, Query(ge=0, description="Only alerts after this sequence number.")] = 0,
    ) -> dict[str, Any]:
        """Newest first; each with ``seq``, the ids of the events that fired it and their evidence."""
        items = [{**r, "seq": seq} for seq, r in s.alerts(after, limit)]
        return {"total": s.count_alerts(), "items": items}

    @app.get("/api/stream", tags=["alerts"], summary="Server-sent events: new events and alerts",
             responses={200: {"content": {"text/event-stream": {}}}})
    async def stream(request: Request):
        """``event: alert`` (data: the alert record) and ``event: events`` (data: {ids, count}) as the
        watcher stores them; a comment line every 15 s keeps proxies from closing it. Without a
        watcher in this process, the alerts table is polled."""
        import asyncio
        import queue as queue_module

        from fastapi.responses import StreamingResponse

        def message(kind: str, data: dict) -> bytes:
            return f"event: {kind}\ndata: {orjson.dumps(data).decode()}\n\n".encode()

        async def events():
            q = hub.subscribe() if hub is not None else None
            first = store.cursor()
            try:  # from now on: what was raised before is in /api/alerts
                last_seq = max((seq for seq, _ in first.alerts(0, 1)), default=0)
            finally:
                first.close()
            quiet = 0.0
            try:
                yield b"retry: 2000\n\n"
                while not await request.is_disconnected():
                    sent = False
                    if q is not None:
                        while True:
                            try:
                                kind, data = q.get_nowait()
                            except queue_module.Empty:
                                break
                            yield message(kind, data)
                            sent = True
                    else:
                        cursor = store.cursor()
                        try:
                            for seq, record in reversed(cursor.alerts(last_seq, 100)):
                                last_seq = max(last_seq, seq)
                                yield message("alert", record)
                                sent = True
                        finally:
                            cursor.close()
                    quiet = 0.0 if sent else quiet + 0.2
                    if quiet >= 15.0:
                        quiet = 0.0
                        yield b": keepalive\n\n"
                    await asyncio.sleep(0.2 if q is None else 0.1)
            finally:
                if q is not None:
                    hub.unsubscribe(q)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # -- API documentation, offline ---------------------------------------
    app.mount("/static/apidocs", StaticFiles(directory=API_DOCS_ASSETS), name="apidocs")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui():
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url, title="forcewatch API", swagger_js_url="/static/apidocs/swagger-ui-bundle.js",
            swagger_css_url="/static/apidocs/swagger-ui.css", swagger_favicon_url="/static/apidocs/favicon.png")
        return _allow_inline_scripts(page, csp)

    @app.get("/redoc", include_in_schema=False)
    def redoc():
        page = get_redoc_html(openapi_url=app.openapi_url, title="forcewatch API",
                              redoc_js_url="/static/apidocs/redoc.standalone.js",
                              redoc_favicon_url="/static/apidocs/favicon.png", with_google_fonts=False)
        return _allow_inline_scripts(page, csp)

    # -- the dashboard ----------------------------------------------------
    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(WEB / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=WEB), name="static")
    return app


def _allow_inline_scripts(page: HTMLResponse, csp: str) -> HTMLResponse:
    """The page with a policy that lets its own inline scripts run, by their hashes, and nothing
    else new (FastAPI's documentation pages start their viewer with one; Redoc runs a worker)."""
    import base64
    import hashlib

    html = page.body.decode("utf-8")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode("utf-8")).digest()).decode() + "'"
        for m in re.findall(r"<script>(.*?)</script>", html, re.DOTALL))
    policy = csp.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip(), 1) + "; worker-src 'self' blob:"
    page.headers["content-security-policy"] = policy
    return page


class FastJSON(JSONResponse):
    """JSON by orjson: a page of a thousand records serialises in 2 ms instead of 16."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _summary(doc: Document, n_events: int) -> dict[str, Any]:
    return {
        "id": doc.id, "title": doc.title, "url": doc.url, "path": doc.path, "outlet": doc.outlet,
        "published": doc.published, "media_type": doc.media_type, "chars": len(doc.text), "n_events": n_events,
    }


def _spans(event: Event) -> Iterator[tuple[str, tuple[int, int] | None, str | None]]:
    yield "trigger", event.trigger_span, event.trigger
    for name in ("source", "actor", "target", "location", "origin", "destination", "time"):
        part = getattr(event, name)
        if part is not None:
            yield name, part.span, part.text
    for item in event.equipment:
        yield "equipment", item.span, item.text


def evidence(event: Event, doc: Document | None) -> dict[str, Any]:
    """The document text with the event's sentence and supporting spans as offsets into it.

    When the document is not stored (e.g. a sensor event), the text is the sentence alone and
    the offsets are moved to match it.
    """
    if doc is not None:
        text, shift = doc.text, 0
    else:
        text, shift = event.sentence, event.span[0]

    def within(span) -> tuple[int, int] | None:
        if not span:
            return None
        a, b = span[0] - shift, span[1] - shift
        return (a, b) if 0 <= a < b <= len(text) else None

    sentence = within(event.span) or (0, len(text))
    highlights = []
    for name, span, _ in _spans(event):
        ab = within(span)
        if ab:
            highlights.append({"field": name, "start": ab[0], "end": ab[1], "text": text[ab[0]:ab[1]]})
    highlights.sort(key=lambda h: (h["start"], -h["end"]))
    return {
        "doc_id": event.doc_id,
        "document_stored": doc is not None,
        "text": text,
        "sentence": {"field": "sentence", "start": sentence[0], "end": sentence[1], "text": text[sentence[0]:sentence[1]]},
        "highlights": highlights,
    }


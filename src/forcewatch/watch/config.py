"""watch.yaml, read and checked once into dataclasses (docs/watch.md).

Every problem is a one-line ``WatchConfigError`` naming the file and the key (``watch.yaml:
sources[2].every: 'soon' is not a duration``); nothing is read again while the watcher runs.
Relative paths are read from the file's folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from forcewatch.fuse.rules import SEVERITIES, Rule, RuleError, builtin_rules, duration

KNOWN = {"sources", "streams", "sites", "watch", "rules", "builtin_rules", "webhooks", "poll", "http",
         "aircraft_db", "vessel_db", "config", "alerts_jsonl"}


class WatchConfigError(ValueError):
    """A watch.yaml that cannot be used; the message names the file and the key, on one line."""


@dataclass(frozen=True)
class TextSource:
    kind: str  # feed | page | folder
    target: str  # URL, or folder path
    every: float  # seconds between polls
    articles: bool = True  # feeds: fetch each entry's linked page

    @property
    def key(self) -> str:
        """What the store records this source's seen items and state under."""
        return f"{self.kind}:{self.target}"


@dataclass(frozen=True)
class StreamSource:
    """A live sensor stream: its StreamSpec (ingest/streams.py; docs/sensors.md, "Live streams")."""

    name: str
    spec: object  # forcewatch.ingest.streams.StreamSpec

    @property
    def key(self) -> str:
        return f"stream:{self.name}"


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str
    min_severity: str = "info"
    timeout_s: float = 10.0

    @property
    def key(self) -> str:
        return f"webhook:{self.url}"


@dataclass(frozen=True)
class WatchConfig:
    path: Path
    sources: tuple[TextSource, ...] = ()
    streams: tuple[StreamSource, ...] = ()
    site_files: tuple[Path, ...] = ()
    sites: tuple = ()  # records.Site written in watch.yaml itself (Settings.with_sites), after the files
    watched: tuple[str, ...] = ()  # site ids; empty: every known site
    rules: tuple[Rule, ...] = ()
    webhooks: tuple[Webhook, ...] = ()
    rate_limits: dict[str, float] = field(default_factory=dict)
    default_interval_s: float = 1.0
    timeout_s: float = 20.0
    max_bytes: int = 8 << 20
    aircraft_db: tuple[Path, ...] = ()
    vessel_db: tuple[Path, ...] = ()
    forcewatch_config: Path | None = None
    alerts_jsonl: Path | None = None

    @classmethod
    def load(cls, path: str | Path) -> WatchConfig:
        from forcewatch.data import load_yaml

        path = Path(path)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise WatchConfigError(f"{path}: cannot read watch config ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise WatchConfigError(f"{path}: not UTF-8 text") from None
        try:
            data = load_yaml(text)
        except Exception as exc:  # noqa: BLE001  (yaml's errors span lines: keep the first)
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
            raise WatchConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
        return cls.parse(data or {}, path)

    @classmethod
    def parse(cls, data, path: Path) -> WatchConfig:
        here = path.parent
        if not isinstance(data, dict):
            raise WatchConfigError(f"{path}: a watch config is a mapping (sources, streams, rules, webhooks...)")
        unknown = sorted(set(data) - KNOWN)
        if unknown:
            raise WatchConfigError(f"{path}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(KNOWN))})")

        def fail(key: str, message: str):
            raise WatchConfigError(f"{path}: {key}: {message}")

        def seconds(value, key: str) -> float:
            try:
                return duration(value, key).total_seconds()
            except RuleError:
                fail(key, f"{value!r} is not a duration (like 90s, 20m, 6h, 2d)")

        def listed(key: str) -> list:
            v = data.get(key) or []
            if not isinstance(v, list):
                fail(key, "must be a list")
            return v

        def local(value, key: str) -> Path:
            if not isinstance(value, str) or not value.strip():
                fail(key, f"must be a path, not {value!r}")
            p = Path(value).expanduser()
            return p if p.is_absolute() else here / p

        poll = data.get("poll") or {}
        if not isinstance(poll, dict) or set(poll) - {"feeds", "pages", "folders"}:
            fail("poll", "is a mapping of feeds, pages, folders to durations")
        every = {"feed": 300.0, "page": 900.0, "folder": 10.0}
        for k, v in poll.items():
            every[k[:-1]] = seconds(v, f"poll.{k}")

        sources = []
        for i, s in enumerate(listed("sources")):
            key = f"sources[{i}]"
            if not isinstance(s, dict):
                fail(key, "is a mapping with one of feed, page, folder")
            kinds = [k for k in ("feed", "page", "folder") if k in s]
            if len(kinds) != 1:
                fail(key, "needs exactly one of feed (URL), page (URL), folder (path)")
            kind = kinds[0]
            extra = set(s) - {kind, "every", "articles"}
            if extra:
                fail(key, f"unknown key(s) {', '.join(sorted(extra))} (known: {kind}, every, articles)")
            if kind == "folder":
                target = str(local(s[kind], f"{key}.folder"))
            else:
                target = s[kind]
                parts = urlsplit(target) if isinstance(target, str) else None
                if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
                    fail(f"{key}.{kind}", f"{target!r} is not an http or https URL")
            articles = s.get("articles", True)
            if not isinstance(articles, bool):
                fail(f"{key}.articles", "must be true or false")
            sources.append(TextSource(kind, target, seconds(s["every"], f"{key}.every") if "every" in s else every[kind],
                                      articles))
        if len({s.key for s in sources}) != len(sources):
            fail("sources", "the same source is listed twice")

        from forcewatch.ingest.streams import StreamSpec

        streams = []
        for i, s in enumerate(listed("streams")):
            key = f"streams[{i}]"
            if not isinstance(s, dict):
                fail(key, "is a mapping: name, kind, and host/port or url (docs/sensors.md)")
            d = dict(s)
            if "every" in d:  # the watch.yaml word for a poll interval
                d["poll_s"] = seconds(d.pop("every"), f"{key}.every")
            name = d.get("name") or f"stream{i}"
            if not isinstance(name, str) or not re.fullmatch(r"[\w.:-]+", name):
                fail(f"{key}.name", f"must be a word, not {name!r}")
            d["name"] = name
            try:
                spec = StreamSpec.from_dict(d)
            except (ValueError, TypeError) as exc:
                fail(key, " ".join(str(exc).split()))
            streams.append(StreamSource(name, spec))
        if len({s.name for s in streams}) != len(streams):
            fail("streams", "two streams have one name")

        from forcewatch.gazetteer.sites import parse_site

        site_files: list[Path] = []
        inline_sites = []
        for i, s in enumerate(listed("sites")):
            if isinstance(s, str):
                site_files.append(local(s, f"sites[{i}]"))
            elif isinstance(s, dict):
                try:  # checked as a sites file's entry is
                    inline_sites.append(parse_site(s))
                except (TypeError, ValueError, KeyError) as exc:
                    fail(f"sites[{i}]", f"not a valid site ({exc})")
            else:
                fail(f"sites[{i}]", "is a sites file (a path) or a site (id, name, kind, lat, lon, radius_km)")
        watched = tuple(str(x) for x in listed("watch"))

        rules: dict[str, Rule] = {}
        builtin = data.get("builtin_rules", True)
        if not isinstance(builtin, bool):
            fail("builtin_rules", "must be true or false")
        if builtin:
            rules.update({r.name: r for r in builtin_rules()})
        for i, r in enumerate(listed("rules")):
            try:
                rule = Rule.parse(r, f"rules[{i}]")
            except RuleError as exc:
                raise WatchConfigError(f"{path}: {exc}") from None
            rules[rule.name] = rule

        webhooks = []
        for i, w in enumerate(listed("webhooks")):
            key = f"webhooks[{i}]"
            if not isinstance(w, dict) or set(w) - {"url", "secret", "secret_file", "min_severity", "timeout"}:
                fail(key, "is a mapping: url, secret (or secret_file), min_severity, timeout")
            u = w.get("url")
            if not isinstance(u, str) or urlsplit(u).scheme not in ("http", "https") or not urlsplit(u).netloc:
                fail(f"{key}.url", f"{u!r} is not an http or https URL")
            secret = w.get("secret")
            if "secret_file" in w:
                try:
                    secret = local(w["secret_file"], f"{key}.secret_file").read_text("utf-8").strip()
                except OSError as exc:
                    fail(f"{key}.secret_file", f"cannot read ({exc.strerror})")
            if not isinstance(secret, str) or len(secret) < 8:
                fail(f"{key}.secret", "a shared secret of 8 characters or more is required (it signs each alert)")
            sev = w.get("min_severity", "info")
            if sev not in SEVERITIES:
                fail(f"{key}.min_severity", f"{sev!r} is not one of {', '.join(SEVERITIES)}")
            webhooks.append(Webhook(u, secret, sev, seconds(w.get("timeout", "10s"), f"{key}.timeout")))

        http = data.get("http") or {}
        if not isinstance(http, dict) or set(http) - {"timeout", "max_bytes", "rate_limits"}:
            fail("http", "is a mapping: timeout, max_bytes, rate_limits")
        limits: dict[str, float] = {}
        rl = http.get("rate_limits") or {}
        if not isinstance(rl, dict):
            fail("http.rate_limits", "is a mapping of host to the least time between two requests (5s)")
        for host, v in rl.items():
            limits[str(host).lower()] = seconds(v, f"http.rate_limits.{host}")
        max_bytes = http.get("max_bytes", 8 << 20)
        if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1024:
            fail("http.max_bytes", "must be a whole number of bytes, 1024 or more")

        def paths(key: str) -> tuple[Path, ...]:
            v = data.get(key) or []
            return tuple(local(p, f"{key}[{i}]") for i, p in enumerate(v if isinstance(v, list) else [v]))

        return cls(
            path=path, sources=tuple(sources), streams=tuple(streams), site_files=tuple(site_files), sites=tuple(inline_sites),
            watched=watched,
            rules=tuple(rules.values()), webhooks=tuple(webhooks), rate_limits=limits,
            default_interval_s=limits.pop("default", 1.0),
            timeout_s=seconds(http.get("timeout", "20s"), "http.timeout"), max_bytes=max_bytes,
            aircraft_db=paths("aircraft_db"), vessel_db=paths("vessel_db"),
            forcewatch_config=local(data["config"], "config") if data.get("config") else None,
            alerts_jsonl=local(data["alerts_jsonl"], "alerts_jsonl") if data.get("alerts_jsonl") else None,
        )

    def check_sites(self, sites) -> None:
        """Every site a rule or ``watch`` names exists among ``sites``."""
        ids = {s.id for s in sites}
        for i, name in enumerate(self.watched):
            if name not in ids:
                raise WatchConfigError(f"{self.path}: watch[{i}]: no site {name!r} (known: {', '.join(sorted(ids))})")
        for r in self.rules:
            for s in r.sites:
                if s not in ids:
                    raise WatchConfigError(f"{self.path}: rule {r.name}: where: no site {s!r} "
                                           f"(known: {', '.join(sorted(ids))})")


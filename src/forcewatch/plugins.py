"""Registries of pipeline components and report readers, by name: forcewatch's own and a user's.

As spaCy registers factories, a component is registered under a name with what it requires of the
Analysis and what it assigns to it; a pipeline built from a config's list of names checks that
every requirement is assigned earlier. A reader is registered with the file suffixes it reads and,
optionally, a test of the file's first characters. A user adds either without editing forcewatch:
a module that uses these decorators, named in the config's ``plugins`` or installed with an entry
point in the ``forcewatch.plugins`` group, is imported when the configuration is built::

    from forcewatch.plugins import component

    @component("drop_hedged", requires=("events.modality",), assigns=("events",))
    def drop_hedged(resources):
        def run(analysis):
            analysis.events = [e for e in analysis.events if e.modality != "hedged"]
        return run
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from forcewatch.records import Analysis, Document

Component = Callable[[Analysis], None]
ENTRY_POINTS = "forcewatch.plugins"
# What a document has before any component runs (Pipeline.prepare and the parse).
PROVIDED = ("document", "sentences", "relevant", "parse")


@dataclass(frozen=True)
class ComponentSpec:
    name: str
    factory: Callable[[Any], Component]  # Resources -> the component
    requires: tuple[str, ...]
    assigns: tuple[str, ...]


@dataclass(frozen=True)
class ReaderSpec:
    name: str
    read: Callable[[Path, str], Iterable[Document]]  # (path, text) -> documents
    suffixes: frozenset[str]  # the files of a folder it reads
    sniff: Callable[[str], bool] | None  # the lower-cased start of the text -> whether it is this reader's
    by_suffix: bool = True  # a file with one of the suffixes is this reader's whatever it holds
    order: int = 0  # readers are tried in this order: a user's (0) before forcewatch's own
    fallback: bool = False  # reads what no other reader claims (plain text)

    def claims(self, path: Path, head: str) -> bool:
        return (self.by_suffix and path.suffix.lower() in self.suffixes) or bool(self.sniff and self.sniff(head))


_COMPONENTS: dict[str, ComponentSpec] = {}
_READERS: dict[str, ReaderSpec] = {}


def component(name: str, *, requires: Iterable[str] = (), assigns: Iterable[str] = ()):
    """Register a component factory (Resources -> a function of the Analysis) under ``name``."""
    def register(factory):
        _register(_COMPONENTS, name, ComponentSpec(name, factory, tuple(requires), tuple(assigns)), factory)
        return factory
    return register


def reader(name: str, *, suffixes: Iterable[str] = (), sniff: Callable[[str], bool] | None = None,
           by_suffix: bool = True, order: int = 0, fallback: bool = False):
    """Register a report reader ((path, text) -> Documents) for file suffixes and/or a content test."""
    def register(read):
        spec = ReaderSpec(name, read, frozenset(s.lower() for s in suffixes), sniff, by_suffix, order, fallback)
        _register(_READERS, name, spec, read)
        return read
    return register


def _register(table: dict, name: str, spec, fn) -> None:
    old = table.get(name)
    same = old is not None and (getattr(old, "factory", None) or old.read).__qualname__ == fn.__qualname__ \
        and (getattr(old, "factory", None) or old.read).__module__ == fn.__module__
    if old is not None and not same:
        raise ValueError(f"{name!r} is already registered by {old}")
    table[name] = spec


def get_component(name: str) -> ComponentSpec:
    try:
        return _COMPONENTS[name]
    except KeyError:
        raise KeyError(f"no component named {name!r} (registered: {', '.join(sorted(_COMPONENTS))})") from None


def registered_components() -> dict[str, ComponentSpec]:
    return dict(_COMPONENTS)


def readers() -> list[ReaderSpec]:
    """Readers in the order they are tried (a user's first unless it says otherwise), the fallback last."""
    return sorted(_READERS.values(), key=lambda r: (r.fallback, r.order))


def reader_suffixes() -> frozenset[str]:
    return frozenset().union(*(r.suffixes for r in _READERS.values()))


def check_order(specs: list[ComponentSpec]) -> None:
    """Every component's requirements assigned by an earlier one (or provided before any runs)."""
    have = set(PROVIDED)
    for spec in specs:
        missing = [r for r in spec.requires if r not in have and r.split(".")[0] not in have]
        if missing:
            raise ValueError(f"component {spec.name!r} requires {', '.join(missing)}, which no earlier "
                             f"component assigns")
        have |= set(spec.assigns)


_installed = False


def load_installed() -> None:
    """Import the plugins installed packages declare (entry points in group forcewatch.plugins), once."""
    global _installed
    if _installed:
        return
    _installed = True
    for entry in metadata.entry_points(group=ENTRY_POINTS):
        entry.load()

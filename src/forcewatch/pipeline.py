"""The text pipeline: components registered by name, run in order over one Analysis per document.

ingest gives Documents; extract finds sentences, mentions and events; resolve gives them
coordinates, dates and sources. As in spaCy, each component is registered with what it requires
and assigns (forcewatch.plugins) and built from the Resources when a pipeline names it, so a
config can reorder, drop or add components without touching the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from forcewatch.config import Resources
from forcewatch.plugins import Component, check_order, component, get_component
from forcewatch.records import Analysis, Document

DEFAULT_COMPONENTS = ("places", "dates", "attribution", "events", "no_comment",
                      "resolve_places", "resolve_times", "resolve_sources", "duplicates")
SCOPES = ("force", "all")
# The parser sees at most Limits.parsed_sentences sentences of one document (the first that pass the
# screen): a long report has fewer that pass; a junk file full of trigger words costs seconds, not hours.


def context_sentences(analysis: Analysis, lead: int = 3) -> list[int]:
    """Sentences whose places matter to the events: the parsed ones, their neighbours and the lead
    (headline, dateline). Places elsewhere in a long off-topic stretch add cost, not context."""
    keep = set(range(min(lead, len(analysis.sentences))))
    for i in analysis.relevant:
        keep |= {i - 1, i, i + 1}
    return sorted(i for i in keep if 0 <= i < len(analysis.sentences))


# -- forcewatch's own components, in their default order -------------------------------------

@component("places", requires=("sentences", "parse"), assigns=("mentions.place",))
def _places(resources: Resources) -> Component:
    from forcewatch.extract.places import find_places

    gazetteer, lexicons = resources.gazetteer, resources.lexicons
    groups = [word for word, actor in lexicons.actors.items() if actor.group and actor.armed]
    return lambda a: find_places(a, gazetteer, context_sentences(a), lexicons.equipment, groups)


@component("dates", requires=("parse",), assigns=("mentions.date",))
def _dates(resources: Resources) -> Component:
    from forcewatch.extract.dates import find_dates

    return find_dates


@component("attribution", requires=("parse",), assigns=("mentions.attribution",))
def _attribution(resources: Resources) -> Component:
    from forcewatch.extract.attribution import find_attributions

    return find_attributions


@component("events", requires=("parse", "mentions.attribution"), assigns=("events",))
def _events(resources: Resources) -> Component:
    from forcewatch.extract.events import code_events

    lexicons = resources.lexicons
    return lambda a: code_events(a, lexicons)


@component("no_comment", requires=("parse", "mentions.attribution"), assigns=("events", "mentions.attribution"))
def _no_comment(resources: Resources) -> Component:
    from forcewatch.extract.events import code_no_comment

    lexicons = resources.lexicons
    return lambda a: code_no_comment(a, lexicons)


@component("resolve_places", requires=("mentions.place", "events"),
           assigns=("places", "events.location", "events.origin", "events.destination"))
def _resolve_places(resources: Resources) -> Component:
    from forcewatch.resolve.places import resolve_places

    gazetteer = resources.gazetteer
    return lambda a: resolve_places(a, gazetteer)


@component("resolve_times", requires=("mentions.date", "events"), assigns=("events.time", "events.background"))
def _resolve_times(resources: Resources) -> Component:
    from forcewatch.resolve.time import resolve_times

    return resolve_times


@component("resolve_sources", requires=("mentions.attribution", "events"),
           assigns=("events.source", "events.modality", "events.credibility"))
def _resolve_sources(resources: Resources) -> Component:
    from forcewatch.resolve.sources import resolve_sources

    registry = resources.sources
    return lambda a: resolve_sources(a, registry)


@component("duplicates", requires=("events.location", "events.time", "events.background", "events.modality"),
           assigns=("events.duplicate_of",))
def _duplicates(resources: Resources) -> Component:
    from forcewatch.resolve.acts import link_duplicates

    return link_duplicates


class Pipeline:
    """Documents in, analysed documents (with events) out, parsing in batches.

    ``components``: names of registered components, in order (default: the config's list, else
    DEFAULT_COMPONENTS), or ready (name, function) pairs. ``scope="force"`` (the default) codes
    documents about military matters only (see extract/screen.py); ``scope="all"`` codes general
    political events in every document too.
    """

    def __init__(self, resources: Resources | None = None,
                 components: Sequence[str | tuple[str, Component]] | None = None,
                 scope: str = "force", batch_docs: int = 32):
        if scope not in SCOPES:
            raise ValueError(f"scope must be 'force' or 'all', not {scope!r}")
        self.resources = resources or Resources()
        names = components if components is not None else (self.resources.settings.components or DEFAULT_COMPONENTS)
        specs = {n: get_component(n) for n in names if isinstance(n, str)}
        check_order(list(specs.values()))
        self.components: list[tuple[str, Component]] = [
            (c, specs[c].factory(self.resources)) if isinstance(c, str) else c for c in names]
        self.batch_docs = batch_docs
        self.scope = scope

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.components]

    def analyze(self, documents: Iterable[Document]) -> Iterator[Analysis]:
        batch: list[Analysis] = []
        for doc in documents:
            batch.append(self.prepare(doc))
            if len(batch) >= self.batch_docs:
                yield from self._finish(batch)
                batch = []
        if batch:
            yield from self._finish(batch)

    def prepare(self, doc: Document) -> Analysis:
        from forcewatch.extract.nlp import split_sentences

        limits = self.resources.settings.limits
        analysis = Analysis(document=doc, sentences=split_sentences(doc.text, limits.sentence_chars))
        analysis.relevant = self.resources.screen(analysis, self.scope)[:limits.parsed_sentences]
        return analysis

    def _finish(self, batch: list[Analysis]) -> Iterator[Analysis]:
        from forcewatch.extract.nlp import parse

        parse(batch, self.resources.nlp if any(a.relevant for a in batch) else None)  # no model for nothing
        for analysis in batch:
            if not analysis.relevant:
                yield analysis  # nothing passed the screen: no sentence can hold an event
                continue
            for _, run in self.components:
                run(analysis)
            analysis.events.sort(key=lambda e: e.trigger_span[0])
            yield analysis

    def __call__(self, doc: Document) -> Analysis:
        return next(self.analyze([doc]))

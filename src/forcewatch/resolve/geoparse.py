"""A geoparser in its own right: text in, one resolved record per place mention out.

Used by ``forcewatch places`` and ``bench/geo.py``. It finds (extract) and resolves place mentions,
so it sits with resolution. Recognition is the same as
in the event pipeline (:mod:`forcewatch.extract.places`), run over every
sentence; given the spaCy model (``nlp``), its entities are used as extra
evidence (slower: the model is most of the cost).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from forcewatch.extract.nlp import ParsedSentence, split_sentences
from forcewatch.extract.places import find_places
from forcewatch.gazetteer.lookup import Gazetteer
from forcewatch.records import Analysis, Document, Place
from forcewatch.resolve.places import place_mentions

FIELDS = ("doc", "path", "text", "span", "name", "lat", "lon", "kind", "country", "geonames_id", "radius_km")


def analyse(doc: Document, gazetteer: Gazetteer, parse: dict | None = None) -> Analysis:
    """Sentences, place mentions and resolved places of one document (no events)."""
    analysis = Analysis(document=doc, sentences=split_sentences(doc.text))
    analysis.parse = parse or {}
    find_places(analysis, gazetteer)
    for m, place in place_mentions(analysis, gazetteer):
        if place is not None:
            analysis.places.append(place)
        else:
            analysis.places.append(Place(name=m.data.get("name") or m.text, text=m.text, span=tuple(m.span),
                                         kind=None))
    return analysis


def _parse_all(docs: list[Document], nlp) -> list[dict]:
    """spaCy entities for every sentence (only the pipes NER needs)."""
    jobs = [(i, span) for i, d in enumerate(docs) for span in enumerate(split_sentences(d.text))]
    parses: list[dict] = [{} for _ in docs]
    keep = {"tok2vec", "ner"}
    with nlp.select_pipes(enable=[p for p in nlp.pipe_names if p in keep]):
        texts = (docs[i].text[s[0]:s[1]] for i, (_, s) in jobs)
        for (i, (k, s)), parsed in zip(jobs, nlp.pipe(texts, batch_size=128)):
            parses[i][k] = ParsedSentence(index=k, offset=s[0], doc=parsed)
    return parses


def geoparse(docs: Iterable[Document], gazetteer: Gazetteer, nlp=None, batch: int = 64) -> Iterator[Analysis]:
    """Place mentions of each document, resolved; with ``nlp`` (a spaCy model) its entities help."""
    pending: list[Document] = []

    def flush():
        parses = _parse_all(pending, nlp) if nlp is not None else [None] * len(pending)
        for d, p in zip(pending, parses):
            yield analyse(d, gazetteer, p)

    for d in docs:
        pending.append(d)
        if len(pending) >= batch:
            yield from flush()
            pending = []
    if pending:
        yield from flush()


def records(analysis: Analysis) -> list[dict]:
    """One plain record per place mention, in text order, naming its document by id and by path
    (or address), so rows join back to the files they came from."""
    out = []
    doc = analysis.document
    for p in sorted(analysis.places, key=lambda p: p.span or (0, 0)):
        out.append({
            "doc": doc.id, "path": str(doc.path) if doc.path else doc.url, "text": p.text, "span": list(p.span) if p.span else None,
            "name": p.name, "lat": p.lat, "lon": p.lon, "kind": p.kind, "country": p.country,
            "geonames_id": p.geonames_id, "radius_km": None if p.radius_km is None else round(p.radius_km, 2),
        })
    return out

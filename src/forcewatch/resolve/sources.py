"""Who says so, and how credible: Source records and Admiralty codes for events.

Each event takes the attribution of its own sentence; a sentence that is
only an attribution ("Officials told Reuters.") covers the sentence before
it; "the sources", "the official", "he" refer back to the last source of
that sort. With no attribution at all, the claim is the outlet's own.
docs/credibility.md explains the grades.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from forcewatch.records import Analysis, Event, Mention, Source

OFFICIAL = re.compile(
    r"\b(?:Kremlin|ministry|minister|government|Pentagon|White House|State Department|spokes(?:man|woman|person)|"
    r"embassy|president|prime minister|army|military|navy|command|general staff|defen[cs]e|presidency|cabinet|"
    r"Elysee|Downing Street|officials?|authorit(?:y|ies)|governor|ambassador|foreign office)\b",
    re.I,
)
JOURNALIST = re.compile(r"\b(?:journalists?|reporters?|correspondents?|photographers?|witness(?:es)?)\b", re.I)
ANALYST = re.compile(r"\b(?:analysts?|experts?|researchers?|observers?|scholars?|think[- ]tank|fellow)\b", re.I)
ANON_HEAD = re.compile(r"\b(?:sources?|officials?|official|officer|diplomats?|insiders?|people familiar)\b", re.I)
AFFILIATION = re.compile(
    r"\b((?:senior\s+)?(?:Syrian|Russian|Western|Turkish|Iranian|Israeli|American|U\.S\.|Ukrainian|Libyan|opposition|"
    r"armed opposition|rebel)(?:\s+(?:military|army|security|intelligence|government|opposition|defen[cs]e|naval|diplomatic))*"
    r"(?:\s+and\s+(?:security|military|intelligence))?)\b",
    re.I,
)


@lru_cache(maxsize=1)
def registry() -> dict[str, dict[str, str]]:
    """Reliability by outlet, imagery provider and source kind (packaged, plus FORCEWATCH_SOURCES)."""
    data = yaml.safe_load(resources.files("forcewatch.data").joinpath("sources.yaml").read_text("utf-8"))
    extra = os.environ.get("FORCEWATCH_SOURCES")
    if extra:
        user = yaml.safe_load(Path(extra).read_text("utf-8")) or {}
        for section, values in user.items():
            data.setdefault(section, {}).update(values or {})
    return data


def reliability(source: Source, outlet: str | None) -> str:
    """Admiralty reliability A-F: the registry's grade for a named outlet or provider, else by kind."""
    reg = registry()
    names = {**reg.get("outlets", {}), **reg.get("imagery", {})}
    lowered = {k.lower(): v for k, v in names.items()}
    if source.name and source.name.lower() in lowered:
        return lowered[source.name.lower()]
    if source.kind == "journalist" and outlet and outlet.lower() in lowered:
        return lowered[outlet.lower()]
    return reg.get("kinds", {}).get(source.kind, "F")


CREDIBILITY = {"asserted": 3, "hedged": 4, "negated": 3, "future": 3, "unconfirmed": 6, "no_comment": 6}


def credibility(event: Event) -> str:
    """Admiralty code: source reliability letter + information credibility digit.

    Direct observations (imagery, journalist, sensor) that are asserted rate 2
    (probably true); other asserted claims 3 (possibly true); hedged claims 4;
    claims nobody would confirm 6. Corroboration (fuse stage) can raise them.
    """
    letter = event.source.reliability if event.source and event.source.reliability else "F"
    digit = CREDIBILITY.get(event.modality, 6)
    if event.modality == "asserted" and event.source and event.source.kind in ("imagery", "journalist", "sensor"):
        digit = 2
    return f"{letter}{digit}"


def classify(m: Mention, outlet: str | None) -> Source:
    """Source record from an attribution mention."""
    text = m.text
    label = m.label
    if label == "IMAGERY":
        provider = re.search(r"\b(?:by|from)\s+((?:[A-Z][\w.-]*\s?)+)", text)
        return Source("imagery", provider.group(1).strip() if provider else None, None, False, None, text, m.span)
    if outlet and re.fullmatch(rf"(?:a\s+|an\s+)?{re.escape(outlet)}(?:\s+(?:journalist|reporter|correspondent|team|photographer))?", text.strip(), re.I):
        return Source("journalist", outlet, None, False, None, text, m.span)
    if JOURNALIST.search(text):
        return Source("journalist", outlet if outlet and outlet.lower() in text.lower() else None, None, False, None, text, m.span)
    name = _person_name(text)
    affiliation = _affiliation(text)
    if ANALYST.search(text):
        return Source("analyst", name, affiliation, name is None, None, text, m.span)
    if name:
        return Source("named", name, affiliation, False, None, text, m.span)
    anonymous = bool(m.data.get("anonymous_cue")) or bool(
        ANON_HEAD.search(text) and re.match(r"(?i)^(?:a|an|two|three|several|some|the|one|\w+\s+and)\b|^(?:officials|sources)\b", text)
        and not re.search(r"(?i)\b(?:Kremlin|ministry|Pentagon|White House|government)\b", text)
    )
    if anonymous:
        return Source("anonymous", None, affiliation, True, None, text, m.span)
    if OFFICIAL.search(text):
        return Source("official", _org_name(text), affiliation, False, None, text, m.span)
    return Source("organization", _org_name(text), affiliation, False, None, text, m.span)


def _person_name(text: str) -> str | None:
    """A personal name at the head of the phrase: 'Yoruk Işık, an Istanbul-based analyst' -> 'Yoruk Işık'."""
    m = re.match(r"^((?:[A-Z][\w'’-]+|al-[A-Z][\w'-]*)(?:\s+(?:[A-Z][\w'’-]+|al-[A-Z][\w'-]*|bin|van|de)){1,3})(?=,|$|\s+(?:said|told|who))", text.strip())
    if not m:
        return None
    name = m.group(1)
    if OFFICIAL.search(name) or re.match(r"^(?:The|A|An|Russian|Syrian|Satellite)\b", name):
        return None
    return name


def _org_name(text: str) -> str:
    text = re.split(r",|\bwho\b", text)[0].strip()
    return re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)


def _affiliation(text: str) -> str | None:
    m = AFFILIATION.search(text)
    return m.group(1) if m else None


def _only_attribution(analysis: Analysis, index: int, attributions: list[Mention]) -> bool:
    """True for a sentence that does nothing but attribute ('Officials told Reuters.')."""
    s0, s1 = analysis.sentences[index]
    rest = analysis.document.text[s0:s1]
    for m in attributions:
        rest = rest.replace(m.text, "")
    return len(re.findall(r"[A-Za-z]+", rest)) <= 4


def resolve_sources(analysis: Analysis) -> None:
    """Give every event its Source, final modality and Admiralty code."""
    outlet = analysis.document.outlet
    attributions: dict[int, list[Mention]] = {}
    for m in analysis.mentions:
        if m.kind == "attribution":
            attributions.setdefault(m.sentence, []).append(m)
    last: dict[str, Source] = {}
    sources_by_sentence: dict[int, Source] = {}
    cue_by_sentence: dict[int, str] = {}
    for index in sorted(attributions):
        for m in attributions[index]:
            if m.label in ("NO_COMMENT", "UNCONFIRMED"):
                cue_by_sentence[index] = m.label.lower()
                continue
            src = classify(m, outlet)
            if m.data.get("pronoun"):
                prior = last.get(src.kind) or (last.get("any") if re.match(r"(?i)^(?:he|she|they)$", m.text) else None)
                if prior is not None:
                    src = Source(prior.kind, prior.name, prior.affiliation or src.affiliation,
                                 prior.anonymous or src.anonymous, None, m.text, m.span)
            last[src.kind] = src
            last["any"] = src
            sources_by_sentence.setdefault(index, src)
            if _only_attribution(analysis, index, attributions[index]) and index - 1 not in sources_by_sentence:
                sources_by_sentence[index - 1] = src
    for event in analysis.events:
        index = analysis.sentences.index(event.span)
        src = sources_by_sentence.get(index)
        cue = cue_by_sentence.get(index)
        if cue == "no_comment":
            event.modality = "no_comment"
            if event.subtype is None and event.type == "OTHER":
                event.subtype = "no_comment"
        elif cue == "unconfirmed":
            event.modality = "unconfirmed"
        if src is None:
            src = Source("organization", outlet, None, False, None, None, None) if outlet else Source("organization", None)
        src = Source(src.kind, src.name, src.affiliation, src.anonymous, None, src.text, src.span)
        src.reliability = reliability(src, outlet)
        event.source = src
        event.credibility = credibility(event)


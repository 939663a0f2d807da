"""Cheap relevance screening: which sentences are worth parsing.

Parsing is most of the cost, and most news is not about force posture. One
pass over the document's words, with set look-ups only (no model, no large
regular expression), finds three kinds of cue:

- force cues: military units, equipment from the catalogue, bases, armed groups,
  movement verbs (withdraw, deploy, took off, anchored ...);
- event cues: every trigger word of the lexicon (data/triggers.yaml) in its
  inflected forms;
- actor cues: countries, demonyms, capitals and armed groups (data/actors.yaml).

A sentence is parsed when it holds a force cue, or an event cue together with
an actor cue (a political event between states: "Greece demanded that ...").
Its neighbours are parsed too when they add something the coder reads across
sentences: an attribution ("Officials told Reuters.") or a sentence opening with
a pronoun or "the convoy" that refers back. Everything else (local news, sport,
business) is never parsed, and a document with nothing to parse skips every
later step.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from forcewatch.records import Analysis

# Force cues: exact words, word beginnings (stems) and two-word phrases, lower case.
FORCE_WORDS = {
    "troop", "troops", "soldier", "soldiers", "servicemen", "forces", "military", "militarily", "army", "armies",
    "navy", "naval", "fleet", "fleets", "marines", "airbase", "airbases", "airfield", "airfields", "airstrip", "bases",
    "garrison", "garrisons", "barracks", "outpost", "outposts", "frontline", "frontlines", "convoy", "convoys",
    "frigate", "frigates", "warship", "warships", "destroyer", "destroyers", "corvette", "corvettes", "submarine",
    "submarines", "tanker", "tankers", "vessel", "vessels", "ship", "ships", "aircraft", "plane", "planes", "warplane",
    "warplanes", "helicopter", "helicopters", "gunship", "gunships", "drone", "drones", "uav", "uavs", "missile",
    "missiles", "artillery", "howitzer", "howitzers", "bomber", "bombers", "fighters", "presence", "stationed",
    "airstrike", "airstrikes", "shelling", "invasion", "offensive", "ceasefire", "truce", "insurgent", "insurgents",
    "militant", "militants", "rebel", "rebels", "jihadist", "jihadists", "militia", "militias", "junta", "pentagon",
    "kremlin", "nato", "sortie", "sorties", "airlift", "airlifted", "airlifts",
    "mercenary", "mercenaries", "pantsir", "iskander", "kalibr", "bayraktar", "shahed", "himars", "kinzhal",
    "ruslan", "hercules", "globemaster", "peacekeepers", "peacekeeping",
    "brigade", "brigades", "battalion", "battalions", "regiment", "regiments",
    "anchorage", "berthed", "docked", "moored", "anchored", "sailed", "landed", "grounded", "squadron", "squadrons",
    # whole words where a stem would also catch everyday words ("department", "transition", "Moore")
    "depart", "departs", "departed", "departing", "departure", "departures", "mooring",
    "transit", "transits", "transited", "transiting",
}
FORCE_STEMS = ("withdr", "retreat", "evacuat", "deploy", "redeploy", "reinforc", "mobilis", "mobiliz", "militar",
               "mercenar", "arriv", "anchor", "berth", "garrison", "peacekeep",
               "demobili", "disengag", "airlift", "sealift", "invad", "bombard")
FORCE_PHRASES = {
    ("took", "off"), ("take", "off"), ("takes", "off"), ("taken", "off"), ("taking", "off"), ("pull", "out"),
    ("pulled", "out"), ("pulling", "out"), ("pull", "back"), ("pulled", "back"), ("air", "base"), ("air", "bases"),
    ("naval", "base"), ("front", "line"), ("front", "lines"), ("air", "strike"), ("air", "strikes"),
    ("satellite", "images"), ("satellite", "imagery"), ("satellite", "photos"), ("satellite", "footage"),
    ("defence", "ministry"), ("defense", "ministry"), ("fighter", "jets"), ("fighter", "jet"), ("air", "defence"),
    ("air", "defense"), ("cargo", "plane"), ("cargo", "planes"), ("landing", "ship"), ("landing", "ships"),
    ("tanks", "and"), ("tanks", "or"), ("heavy", "equipment"), ("armoured", "vehicles"), ("armored", "vehicles"),
    ("listening", "sites"), ("listening", "posts"), ("listening", "stations"), ("radar", "station"),
    ("radar", "stations"),
}
# Model designators: An-124, Su-24, S-400, MQ-9, T-72, BMP-2, F-16, C-17, TB2 ...
DESIGNATOR = re.compile(r"^(?!mid-)[a-z]{1,4}-\d{1,3}[a-z]{0,3}s?$|^[a-z]{2,4}\d{1,3}[a-z]?s?$")
_IRREGULAR = {
    "withdraw": "withdrew withdrawn", "take": "took taken", "leave": "left", "fly": "flew flown flies",
    "send": "sent", "fight": "fought", "strike": "struck", "seek": "sought", "meet": "met", "hold": "held",
    "shoot": "shot", "freeze": "froze frozen", "cut": "cut", "bring": "brought", "begin": "began begun",
    "lead": "led", "give": "gave given", "drive": "drove driven", "keep": "kept", "deal": "dealt", "sit": "sat",
    "draw": "drew drawn", "lie": "lay lain", "break": "broke broken", "blow": "blew blown", "set": "set",
    "beat": "beaten", "ride": "rode ridden", "lay": "laid", "quit": "quit", "rise": "rose risen",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’.-]*[A-Za-z0-9]|[A-Za-z]")


def forms(word: str) -> set[str]:
    """A lemma and its inflections: arrive -> arrive, arrives, arrived, arriving, arrival ..."""
    w = word.lower()
    out = {w, w + "s", w + "es", w + "ed", w + "d", w + "ing", w + "ings"}
    if w.endswith("e"):
        out |= {w[:-1] + "ing", w[:-1] + "ings"}
    if w.endswith("y") and len(w) > 2 and w[-2] not in "aeiou":
        out |= {w[:-1] + "ies", w[:-1] + "ied"}
    if len(w) >= 3 and w[-1] in "bdgmnprt" and w[-2] in "aeiou" and w[-3] not in "aeiou":
        out |= {w + w[-1] + "ed", w + w[-1] + "ing"}
    out |= set(_IRREGULAR.get(w, "").split())
    return out


@lru_cache(maxsize=1)
def vocabulary() -> tuple[set[str], dict[str, set[str]], set[str], dict[str, set[tuple[str, ...]]], set[str]]:
    """(event words, event phrase first words -> last words, actor words, actor phrases by first word,
    abbreviations that count only in capitals)."""
    from forcewatch.extract.events import actor_table, lexicon

    event: set[str] = set()
    phrases: dict[str, set[str]] = {}
    for entry in lexicon().words_and_phrases():
        parts = entry.lower().split()
        if len(parts) == 1:
            event |= forms(parts[0])
        else:
            for f in forms(parts[0]):
                phrases.setdefault(f, set()).add(parts[-1])
    actor: set[str] = set()
    actor_phrases: dict[str, set[tuple[str, ...]]] = {}
    abbreviations: set[str] = set()
    for name in actor_table():
        parts = name.lower().split()
        if len(parts) == 1:
            if len(name.replace(".", "")) <= 3:
                abbreviations.add(name.upper())
            else:
                actor.add(parts[0])
                actor |= {parts[0] + e for e in ("n", "an", "ian", "ese", "i", "s", "ns", "ans", "ians")}
        else:
            actor_phrases.setdefault(parts[0], set()).add(tuple(parts[1:]))
    return event, phrases, actor, actor_phrases, abbreviations


_ATTRIBUTION = re.compile(r"\b(?:said|says|told|according to|reported|added|confirmed|showed|shows|saw)\b", re.I)
_PRONOUN_START = re.compile(r"\W*(?:It|They|He|She|The (?:convoy|ships?|planes?|aircraft|troops|forces|base|facility|"
                            r"vessels?|fleet|ministry|sources?|officials?))\b")


def cues(text: str, sentences: list[tuple[int, int]]) -> tuple[set[int], set[int], set[int]]:
    """Sentence indexes holding (force cues, event cues, actor cues), from one pass over the words."""
    event, phrases, actor, actor_phrases, abbreviations = vocabulary()
    starts = [s for s, _ in sentences]
    words = [(m.group(), m.start()) for m in _WORD.finditer(text)]
    lows = [w.lower().strip(".") for w, _ in words]
    force_s: set[int] = set()
    event_s: set[int] = set()
    actor_s: set[int] = set()
    for k, (low, (word, start)) in enumerate(zip(lows, words)):
        nxt = lows[k + 1] if k + 1 < len(lows) else ""
        f = (low in FORCE_WORDS or low.startswith(FORCE_STEMS) or (low, nxt) in FORCE_PHRASES
             or (any(ch.isdigit() for ch in low) and DESIGNATOR.match(low)))
        e = low in event or (low in phrases and (nxt in phrases[low] or
                                                 (k + 2 < len(lows) and lows[k + 2] in phrases[low])))
        a = low in actor or word.strip(".") in abbreviations or word in abbreviations or (
            low in actor_phrases and any(tuple(lows[k + 1:k + 1 + len(p)]) == p for p in actor_phrases[low]))
        if f or e or a:
            i = bisect_right(starts, start) - 1
            if i < 0:
                continue
            if f:
                force_s.add(i)
            if e:
                event_s.add(i)
            if a:
                actor_s.add(i)
    return force_s, event_s, actor_s


def screen(analysis: Analysis) -> list[int]:
    """Indexes of the sentences to parse, in order."""
    text = analysis.document.text
    sentences = analysis.sentences
    if not sentences:
        return []
    force, events, actors = cues(text, sentences)
    keep = set(force) | (events & actors)
    if not force:
        # Most documents: no military word at all; only state-to-state events can still matter.
        return sorted(keep)
    for i in list(keep):
        for j in (i - 1, i + 1):
            if 0 <= j < len(sentences) and j not in keep:
                s, e = sentences[j]
                if (j == i + 1 and _PRONOUN_START.match(text, s, e)) or (
                        j in actors and _ATTRIBUTION.search(text, s, e)) or (e - s < 80 and _ATTRIBUTION.search(text, s, e)):
                    keep.add(j)
    return sorted(keep)

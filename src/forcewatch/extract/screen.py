"""Cheap relevance screening: which documents are on topic, and which of their sentences to parse.

Parsing is most of the cost, and most news is not about force posture. One
pass over the document's words, with set look-ups only (no model, no large
regular expression), finds these cues:

- force cues: military units, equipment from the catalogue, bases, armed groups
  as written, movement verbs (withdraw, deploy, took off, anchored ...). Some of
  them are everyday words as often as military ones ("plane", "arrived",
  "forces", "presence"): these are weak cues; the others are strong;
- watched sites (data/sites.yaml and the user's sites files): a name of two
  words or more is a strong cue, a one-word name a weak one ("Engels");
- event cues: every trigger word of the lexicon (data/triggers.yaml) in its
  inflected forms; material event cues are those of force posture (lease,
  deploy) and of fighting;
- actor cues: countries, demonyms, capitals and armed groups (data/actors.yaml).

A document is on topic when it holds a strong cue, two different weak cues in
one sentence ("the brigade deployed"), or a sentence where an actor goes with a
weak cue or a material event cue ("Russian ships anchored ...", "Israeli jets
struck ...", "Moscow was granted a lease ..."). Off-topic documents (local news,
sport, business, diplomacy with no military word) are stored but nothing in them
is parsed, so they skip every later step. ``scope="all"`` codes every document,
for users who want general political events too.

In a document with a strong cue, a sentence is parsed when it holds a force cue,
or an event cue together with an actor cue (a political event between states:
"Greece demanded that ..."); in a document on topic through weak evidence only,
just the sentences that make it so (force cues, an actor with a material event).
The neighbours of sentences with force cues are parsed too when they add
something the coder reads across sentences: an attribution ("Officials told
Reuters.") or a sentence opening with a pronoun or "the convoy" that refers back.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from forcewatch.records import Analysis, Site

if TYPE_CHECKING:
    from forcewatch.extract.events import Lexicons

# Force cues: exact words, word beginnings (stems) and two-word phrases, lower case.
# Strong cues are military words on their own.
STRONG_WORDS = {
    "troop", "troops", "soldier", "soldiers", "servicemen", "military", "militarily", "army", "armies",
    "navy", "naval", "marines", "airbase", "airbases", "airfield", "airfields", "airstrip",
    "garrison", "garrisons", "barracks", "convoy", "convoys",
    "frigate", "frigates", "warship", "warships", "destroyer", "destroyers", "corvette", "corvettes", "submarine",
    "submarines", "warplane", "warplanes", "gunship", "gunships", "uav", "uavs",
    "missile", "missiles", "artillery", "howitzer", "howitzers", "bomber", "bombers",
    "airstrike", "airstrikes", "shelling", "invasion", "ceasefire", "truce", "insurgent",
    "insurgents", "militant", "militants", "rebel", "rebels", "jihadist", "jihadists", "militia", "militias", "junta",
    "pentagon", "kremlin", "nato", "sortie", "sorties",
    "mercenary", "mercenaries", "pantsir", "iskander", "kalibr", "bayraktar", "shahed", "himars", "kinzhal",
    "ruslan", "globemaster", "peacekeepers", "peacekeeping",
    "battalion", "battalions", "regiment", "regiments",
    "anchorage", "berthed", "moored", "anchored", "squadron", "squadrons", "reconnaissance", "mooring", "wargames",
}
STRONG_STEMS = ("militar", "mercenar", "garrison", "peacekeep", "demobili", "sealift")
STRONG_PHRASES = {
    ("air", "base"), ("air", "bases"), ("naval", "base"), ("air", "strike"), ("air", "strikes"),
    ("defence", "ministry"), ("defense", "ministry"), ("fighter", "jets"), ("fighter", "jet"), ("air", "defence"),
    ("air", "defense"), ("landing", "ship"), ("landing", "ships"), ("armoured", "vehicles"), ("armored", "vehicles"),
    ("listening", "sites"), ("listening", "posts"), ("listening", "stations"), ("radar", "station"),
    ("radar", "stations"), ("aircraft", "carrier"), ("aircraft", "carriers"), ("carrier", "group"),
    ("strike", "group"), ("spy", "plane"), ("spy", "planes"), ("drone", "strike"), ("drone", "strikes"),
    ("drone", "attack"), ("drone", "attacks"), ("missile", "strike"), ("missile", "strikes"), ("combat", "readiness"),
    ("joint", "exercise"), ("joint", "exercises"), ("war", "games"),
}
# Weak cues: as common in everyday news as in military reports ("the plane arrived", "police forces",
# "fire brigade", "bases loaded", "satellite images of the storm"). They pick sentences in an on-topic
# document; alone they make it on topic only next to an actor, or with a weak cue of another word.
WEAK_WORDS = {
    "forces", "base", "bases", "fleet", "fleets", "outpost", "outposts", "frontline", "frontlines", "tanker", "tankers",
    "vessel", "vessels", "ship", "ships", "aircraft", "plane", "planes", "jet", "jets", "helicopter", "helicopters",
    "drone", "drones", "fighters", "presence", "stationed", "offensive", "hercules",
    "brigade", "brigades", "docked", "sailed", "landed", "grounded", "truck", "trucks", "column", "columns",
    "surveillance", "port", "ports", "carrier", "carriers", "explosion", "explosions", "blasts", "ammunition",
    "munitions", "tarmac",
    # whole words where a stem would also catch everyday words ("department", "transition")
    "depart", "departs", "departed", "departing", "departure", "departures", "transit", "transits", "transited",
    "transiting",
}
WEAK_STEMS = ("withdr", "retreat", "evacuat", "deploy", "redeploy", "reinforc", "mobilis", "mobiliz", "arriv",
              "disengag", "airlift", "invad", "bombard", "anchor", "berth")
WEAK_PHRASES = {
    ("took", "off"), ("take", "off"), ("takes", "off"), ("taken", "off"), ("taking", "off"), ("pull", "out"),
    ("pulled", "out"), ("pulling", "out"), ("pull", "back"), ("pulled", "back"), ("front", "line"), ("front", "lines"),
    ("satellite", "images"), ("satellite", "imagery"), ("satellite", "photos"), ("satellite", "footage"),
    ("cargo", "plane"), ("cargo", "planes"), ("tanks", "and"), ("tanks", "or"), ("heavy", "equipment"),
}
FORCE_WORDS = STRONG_WORDS | WEAK_WORDS
FORCE_STEMS = STRONG_STEMS + WEAK_STEMS
FORCE_PHRASES = STRONG_PHRASES | WEAK_PHRASES
# Events that put a document on topic with an actor even without a military word ("Israeli jets struck"):
# fighting; arrests, bans and threats are everyday news too and need a force cue.
CONFLICT_TYPES = {"ASSAULT"}
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
_POSSESSIVE = re.compile(r"['’]s$")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*[^\W_]|[^\W\d_]")  # letters of any script: "Türkiye" is one word


def forms(word: str) -> set[str]:
    """A lemma and its inflections: arrive -> arrive, arrives, arrived, arriving, arrival ..."""
    w = word.lower()
    out = {w, w + "s"}
    if w.endswith(("s", "x", "z", "ch", "sh", "o")):
        out.add(w + "es")
    if w.endswith("e"):
        out |= {w + "d", w[:-1] + "ing", w[:-1] + "ings"} if not w.endswith("ee") else {w + "d", w + "ing"}
    else:
        out |= {w + "ed", w + "ing", w + "ings"}
    if w.endswith("y") and len(w) > 2 and w[-2] not in "aeiou":
        out |= {w[:-1] + "ies", w[:-1] + "ied"}
    if len(w) >= 3 and w[-1] in "bdgmnprt" and w[-2] in "aeiou" and w[-3] not in "aeiou":
        out |= {w + w[-1] + "ed", w + w[-1] + "ing"}
    out |= set(_IRREGULAR.get(w, "").split())
    return out


class Vocabulary(NamedTuple):
    event: set[str]  # trigger words in their inflected forms
    event_phrases: dict[str, set[str]]  # first word of a multi-word trigger -> its possible last words
    material: set[str]  # trigger words of force posture (lease, deploy) and of fighting
    actor: set[str]
    actor_phrases: dict[str, set[tuple[str, ...]]]  # first word -> the words after it
    abbreviations: set[str]  # actor abbreviations that count only in capitals (US, UN)
    armed: dict[str, set[tuple[str, ...]]]  # armed groups' names: first word -> the words after it
    sites: dict[str, set[tuple[str, ...]]]  # watched sites' names of two words or more, likewise
    site_words: set[str]  # one-word site names ("Khmeimim", but also "Engels"): weak cues
    designators: re.Pattern  # model designators of the equipment catalogue (An-124, S-400)


def build_vocabulary(lexicons: Lexicons, watched: Iterable[Site]) -> Vocabulary:
    """The screen's word lists, from the trigger lexicon, the actors, the sites and the equipment catalogue."""
    lex = lexicons.triggers
    event: set[str] = set()
    phrases: dict[str, set[str]] = {}
    for entry in lex.words_and_phrases():
        parts = entry.lower().split()
        if len(parts) == 1:
            event |= forms(parts[0])
        else:
            for f in forms(parts[0]):
                phrases.setdefault(f, set()).add(parts[-1])
    for word in lexicons.observation_words():
        event |= forms(word)
    material: set[str] = set()
    for words in (lex.verbs, lex.nouns):
        for word, sense in words.items():
            if (sense.subtype or sense.type in CONFLICT_TYPES) and not sense.military:
                material |= forms(word)
    actor: set[str] = set()
    actor_phrases: dict[str, set[tuple[str, ...]]] = {}
    abbreviations: set[str] = set()
    armed: dict[str, set[tuple[str, ...]]] = {}
    for name, entry in lexicons.actors.items():
        parts = _parts(name)
        if entry.armed:
            armed.setdefault(parts[0], set()).add(tuple(parts[1:]))
        if len(parts) == 1:
            if len(name.replace(".", "")) <= 3:
                abbreviations.add(name.upper())
            else:
                actor.add(parts[0])
                actor |= {parts[0] + e for e in ("n", "an", "ian", "ese", "i", "s", "ns", "ans", "ians")}
        else:
            actor_phrases.setdefault(parts[0], set()).add(tuple(parts[1:]))
    sites: dict[str, set[tuple[str, ...]]] = {}
    site_words: set[str] = set()
    for site in watched:
        for name in (site.name, *site.aliases):
            parts = _parts(name)
            if len(parts) > 1:
                sites.setdefault(parts[0], set()).add(tuple(parts[1:]))
            elif parts:
                site_words.add(parts[0])
    named = [p for pattern, entry in lexicons.equipment if not entry.get("generic") for p in entry["patterns"]]
    designators = re.compile("|".join(f"(?:{p})" for p in named), re.IGNORECASE)
    return Vocabulary(event, phrases, material, actor, actor_phrases, abbreviations, armed, sites, site_words,
                      designators)


def _parts(name: str) -> list[str]:
    """A name's words as the screen compares them ("People's" -> "people")."""
    return [_POSSESSIVE.sub("", w.lower().strip(".")) for w in _WORD.findall(name)]


_ATTRIBUTION = re.compile(r"\b(?:said|says|told|according to|reported|added|confirmed|showed|shows|saw)\b", re.I)
_PRONOUN_START = re.compile(r"\W*(?:It|They|He|She|The (?:convoy|ships?|planes?|aircraft|troops|forces|base|facility|"
                            r"vessels?|fleet|ministry|sources?|officials?|exercises?|drills?|operation|deployment|"
                            r"withdrawal|strikes?|attacks?))\b")


class Cues(NamedTuple):
    """Sentence indexes holding each kind of cue."""

    force: set[int]  # any force cue, weak or strong
    strong: set[int]  # a strong force cue, an armed group, a watched site, or two different weak cues
    event: set[int]
    material: set[int]  # a trigger of force posture or fighting
    actor: set[int]

    def on_topic(self) -> bool:
        """A strong cue anywhere, or an actor with a weak force cue or a material event in one sentence."""
        return bool(self.strong or self.actor & (self.force | self.material))


def _follows(words: list[str], k: int, tails: set[tuple[str, ...]]) -> bool:
    """Whether one of ``tails`` follows word k ("air base" after "Hmeimim"); an empty tail always does."""
    return any(tuple(words[k + 1:k + 1 + len(t)]) == t for t in tails)


_FORCE, _STRONG, _DESIGNATOR, _EVENT, _MATERIAL, _ACTOR, _HEAD = (1 << n for n in range(7))
_FORCE_HEADS = {first for first, _ in FORCE_PHRASES}


def _word(v: Vocabulary, word: str) -> tuple[str, int, str]:
    """A word as the screen compares it (lower case, no possessive), what it can be on its own, and,
    for a weak cue, the word it counts as ("ships" and "ship" are one cue, not two). _HEAD marks the
    first word of a phrase, checked against the words after it."""
    low = _POSSESSIVE.sub("", word.lower().strip("."))
    designator = not low.isalpha() and any(ch.isdigit() for ch in low) and DESIGNATOR.match(low)
    # An armed group's one-word name counts as written: "Wagner", "HTS" (not the composer, not "hts").
    armed = () in v.armed.get(low, ()) and (word.isupper() if len(low) <= 4 else word[:1].isupper())
    flags = 0
    if low in FORCE_WORDS or low.startswith(FORCE_STEMS) or designator or low in v.site_words:
        flags |= _FORCE
    if (low in STRONG_WORDS or low.startswith(STRONG_STEMS) or armed
            or (designator and v.designators.fullmatch(low))):
        flags |= _STRONG
    if designator:
        flags |= _DESIGNATOR
    if low in v.event:
        flags |= _EVENT | (_MATERIAL if low in v.material else 0)
    if low in v.actor or word.strip(".") in v.abbreviations or word in v.abbreviations:
        flags |= _ACTOR
    if low in _FORCE_HEADS or low in v.event_phrases or low in v.actor_phrases or low in v.sites or low in v.armed:
        flags |= _HEAD
    return low, flags, _weak_key(low)


def _weak_key(low: str) -> str:
    if low.startswith(WEAK_STEMS):  # one call for the tuple first: most words have none of them
        return next(st for st in WEAK_STEMS if low.startswith(st))
    return low[:-1] if low.endswith("s") and low[:-1] in WEAK_WORDS else low


class Screen:
    """The screen of one configuration: its word lists, and what each word is, worked out once."""

    MAX_WORDS = 1 << 16  # words remembered; a stream of new words clears the memory, not the process

    def __init__(self, lexicons: Lexicons, sites: Iterable[Site]):
        self.vocabulary = build_vocabulary(lexicons, sites)
        self._words: dict[str, tuple[str, int, str]] = {}

    def word(self, word: str) -> tuple[str, int, str]:
        found = self._words.get(word)
        if found is None:
            if len(self._words) >= self.MAX_WORDS:
                self._words.clear()
            found = self._words[word] = _word(self.vocabulary, word)
        return found

    def cues(self, text: str, sentences: list[tuple[int, int]]) -> Cues:
        return cues(self, text, sentences)

    def __call__(self, analysis: Analysis, scope: str = "force") -> list[int]:
        return screen(self, analysis, scope)


def cues(screener: Screen, text: str, sentences: list[tuple[int, int]]) -> Cues:
    """Which sentences hold which cues, from one pass over the words."""
    v = screener.vocabulary
    starts = [s for s, _ in sentences]
    matches = list(_WORD.finditer(text))
    words = [screener.word(m.group()) for m in matches]
    lows = [low for low, _, _ in words]
    found = Cues(set(), set(), set(), set(), set())
    weak: dict[int, set[str]] = {}
    for k, (low, flags, key) in enumerate(words):
        if not flags:
            continue
        force, strong, event, actor = flags & _FORCE, flags & _STRONG, flags & _EVENT, flags & _ACTOR
        if flags & _HEAD:
            nxt = lows[k + 1] if k + 1 < len(lows) else ""
            if (low, nxt) in FORCE_PHRASES:
                force = True
                strong = strong or (low, nxt) in STRONG_PHRASES
                key = _weak_key(nxt)  # "cargo planes" is one cue with "planes"
            strong = strong or any(low in names and _follows(lows, k, names[low] - {()})
                                   for names in (v.sites, v.armed))
            event = event or (low in v.event_phrases and (
                nxt in v.event_phrases[low] or (k + 2 < len(lows) and lows[k + 2] in v.event_phrases[low])))
            actor = actor or (low in v.actor_phrases and _follows(lows, k, v.actor_phrases[low]))
        if force or strong or event or actor:
            i = bisect_right(starts, matches[k].start()) - 1
            if i < 0:
                continue
            for kind, hit in zip(found, (force or strong, strong, event, event and flags & _MATERIAL, actor)):
                if hit:
                    kind.add(i)
            if force and not strong and not flags & _DESIGNATOR:  # "K-12 ... I-95" is no military report
                weak.setdefault(i, set()).add(key)
    found.strong.update(i for i, keys in weak.items() if len(keys) > 1)  # "the brigade deployed"
    return found


def screen(screener: Screen, analysis: Analysis, scope: str = "force") -> list[int]:
    """Indexes of the sentences to parse, in order: none for an off-topic document unless
    ``scope`` is "all"."""
    text = analysis.document.text
    sentences = analysis.sentences
    if not sentences:
        return []
    found = cues(screener, text, sentences)
    if scope == "all" or found.strong:
        keep = found.force | (found.event & found.actor)
    elif found.on_topic():
        # Weak military evidence only (a "Canadian plane" in a story about something else): code
        # around it, not every political event of an article that is mostly about other things.
        keep = found.force | (found.actor & found.material)
    else:
        return []
    if not found.force and scope != "all":
        return sorted(keep)  # on topic through an actor and a material event alone: no context to add
    # Cross-sentence context (an attribution, a sentence referring back) is read for the military
    # sentences; for political events too when every event is wanted.
    for i in sorted(keep if scope == "all" else found.force & keep):
        for j in (i - 1, i + 1):
            if 0 <= j < len(sentences) and j not in keep:
                s, e = sentences[j]
                if (j == i + 1 and _PRONOUN_START.match(text, s, e)) or (
                        (j in found.actor or e - s < 80) and _ATTRIBUTION.search(text, s, e)):
                    keep.add(j)
    return sorted(keep)

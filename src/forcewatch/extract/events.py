"""The event coder: triggers in the dependency parse become Event records.

A trigger is a verb or a noun from the packaged lexicon (data/triggers.yaml;
docs/ontology.md lists it with examples), or a verb whose meaning depends on
its object ("leave its bases", "granted a lease", "sending cargo planes
through"). For each trigger the coder reads from the parse who acts (subject,
agent, possessor or nationality adjective), on whom (object or
with/against/to phrase), with what equipment, and the grammatical modality of
the clause (negated, future, hedged).

One occurrence is one event: triggers of the same type in one clause ("took
off ... heading to Libya", "a convoy ... could be seen heading") merge into a
single event whose subtype is the most specific one. Triggers inside a
source's description ("an official stationed outside the facility said")
are not events, nor are hyphenated modifiers ("Istanbul-based") or requests
for comment. A light document coreference fills actors: pronouns and
relative pronouns take their antecedent, and a movement without a stated
actor takes the actor of the document's other movements.

Places, dates and sources are left to later stages, which read them from the
mentions found in the same sentence.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.data import load_yaml, packaged
from forcewatch.extract.attribution import PERCEPTION
from forcewatch.extract.equipment import Catalogue, find_equipment
from forcewatch.extract.modality import grammatical
from forcewatch.extract.nlp import ParsedSentence, token_at
from forcewatch.lexicon import SKIPPED_SPEAKER_LABELS
from forcewatch.records import Actor, Analysis, Equipment, Event, Mention

MOVEMENT = ("MOBILIZE", "RETREAT")
# Verbs coded by their arguments (see _contextual) that the screen must also look for; "have",
# "keep" and "see" are left out: they only count next to military words, which the screen finds anyway.
CONTEXTUAL_SCREEN = {"leave", "send", "ship", "move", "transfer", "grant", "establish", "return", "fire", "open fire", "head"}
# When several movement triggers of one clause merge, the most specific subtype wins.
SUBTYPE_PRIORITY = ("withdraw", "depart", "arrive", "anchor", "load", "basing", "deploy", "transit", "presence", None)

MILITARY_CONTEXT = re.compile(
    r"\b(?:base|bases|forces?|troops|soldiers|military|militaries|army|armies|navy|navies|naval|fleet|aircraft|planes?|ships?|vessels?|"
    r"frigates?|destroyers?|warships?|submarines?|equipment|convoy|officers|personnel|jets?|helicopters?|drones?|"
    r"vehicles?|tanks?|units?|facility|positions?|brigades?|battalions?|regiments?|divisions?|missiles?|"
    r"artillery|mercenar(?:y|ies)|marines|garrison|airfield|airbase|air base|port|harbou?r|fighters|militants|"
    r"rebels|insurgents|police|peacekeepers|air defen[cs]es?|bombers?|carrier|radars?|outposts?|contingents?|checkpoints?|listening (?:posts?|sites?|stations?)|"
    r"depots?|arsenals?|ammunition|munitions)\b",
    re.I,
)
# Verbs that carry a noun trigger as their object without adding meaning of their own.
LIGHT_VERBS = {"hold", "carry", "conduct", "launch", "stage", "make", "begin", "start", "continue", "prepare",
               "complete", "undertake", "mount", "give", "have", "go", "resume", "step", "order", "announce",
               "finish", "speed", "accelerate", "see", "show", "plan", "form", "forge", "reach", "strike",
               "sign", "seal", "issue", "deliver", "set"}
# Verbs whose object names the event ("launch an offensive", "file a complaint").
OBJECT_EVENT_VERBS = LIGHT_VERBS | {"engage", "open", "lodge", "file", "impose", "declare"}
# Heads of a noun event whose own actor is the noun's ("Russia held talks", "calls for a ceasefire").
ACTOR_CARRIERS = LIGHT_VERBS | {"for", "in"}
ORG_HEADS = {"ministry", "fleet", "navy", "army", "government", "parliament", "police", "air force", "guard",
             "forces", "military", "command", "coast guard", "embassy", "administration", "authorities", "cabinet",
             "court", "council", "intelligence", "regime", "opposition", "rebels", "leadership", "senate", "congress",
             "assembly", "party", "officials", "diplomats", "president", "minister", "troops", "soldiers"}
# Heads whose nationality is simply the country: "Russian soldiers" -> Russia.
COUNTRY_HEADS = {"troops", "soldiers", "forces", "military", "officials", "diplomats", "servicemen", "personnel",
                 "planes", "aircraft", "ships", "warships", "jets", "convoy", "source", "sources", "side", "state",
                 "authorities", "people", "units"}
NON_STATE = re.compile(
    r"\b(?:opposition|rebels?|insurgents?|militants?|militias?|interim administration|new rulers|jihadists?|"
    r"protesters|demonstrators|separatists|guerrillas?|gunmen|fighters|mercenar(?:y|ies)|junta|police|"
    r"prisoners|workers|students)\b",
    re.I,
)


# --------------------------------------------------------------------------- lexicon


@dataclass(frozen=True)
class Sense:
    type: str
    subtype: str | None
    military: bool  # needs military context in the sentence


@dataclass
class Lexicon:
    verbs: dict[str, Sense] = field(default_factory=dict)
    nouns: dict[str, Sense] = field(default_factory=dict)
    verb_phrases: dict[tuple[str, str], Sense] = field(default_factory=dict)
    noun_phrases: dict[tuple[str, str], Sense] = field(default_factory=dict)

    phrases: list[str] = field(default_factory=list)

    def words_and_phrases(self) -> list[str]:
        """Every single-word trigger and every multi-word trigger as written, for the screen."""
        return sorted(set(self.verbs) | set(self.nouns) | set(self.phrases) | CONTEXTUAL_SCREEN)


def build_lexicon(groups: list[dict]) -> Lexicon:
    """The trigger lexicon from groups as in data/triggers.yaml (first group naming a lemma wins)."""
    lex = Lexicon()
    for g in groups:
        military = set(g.get("military") or [])
        for kind, single, multi in (("verbs", lex.verbs, lex.verb_phrases), ("nouns", lex.nouns, lex.noun_phrases)):
            for word in g.get(kind) or []:
                sense = Sense(g["type"], g.get("subtype"), word in military)
                parts = word.lower().split()
                if len(parts) == 1:
                    single.setdefault(parts[0], sense)
                else:
                    multi.setdefault((parts[0], parts[-1]), sense)
                    lex.phrases.append(" ".join(parts))
    return lex


# --------------------------------------------------------------------------- actors


@dataclass(frozen=True)
class ActorWord:
    code: str | None
    name: str  # the actor's name when this word stands alone
    adjective: str | None
    group: bool
    armed: bool = False  # an armed group: its name alone puts a document on topic


def build_actor_table(data: dict) -> dict[str, ActorWord]:
    """Lower-cased word or phrase -> ActorWord, from pycountry and ``data`` (as data/actors.yaml)."""
    import pycountry

    table: dict[str, ActorWord] = {}
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        for w in {c.name, name}:
            table.setdefault(w.lower(), ActorWord(c.alpha_3, name, None, False))
    for code, words in data["countries"].items():
        adjective = words[1] if len(words) > 1 else None
        for w in words:
            table[w.lower()] = ActorWord(code, words[0], adjective, False)
    for name, g in data["groups"].items():
        for w in g["words"]:
            armed = g.get("armed")
            table[w.lower()] = ActorWord(g.get("country"), name, None, True, armed is True or w in (armed or ()))
    return table


NAME_LABELS = {"ORG", "LAW", "FAC", "PRODUCT", "WORK_OF_ART"}


@dataclass(frozen=True)
class SenseRule:
    """One use of trigger words that is not the lexicon's event (data/senses.yaml explains the form)."""

    name: str
    lemmas: frozenset[str]
    pos: str | None
    when: dict
    then: tuple[str, str | None] | None  # None: not an event
    example: str = ""
    counter: str = ""

    @classmethod
    def from_data(cls, d: dict) -> SenseRule:
        unknown = set(d.get("when") or {}) - set(_CONDITIONS)
        if unknown:
            raise ValueError(f"sense rule {d.get('name')!r}: unknown condition(s) {', '.join(sorted(unknown))}")
        then = None if d["then"] == "none" else tuple((d["then"].split("/") + [None])[:2])
        when = {k: re.compile(v, re.I) if k in ("object", "arguments", "next", "before", "sentence") else v
                for k, v in d["when"].items()}
        return cls(d["name"], frozenset(d["lemmas"]), d.get("pos"), when, then, d.get("example", ""), d.get("not", ""))

    def applies(self, cand: Candidate) -> bool:
        tok = cand.tok
        if "*" not in self.lemmas and tok.lemma_.lower() not in self.lemmas:
            return False
        if self.pos is not None and cand.noun != (self.pos == "NOUN"):
            return False
        return all(_CONDITIONS[k](cand, v) for k, v in self.when.items())


def _object_words(cand: Candidate) -> str:
    return " ".join(t.text for c in cand.tok.children if c.dep_ in ("dobj", "nsubjpass") for t in c.subtree)


def _governed(tok, lemmas) -> bool:
    """Whether the trigger completes one of these words ("able to deploy", "capable of launching"),
    not a clause they report ("not able to confirm whether the carrier had left"). A verb joined by
    "and" to one that completes them completes them too ("able to conduct missions and support")."""
    head = tok
    while head.dep_ == "conj" and head.head.i != head.i:
        head = head.head
    for _ in range(2):
        if head.head.i == head.i or head.dep_ not in ("xcomp", "pcomp", "pobj", "prep", "acl"):
            return False
        head = head.head
        if head.lemma_.lower() in lemmas:
            return True
    return False


def _in_name(tok) -> bool:
    """A word of a longer name: an organisation, law or facility the recogniser found, or a chain of
    capitalised nouns inside an ordinary sentence ("the Mutual Defense Treaty"; not in a headline)."""
    if any(e.start <= tok.i < e.end and e.label_ in NAME_LABELS and len(e) > 1 for e in tok.doc.ents):
        return True
    words = [t for t in tok.sent if t.is_alpha]
    headline = sum(t.is_title for t in words) > 0.6 * len(words)
    chained = any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in tok.children) or (
        tok.dep_ == "compound" and tok.head.pos_ == "PROPN")
    return tok.pos_ == "PROPN" and chained and not headline


_CONDITIONS = {
    "object": lambda c, rx: bool(rx.search(_object_words(c))),
    "arguments": lambda c, rx: bool(rx.search(f"{_subject_text(c.tok)} {_object_words(c)}")),
    "next": lambda c, rx: bool(rx.search(c.end.doc.text[c.end.idx + len(c.end):])),
    "before": lambda c, rx: bool(rx.search(c.tok.doc.text[max(0, c.tok.idx - 40):c.tok.idx])),
    "aux": lambda c, words: any(ch.dep_ in ("aux", "auxpass") and ch.lower_ in words for ch in c.tok.children) or (
        c.tok.dep_ == "conj" and any(ch.dep_ == "aux" and ch.lower_ in words for ch in c.tok.head.children)),
    "governed": lambda c, lemmas: _governed(c.tok, set(lemmas)),
    "in_name": lambda c, flag: _in_name(c.tok) == flag,
    "military": lambda c, flag: _military(c.tok) == flag,
    "dep": lambda c, labels: c.tok.dep_ in labels,
    "tag": lambda c, tags: c.tok.tag_ in tags,
    "sentence": lambda c, rx: bool(rx.search(c.tok.sent.text)),
}


@dataclass
class Observation:
    """An act stated without an action verb (data/observations.yaml): a Matcher pattern and what it means."""

    name: str
    pattern: list[dict]
    head: int
    then: tuple[str, str | None]
    needs: str | None = None
    screen: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, d: dict) -> Observation:
        kind, _, subtype = d["then"].partition("/")
        return cls(d["name"], d["pattern"], int(d.get("head", 0)), (kind, subtype or None), d.get("needs"),
                   tuple(d.get("screen") or ()))

    def satisfied(self, tok, equipment: list[Equipment]) -> bool:
        if self.needs is None:
            return True
        if self.needs in ("aircraft", "ship"):
            return any(e.category == self.needs for e in equipment)
        if self.needs == "equipment":
            return bool(equipment)
        if self.needs == "seen":  # what imagery or a witness shows: "the images show troop positions"
            node = tok
            for _ in range(4):
                if node.lemma_.lower() in PERCEPTION and node.pos_ == "VERB":
                    return True
                if node.head.i == node.i:
                    break
                node = node.head
            return False
        if self.needs == "troops":  # the armed forces are the act's agent: "joined by 3,000 soldiers"
            agent = " ".join(t.text for c in tok.children if c.dep_ in ("agent", "prep") for t in c.subtree)
            return bool(MILITARY_CONTEXT.search(agent))
        return bool(equipment) or _military(tok)


@dataclass
class Lexicons:
    """What the coder reads besides the parse: triggers, actor words, the equipment catalogue and the
    sense rules.

    Built once (the packaged data files, or a user's files of the same form) and passed in."""

    triggers: Lexicon
    actors: dict[str, ActorWord]
    equipment: Catalogue
    senses: list[SenseRule] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    _matchers: dict = field(default_factory=dict, repr=False, compare=False)  # per spaCy vocabulary

    @classmethod
    def packaged(cls) -> Lexicons:
        return cls.from_files()

    @classmethod
    def from_files(cls, triggers: Path | None = None, actors: Path | None = None,
                   equipment: Path | None = None, senses: Path | None = None,
                   observations: Path | None = None) -> Lexicons:
        """The packaged lexicons, each replaced by the user's file where one is named."""
        def read(path: Path | None, name: str):
            return load_yaml(path.read_text("utf-8")) if path else packaged(name)

        return cls(build_lexicon(read(triggers, "triggers.yaml")), build_actor_table(read(actors, "actors.yaml")),
                   Catalogue(read(equipment, "equipment.yaml")),
                   [SenseRule.from_data(d) for d in read(senses, "senses.yaml")],
                   [Observation.from_data(d) for d in read(observations, "observations.yaml")])

    def observation_words(self) -> set[str]:
        """The words that bring an observation's sentence to the coder ("tarmac", "construction")."""
        return {w.lower() for rule in self.observations for w in rule.screen}

    def observation_cues(self) -> list[list[tuple[int, frozenset[int]]]] | None:
        """For each observation pattern, the words its tokens without an operator must be: (0 for the
        lower-case form or 1 for the lemma, their spaCy hashes). A sentence holding, for no pattern,
        one of each is not run through the Matcher. None when a pattern names no such word."""
        from spacy.strings import get_string_id

        cues = []
        for rule in self.observations:
            needs = []
            for spec in rule.pattern:
                for column, attr in enumerate(("LOWER", "LEMMA")):
                    value = spec.get(attr)
                    words = [value] if isinstance(value, str) else \
                        value["IN"] if isinstance(value, dict) and list(value) == ["IN"] else None
                    if words and "OP" not in spec:
                        needs.append((column, frozenset(get_string_id(w) for w in words)))
            if not needs:
                return None
            cues.append(needs)
        return cues

    def observed(self, parsed: ParsedSentence, equipment: list[Equipment]) -> list[Candidate]:
        """Candidates for the acts the sentence states without an action verb."""
        if not self.observations:
            return []
        vocab = parsed.doc.vocab
        found = self._matchers.get(id(vocab))
        if found is None:
            from spacy.matcher import Matcher

            matcher = Matcher(vocab)
            for i, rule in enumerate(self.observations):
                matcher.add(str(i), [rule.pattern])
            found = self._matchers[id(vocab)] = (matcher, self.observation_cues())
        matcher, cues = found
        if cues is not None:
            have = [set(column) for column in parsed.doc.to_array(["LOWER", "LEMMA"]).T.tolist()]
            if not any(all(have[column] & words for column, words in needs) for needs in cues):
                return []  # no pattern can match: the Matcher, some 8 us a token, is not asked
        out = []
        for match_id, start, end in matcher(parsed.doc):
            rule = self.observations[int(vocab.strings[match_id])]
            tok = parsed.doc[start + rule.head]
            if tok.pos_ in ("ADP", "AUX") and tok.dep_ != "ROOT" and tok.head.i != tok.i:
                tok = tok.head
            if rule.satisfied(tok, equipment):
                out.append(Candidate(tok, rule.then[0], rule.then[1], parsed.doc[end - 1], tok.pos_ not in ("VERB", "AUX")))
        return out

    def sense(self, cand: Candidate) -> Candidate | None:
        """The candidate as the first sense rule that applies leaves it (None: not an event)."""
        for rule in self.senses:
            if rule.applies(cand):
                if rule.then is None:
                    return None
                return Candidate(cand.tok, rule.then[0], rule.then[1], cand.end, cand.noun)
        return cand


def _lookup(lex: Lexicons, tokens) -> tuple[int, int, ActorWord] | None:
    """The longest actor word in a token list: (start, end, entry)."""
    table = lex.actors
    for size in (3, 2, 1):
        for i in range(len(tokens) - size + 1):
            chunk = tokens[i:i + size]
            text = " ".join(t.text for t in chunk)
            low = text.lower().strip(" '’")
            if low.endswith(("'s", "’s")):
                low = low[:-2]
            entry = table.get(low)
            if entry is None and size == 1:
                entry = _demonym(lex, low)
            if entry is None:
                continue
            # Short all-capital abbreviations ("US", "UN") must be written so: "us" is a pronoun.
            raw = text.strip(" '’")
            if len(low.replace(".", "")) <= 3 and not raw[:2].isupper():
                continue
            if size == 1 and chunk[0].pos_ in ("VERB", "AUX", "ADP"):
                continue
            return i, i + size, entry
    return None


DEMONYM_ENDINGS = ("ians", "ian", "ans", "an", "ese", "ns", "n", "is", "i", "ish")


def _demonym(lex: Lexicons, low: str) -> ActorWord | None:
    """Country adjectives not listed in actors.yaml: 'Chilean' -> Chile, 'Kenyans' -> Kenya."""
    table = lex.actors
    for ending in DEMONYM_ENDINGS:
        if low.endswith(ending) and len(low) - len(ending) >= 4:
            stem = low[: -len(ending)]
            for candidate in (stem, stem + "a", stem + "e", stem + "o"):
                entry = table.get(candidate)
                if entry is not None and not entry.group:
                    return ActorWord(entry.code, entry.name, low.capitalize(), False)
    return None


def actor_of(lex: Lexicons, tokens, text: str | None = None) -> Actor | None:
    """An actor from a noun phrase: 'Russian soldiers' -> Russia, 'the Kremlin' -> Russia,
    "at least three ships in Russia's Mediterranean fleet" -> Russian Mediterranean fleet."""
    tokens = [t for t in tokens if not t.is_space]
    if not tokens:
        return None
    found = _lookup(lex, tokens)
    if found is None:
        low = " ".join(t.text for t in tokens).lower()
        m = NON_STATE.search(low)
        if m and len(tokens) <= 8:
            return Actor(name=_clean_phrase(tokens), country=None)
        return None
    i, j, entry = found
    word_tokens = tokens[i:j]
    head = word_tokens[-1]
    name = entry.name
    if not entry.group:
        # The phrase head the actor word modifies: "Russia's Mediterranean fleet", "Russian Defense Ministry".
        governor = head
        while governor.dep_ in ("poss", "case", "compound", "amod", "nmod") and governor.head != governor \
                and governor.head.pos_ in ("NOUN", "PROPN") and governor.head in tokens:
            governor = governor.head
        if governor != head:
            lemma = governor.lemma_.lower()
            text = governor.text.lower()
            if lemma in ORG_HEADS or text in ORG_HEADS:
                if text in COUNTRY_HEADS or lemma in COUNTRY_HEADS:
                    name = entry.name
                else:
                    mods = [t for t in governor.lefts if t.dep_ in ("compound", "amod", "nmod") and t.i > head.i]
                    adjective = entry.adjective or entry.name
                    name = " ".join([adjective] + [t.text for t in mods] + [governor.text])
            elif NON_STATE.search(governor.text):
                name = f"{entry.adjective or entry.name} {governor.text}"
    return Actor(name=name, country=entry.code, text=" ".join(t.text for t in tokens))


def _clean_phrase(tokens) -> str:
    """A short readable name: the phrase without determiners, numbers and relative clauses."""
    words = []
    for t in tokens:
        if t.dep_ in ("relcl", "acl", "punct", "appos") or t.lower_ in (",", "who", "which", "that", "whose"):
            break
        if t.dep_ in ("det", "nummod", "quantmod") or t.pos_ == "NUM" or t.lower_ in ("least", "at", "some"):
            continue
        words.append(t.text_with_ws)
    return "".join(words).strip() or " ".join(t.text for t in tokens)


# --------------------------------------------------------------------------- triggers


@dataclass
class Candidate:
    tok: object
    type: str
    subtype: str | None
    end: object  # last token of the trigger (particle of a phrasal verb)
    noun: bool


def _military(tok, lex: Lexicons | None = None) -> bool:
    """Whether the trigger's sentence is about armed forces: a military word, or (given the
    lexicons) catalogued equipment ("the B-52s ... were crossing the Atlantic"); read once a sentence."""
    text = tok.sent.text if tok.doc.has_annotation("SENT_START") else tok.doc.text
    if MILITARY_CONTEXT.search(text):
        return True
    if lex is None:
        return False
    seen = tok.doc.user_data.setdefault("forcewatch_equipped", {})
    if text not in seen:
        seen[text] = bool(find_equipment(text, lex.equipment))
    return seen[text]


KNOWN_TRIGGERS = "forcewatch_known_triggers"  # Doc.user_data key: trigger lemmas coded earlier in the document


def _known_referent(tok) -> bool:
    """"The exercise, scheduled to kick off next week, ...": a definite noun naming an act the
    document has already coded (in a military sentence) is that act, military words or not."""
    return any(c.dep_ == "det" and c.lower_ in ("the", "this", "that", "these") for c in tok.children) and \
        tok.lemma_.lower() in tok.doc.user_data.get(KNOWN_TRIGGERS, ())


def _is_verb(tok) -> bool:
    return tok.tag_.startswith("VB") or tok.pos_ == "VERB"


def _hyphenated(tok) -> bool:
    """A word joined by a hyphen to the next or previous one ("Istanbul-based", "anti-war")."""
    doc = tok.doc
    before = tok.i > 0 and doc[tok.i - 1].text == "-" and not doc[tok.i - 1].whitespace_
    after = tok.i + 1 < len(doc) and doc[tok.i + 1].text == "-" and not tok.whitespace_
    return before or after


def _phrase_partners(tok):
    """Words that can complete a phrasal trigger: particles, adverbs, objects, prepositions and their objects."""
    for c in tok.children:
        if c.dep_ in ("prt", "advmod", "dobj", "prep", "acomp", "compound:prt", "attr", "dative"):
            yield c
            if c.dep_ == "prep":
                yield from (g for g in c.children if g.dep_ == "pobj")
    if tok.i + 1 < len(tok.doc):
        yield tok.doc[tok.i + 1]


def _trigger(lex: Lexicons, tok) -> Candidate | None:
    """The event sense of one token, or None."""
    lemma = tok.lemma_.lower()
    low = tok.lower_
    if tok.is_punct or tok.like_num or tok.pos_ in ("DET", "PRON", "ADP", "CCONJ", "SCONJ", "PART", "NUM"):
        return None
    if _is_verb(tok) and tok.pos_ != "AUX":
        for partner in _phrase_partners(tok):
            for key in ((lemma, partner.lower_), (lemma, partner.lemma_.lower())):
                sense = lex.triggers.verb_phrases.get(key)
                if sense and (not sense.military or _military(tok, lex)):
                    end = partner if partner.i == tok.i + 1 or partner.dep_ in ("prt", "advmod") else tok
                    return Candidate(tok, sense.type, sense.subtype, end, False)
        if _hyphenated(tok):
            return None
        if lemma in OBJECT_EVENT_VERBS:
            for c in tok.children:
                obj = c if c.dep_ == "dobj" else next((g for g in c.children if g.dep_ == "pobj"), None) \
                    if c.dep_ == "prep" and c.lower_ in ("in", "out") else None
                if obj is not None and obj.pos_ in ("NOUN", "PROPN") and _trigger(lex, obj) is not None:
                    return None  # "launched an investigation": the noun is the event
            head = tok.head
            if tok.dep_ == "acl" and tok.tag_ == "VBN" and head.pos_ == "NOUN" and (
                    _trigger(lex, head) is not None or any(
                        c.dep_ == "compound" and _trigger(lex, c) is not None for c in head.children)):
                return None  # "a strike operation launched by the army": the noun it describes is the event
        contextual = _contextual(lex, tok, lemma)
        if contextual is not None:
            return Candidate(tok, contextual[0], contextual[1], tok, False) if contextual[0] else None
        sense = lex.triggers.verbs.get(lemma)
        if sense and lemma in ("seek", "press", "want", "offer", "promise", "pledge", "vow", "threaten", "agree",
                               "refuse", "decline") and any(c.dep_ == "xcomp" for c in tok.children):
            # "sought to overthrow": the infinitive is the event; intent verbs only colour its modality.
            if sense.type in ("REQUEST",):
                return None
        if sense and (not sense.military or _military(tok, lex)):
            return Candidate(tok, sense.type, sense.subtype, tok, False)
        return None
    if tok.pos_ in ("NOUN", "PROPN"):
        if tok.pos_ == "PROPN" and not (tok.is_sent_start or tok.is_title):
            return None
        for c in tok.children:
            if c.dep_ in ("compound", "amod", "nmod"):
                sense = lex.triggers.noun_phrases.get((c.lemma_.lower(), lemma)) or lex.triggers.noun_phrases.get((c.lower_, low))
                if sense:
                    return Candidate(tok, sense.type, sense.subtype, tok, True)
        if _hyphenated(tok):
            doc = tok.doc
            if tok.i >= 2 and doc[tok.i - 1].text == "-":
                joined = f"{doc[tok.i - 2].lower_}-{low}"
                sense = lex.triggers.nouns.get(joined)
                if sense:
                    return Candidate(tok, sense.type, sense.subtype, tok, True)
            return None
        sense = lex.triggers.nouns.get(low) or lex.triggers.nouns.get(lemma)
        if sense is None:
            return None
        if lemma == "strike" and _labour_strike(tok):
            return Candidate(tok, "PROTEST", None, tok, True)
        if sense.military and not _military(tok, lex) and not _known_referent(tok):
            return None
        # A trigger noun modifying another noun ("resupply center", "strike force") is not an event.
        if tok.dep_ in ("compound", "amod", "nmod") and tok.head.pos_ in ("NOUN", "PROPN") \
                and tok.head.lower_ not in GENERIC_HEADS:
            return None
        return _noun_sense(lex, tok, lemma, sense)
    if tok.pos_ == "ADJ" and tok.tag_ == "VBN":
        sense = lex.triggers.verbs.get(lemma)
        if sense and not _hyphenated(tok) and (not sense.military or _military(tok, lex)):
            return Candidate(tok, sense.type, sense.subtype, tok, False)
    return None


def _labour_strike(tok) -> bool:
    """'Workers went on strike', 'a general strike', 'the dockers' strike': a strike that is a protest."""
    words = {c.lower_ for c in tok.lefts} | {tok.lower_}  # its own modifiers, not a clause hung on it
    if words & {"hunger", "general", "workers", "union", "labor", "labour", "wage", "pay"}:
        return True
    # "went on strike", not "comments on its strikes": the bare singular after "on"
    return tok.dep_ == "pobj" and tok.head.lower_ == "on" and tok.lower_ == "strike" and \
        not any(c.dep_ in ("det", "poss") for c in tok.children)


def _noun_sense(lex: Lexicons, tok, lemma: str, sense: Sense) -> Candidate | None:
    words = {c.lower_ for c in tok.subtree}
    if lemma == "strike" and not words & {"air", "missile", "drone", "rocket", "artillery", "military", "retaliatory"} \
            and not _military(tok, lex):
        return None
    if lemma in ("request", "question", "call", "demand", "inquiry") and tok.dep_ == "pobj" and \
            tok.head.head.lemma_.lower() in ("comment", "respond", "reply", "answer", "return"):
        return None
    if lemma in ("request", "call", "demand") and re.search(r"\bcomment|interview|response\b", tok.sent.text[tok.idx - tok.sent.start_char:], re.I):
        return None
    if lemma == "protest" and tok.head.lemma_.lower() in ACCUSE_VERBS:
        return Candidate(tok, "ACCUSE", None, tok, True)
    if lemma == "presence" and not (_military(tok, lex) or words & lex.actors.keys()):
        return None
    return Candidate(tok, sense.type, sense.subtype, tok, True)


def _arguments_text(tok, deps=("dobj", "prep", "attr", "nsubjpass", "acomp", "oprd", "dative", "advmod")) -> str:
    parts = []
    for c in tok.children:
        if c.dep_ in deps:
            parts.append(" ".join(t.text for t in c.subtree))
    return " ".join(parts)


def _subject_text(tok) -> str:
    subj = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subj and tok.dep_ == "acl" and tok.tag_ in ("VBG", "VBN") and tok.head.pos_ in ("NOUN", "PROPN"):
        return _modified_text(tok)
    if not subj and tok.dep_ == "xcomp":
        # Object control: "ordered French troops to leave" -> the troops leave.
        subj = [c for c in tok.head.children if c.dep_ == "dobj"]
    if not subj and tok.dep_ in ("xcomp", "conj", "advcl") and tok.head != tok:
        return _subject_text(tok.head)
    return " ".join(" ".join(t.text for t in c.subtree) for c in subj)


def _modified_text(tok) -> str:
    """What a participle describes is its subject: "soldiers in trucks leaving the camp" (the noun it
    hangs from, and the noun that noun is carried by through "in", "on", "aboard" or "of")."""
    head = tok.head
    words = [t.text for t in head.subtree if t.i < tok.i and not (tok.left_edge.i <= t.i <= tok.right_edge.i)]
    if head.dep_ == "pobj" and head.head.lower_ in ("in", "on", "aboard", "of") and head.head.head.pos_ in ("NOUN", "PROPN"):
        owner = head.head.head
        words = [t.text for t in owner.subtree if t.i < head.head.i] + words
    return " ".join(words)


FORCES = re.compile(r"\b(?:troops|forces|soldiers|personnel|equipment|weapons|units|garrisons?|contingents?|batter(?:y|ies))\b", re.I)
VEHICLE_SUBJECT = re.compile(r"\b(?:planes?|aircraft|jets?|ships?|vessels?|frigates?|warships?|convoy|helicopters?|"
                             r"bombers?|destroyers?|submarines?|tankers?|An-?\d+|Il-?\d+|Tu-?\d+)", re.I)


def _contextual(lex: Lexicons, tok, lemma: str) -> tuple[str | None, str | None] | None:
    """Senses of verbs that depend on their arguments; (None, None) means 'not an event'."""
    if lemma not in ("leave", "send", "ship", "move", "transfer", "grant", "keep", "maintain", "see", "establish", "have",
                     "return", "fire", "open", "bring", "head", "protest", "block", "blockade",
                     "strike", "lift", "ease", "relax", "cancel", "remove", "drop", "scrap", "end", "halt", "suspend",
                     "postpone", "reduce", "cut", "freeze", "accept", "decline", "refuse"):
        return None
    context = _arguments_text(tok)
    subject = _subject_text(tok)
    passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in tok.children)
    both = f"{context} {subject}"
    if lemma == "protest":
        if any(c.dep_ == "nsubj" for c in tok.children) and not CIVILIANS.search(subject) and (
                _actor_in(lex, subject) or re.search(r"\b(?:group|government|ministry|officials?|organi[sz]ation|party|"
                                                r"watch|amnesty|council|embassy|authorities)\b", subject, re.I)):
            return ("ACCUSE", None)
        return ("PROTEST", None)
    if lemma in ("block", "blockade"):
        if CIVILIANS.search(subject):
            return ("PROTEST", None)
        if lemma == "blockade" or _military_text(lex, both) or _actor_in(lex, subject):
            return ("COERCE", None)
        return (None, None)
    if lemma == "strike":
        if CIVILIANS.search(subject) or re.search(r"\b(?:union|strike)\b", context, re.I):
            return ("PROTEST", None)
        if _military_text(lex, both) or re.search(r"\btargets?\b", context, re.I):
            return ("ASSAULT", None)
        return (None, None)
    if lemma in ("lift", "ease", "relax", "cancel", "remove", "drop", "scrap", "end", "halt", "suspend", "postpone",
                 "reduce", "cut", "freeze"):
        obj = _arguments_text(tok, ("dobj", "nsubjpass"))
        if lemma == "remove" and (VEHICLE_SUBJECT.search(obj) or FORCES.search(obj) or find_equipment(obj, lex.equipment)):
            return ("RETREAT", "withdraw")  # "they have removed most of the fighter jets"
        if RESTRICTIONS.search(obj):
            return ("CONCEDE", None) if lemma not in ("freeze",) else ("SANCTION", None)
        if COOPERATION.search(obj) or (lemma in ("cut", "freeze", "suspend", "halt") and re.search(
                r"\b(?:funds?|assets|accounts|deliveries|payments|oil|gas|supply)\b", obj, re.I)):
            return ("SANCTION", None)
        if lemma in ("halt", "suspend", "freeze", "cut") and _military_text(lex, both):
            return ("SANCTION", None) if not re.search(r"\b(?:attacks?|offensive|fighting|strikes?)\b", obj, re.I) \
                else ("CONCEDE", None)
        return (None, None)
    if lemma == "accept":
        if re.search(r"\b(?:demands?|terms|conditions|ultimatum|resignation)\b", context, re.I):
            return ("CONCEDE", None)
        return ("AGREE", None)
    if lemma in ("decline", "refuse"):
        if any(c.dep_ == "xcomp" for c in tok.children) or lemma == "refuse" or re.search(
                r"\b(?:offer|invitation|request|demands?|proposal|calls?)\b", context, re.I):
            return ("REJECT", None)
        return (None, None)
    if lemma == "leave":
        if _military_text(lex, context) or _military_text(lex, subject):
            if VEHICLE_SUBJECT.search(subject):
                return ("MOBILIZE", "depart")
            return ("RETREAT", "withdraw")
        if _actor_in(lex, subject) and _actor_in(lex, context):
            return ("RETREAT", "withdraw")
        return (None, None)
    if lemma in ("send", "ship", "move", "bring", "transfer"):
        if re.search(r"\b(?:back|home)\b", context, re.I):
            return ("RETREAT", "withdraw")
        if _military_text(lex, both):
            after = tok.sent.text[tok.idx - tok.sent.start_char:]
            if re.search(r"\b(?:through|via|across|over)\b", after):
                return ("MOBILIZE", "transit")
            if lemma == "move" and re.search(r"\b(?:out of|away from)\b", after):
                return ("RETREAT", "withdraw")
            if lemma == "move" and re.match(r"\s*\w+\s+(?:north|south|east|west|towards?|along|down|up)\b", after):
                return ("MOBILIZE", "transit")  # "moving south on the highway": on the road, not deployed
            return ("MOBILIZE", "deploy") if lemma != "ship" else ("MOBILIZE", "transit")
        if lemma == "send" and re.search(r"\baid|food|supplies|assistance|weapons|arms\b", context, re.I):
            return ("AID", None)
        return (None, None)
    if lemma == "head":
        if MILITARY_CONTEXT.search(tok.sent.text) and tok.pos_ == "VERB" \
                and any(c.dep_ in ("prep", "advmod") for c in tok.children):
            return ("MOBILIZE", "transit")
        return (None, None)
    if lemma == "grant":
        if re.search(r"\basylum\b", context, re.I):
            return ("AID", None)
        if re.search(r"\blease|access|basing|base|rights\b", context, re.I):
            return ("COOPERATE", "basing")
        if re.search(r"\bamnesty|pardon|release\b", context, re.I):
            return ("CONCEDE", None)
        if re.search(r"\brecognition|independence\b", context, re.I):
            return ("SUPPORT", None)
        return ("AID", None)
    if lemma in ("keep", "maintain", "have"):
        if re.search(r"\b(?:bases?|airbases?|troops|forces|presence|garrisons?|soldiers|facility|facilities|sites?|"
                     r"contingents?|outposts?|positions|ports?)\b",
                     context, re.I) and (_actor_in(lex, subject) or (lemma != "have" and subject.lower() in ("it", "they", "we"))):
            return ("MOBILIZE", "presence")
        if lemma == "maintain" and re.search(r"\b(?:ties|relations|contacts?)\b", context, re.I):
            return ("CONSULT", None)
        return (None, None)
    if lemma == "see":
        if passive and tok.dep_ in ("xcomp", "ROOT", "ccomp", "conj") and VEHICLE_SUBJECT.search(subject + " " + context):
            return ("MOBILIZE", "presence")
        return (None, None)
    if lemma == "establish":
        if re.search(r"\bchannels?|contacts?|communication|ties|relations\b", context, re.I):
            return ("CONSULT", None) if not re.search(r"diplomatic", context, re.I) else ("SUPPORT", None)
        if re.search(r"\bbases?|presence|outpost|garrison\b", context, re.I):
            return ("COOPERATE", "basing")
        return (None, None)
    if lemma == "return":
        if MILITARY_CONTEXT.search(subject) and re.search(r"\bhome|base|bases|to\b", context, re.I):
            return ("RETREAT", "withdraw")
        if re.search(r"\bland|territory|property|bodies|prisoners|hostages\b", context, re.I):
            return ("CONCEDE", None)
        return (None, None)
    if lemma == "fire":
        if re.search(r"\b(?:missiles?|rockets?|shells?|shots?|at|on|upon|mortars?|rounds)\b", context, re.I):
            return ("ASSAULT", None)
        return (None, None)
    if lemma == "open":
        if re.search(r"\bfire\b", context, re.I):
            return ("ASSAULT", None)
        if re.search(r"\bembassy|consulate|talks|negotiations|border|crossing\b", context, re.I):
            return ("SUPPORT", None) if re.search(r"embassy|consulate", context, re.I) else ("CONCEDE", None)
        return (None, None)
    return None


def _military_text(lex: Lexicons, text: str) -> bool:
    return bool(MILITARY_CONTEXT.search(text) or VEHICLE_SUBJECT.search(text) or find_equipment(text, lex.equipment))


def _actor_in(lex: Lexicons, text: str) -> bool:
    """Whether a stretch of text names an actor: as a capitalised word ("Turkey", not "turkey"), and
    short abbreviations in capitals ("US", not the pronoun "us")."""
    low = text.lower()
    for w in _country_names(lex, low):
        for m in re.finditer(rf"(?<!\w){re.escape(w)}(?!\w)", low):
            raw = text[m.start():m.end()]
            if raw[:1].isupper() and (len(w.replace(".", "")) > 3 or raw[:2].isupper()):
                return True
    return False


def _country_names(lex: Lexicons, low: str) -> list[str]:
    return [w for w in lex.actors if w in low]


# --------------------------------------------------------------------------- modality


# --------------------------------------------------------------------------- roles


def _resolve_pronoun(lex: Lexicons, tok, context: _Context | None) -> Actor | None:
    low = tok.lower_
    if low in ("who", "whose", "which", "that"):
        clause = tok.head
        while clause.dep_ not in ("relcl", "acl") and clause.head != clause:
            clause = clause.head
        if clause.dep_ in ("relcl", "acl"):
            return actor_of(lex, _np_tokens(clause.head))
        return None
    if low in ("its", "their"):
        # "Moscow thins out its deployment": a possessive first refers to its own clause's subject.
        head = tok.head
        for _ in range(6):
            if head.pos_ in ("VERB", "AUX") or head.head.i == head.i:
                break
            head = head.head
        for c in head.children:
            if c.dep_ in ("nsubj", "nsubjpass") and c.i < tok.i and c.pos_ != "PRON":
                found = actor_of(lex, _left_tokens(c))
                if found:
                    return found
    if low in ("it", "its"):
        # "Russia has begun ..., though it intends to keep its bases": the nearest state named as a
        # subject before it in the sentence, rather than the (plural, human) speaker.
        for t in reversed(tok.doc[:tok.i]):
            if t.dep_ in ("nsubj", "nsubjpass") and t.pos_ != "PRON":
                found = actor_of(lex, _left_tokens(t))
                if found:
                    return found
    if low in ("it", "they", "its", "their", "them") and context is not None:
        return context.speaker or context.last_actor
    return None


def _np_tokens(tok):
    """The noun phrase of a head, without relative clauses, appositions and clauses."""
    skip: set[int] = set()
    for t in tok.subtree:
        if t != tok and t.dep_ in ("relcl", "acl", "appos", "advcl", "ccomp", "punct", "conj", "cc"):
            skip.update(x.i for x in t.subtree)
    return [t for t in tok.subtree if t.i not in skip]


CIVILIANS = re.compile(r"\b(?:demonstrators|protesters|protestors|workers|employees|staff|farmers|students|people|"
                       r"supporters|residents|villagers|youths?|young|crowds?|thousands|hundreds|activists|unions?|"
                       r"drivers|truckers|miners|doctors|teachers|women|men|strikers|prisoners|inmates|refugees|"
                       r"fishermen|traders|shopkeepers|opposition)\b", re.I)
RESTRICTIONS = re.compile(r"\b(?:restrictions?|ban|bans|curfew|sanctions?|embargo|blockade|siege|martial law|"
                          r"state of emergency|controls?|limits?|barriers?|tariffs?|censorship|measures|travel ban)\b", re.I)
COOPERATION = re.compile(r"\b(?:visit|visits|talks|meeting|meetings|aid|assistance|cooperation|mediation|agreement|"
                         r"relations|ties|contacts?|supplies|exports?|imports?|trade|negotiations|dialogue|loans?|"
                         r"funding|flights|programme|program|mission|summit)\b", re.I)
GENERIC_HEADS = {"effort", "efforts", "mission", "process", "campaign", "operation", "operations", "drive", "bid",
                 "plan", "attempt", "programme", "program", "initiative", "bill", "proposal"}
ACCUSE_VERBS = {"lodge", "file", "register", "issue", "deliver", "send", "submit", "voice", "express"}


UNIT_HEAD = re.compile(r"^(?:one|some|all|most|part|members?|units?|elements?|parts?|remnants?|contingents?|"
                       r"dozens|hundreds|thousands)$", re.I)


_CUT = frozenset(("relcl", "acl", "appos", "prep", "punct", "conj", "cc"))


def _left_tokens(tok):
    """The head and what stands before it in its phrase: "Russia 's Mediterranean fleet".

    Nothing left of a dash: in "LATAKIA, Syria - Russia has begun" the dateline is not part of the subject."""
    # One walk down from the head, each token inheriting whether a cut relation lies between it and
    # the head: linear in the phrase (the climb to the head from every token was quadratic).
    left = []
    stack = [(c, c.dep_ in _CUT) for c in tok.children]
    while stack:
        t, cut = stack.pop()
        if t.i < tok.i:
            left.append((t, cut))
        stack += [(c, cut or c.dep_ in _CUT) for c in t.children]
    dash = max((t.i for t, _ in left if t.text in ("-", "–", "—", "--")), default=-1)
    return sorted((t for t, cut in left if not cut and t.i > dash), key=lambda t: t.i) + [tok]


def _np_actor(lex: Lexicons, tok, context) -> Actor | None:
    """The actor a noun phrase names: its possessor, its modifiers, or for units and vehicles an of/in phrase."""
    if tok.pos_ == "PRON" or tok.lower_ in ("whose", "who", "which"):
        return _resolve_pronoun(lex, tok, context)
    for c in tok.children:
        if c.dep_ == "poss" and (c.pos_ == "PRON" or c.lower_ in ("whose", "its", "their")):
            found = _np_actor(lex, c, context)
            if found:
                return found
    found = actor_of(lex, _left_tokens(tok))
    if found:
        return found
    if MILITARY_CONTEXT.fullmatch(tok.text) or VEHICLE_SUBJECT.search(tok.text) or UNIT_HEAD.match(tok.text):
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in ("of", "in", "from"):
                for p in c.children:
                    if p.dep_ == "pobj":
                        found = _np_actor(lex, p, context)
                        if found:
                            return found
    return None


def _actor_for(lex: Lexicons, tok, context, seen=None) -> Actor | None:
    seen = seen or set()
    if tok.i in seen:
        return None
    seen.add(tok.i)
    for child in tok.children:
        if child.dep_ in ("nsubj", "poss"):
            found = _np_actor(lex, child, context)
            if found:
                return found
        if child.dep_ == "agent":
            for p in child.children:
                found = _np_actor(lex, p, context)
                if found:
                    return found
    if any(c.dep_ == "nsubj" and c.lower_ in ("it", "they") for c in tok.children) and context is not None:
        return context.speaker or context.last_actor
    if tok.pos_ in ("NOUN", "PROPN"):
        for child in tok.children:
            if child.dep_ == "prep" and child.lower_ == "between":
                for p in child.children:
                    if p.dep_ == "pobj":
                        found = _np_actor(lex, p, context)
                        if found:
                            return found
        for child in tok.children:
            if child.dep_ in ("amod", "compound", "nmod") and not _is_verb(child):
                found = actor_of(lex, [child])
                if found:
                    return found
            if child.dep_ == "prep" and (child.lower_ == "by" or (child.lower_ == "of" and context is not None
                                                                  and context.movement)):
                for p in child.children:
                    if p.dep_ == "pobj":
                        found = _np_actor(lex, p, context)
                        if found:
                            return found
        if tok.dep_ in ("dobj", "pobj", "attr") and tok.head.lemma_.lower() in ACTOR_CARRIERS:
            verb = tok.head if tok.dep_ != "pobj" else tok.head.head
            return _actor_for(lex, verb, context, seen)
        if tok.dep_ in ("nsubj", "nsubjpass"):
            return None
        return None
    # Passive verbs: the theme's nationality ("a Russian convoy could be seen") acts for movements.
    for child in tok.children:
        if child.dep_ == "nsubjpass":
            found = _np_actor(lex, child, context)
            if found and context is not None and context.movement:
                return found
    if tok.dep_ == "acl" and tok.head.dep_ in ("dobj", "attr", "nsubj") and tok.head.head != tok.head:
        # "had no plans to withdraw", "the decision to deploy": the planner acts.
        return _actor_for(lex, tok.head.head, context, seen)
    if tok.dep_ == "xcomp":
        for c in tok.head.children:
            if c.dep_ == "dobj":
                found = _np_actor(lex, c, context)
                if found:
                    return found
                break
    if tok.dep_ in ("conj", "xcomp", "advcl") and tok.head != tok:
        return _actor_for(lex, tok.head, context, seen)
    return None


def _target_for(lex: Lexicons, tok, actor: Actor | None, context, type_: str) -> Actor | None:
    found = None
    for child in tok.children:
        if found:
            break
        if child.dep_ in ("dobj", "dative") and type_ not in MOVEMENT:
            found = _np_actor(lex, child, context)
        elif child.dep_ == "nsubjpass" and type_ not in MOVEMENT:
            found = _np_actor(lex, child, context)
        elif child.dep_ == "prep" and child.lower_ == "between":
            pobj = [p for p in child.children if p.dep_ == "pobj"]
            conj = [c for p in pobj for c in p.children if c.dep_ == "conj"]
            if conj:
                found = _np_actor(lex, conj[0], context)
        elif child.dep_ == "prep" and child.lower_ in ("with", "against", "to", "on", "at", "from", "for", "of"):
            if type_ in MOVEMENT and child.lower_ not in ("against", "with"):
                continue
            if tok.pos_ in ("NOUN", "PROPN") and child.lower_ == "of" and type_ in MOVEMENT:
                continue
            for p in child.children:
                if p.dep_ == "pobj":
                    found = _np_actor(lex, p, context)
                    if found:
                        break
    if found and actor and found.country == actor.country and found.name == actor.name:
        return None
    return found


# --------------------------------------------------------------------------- clauses and grouping


def _clause(tok):
    """The verb whose clause holds a trigger: participles and infinitives attach to their head verb."""
    t = tok
    for _ in range(12):
        if _is_verb(t) and t.pos_ != "AUX":
            loose = t.dep_ in ("xcomp", "acl") or (
                t.dep_ == "advcl" and t.tag_ == "VBG" and not any(c.dep_ == "mark" for c in t.children)) or (
                t.dep_ == "advcl" and t.tag_ == "VB" and any(c.lower_ == "to" and c.dep_ == "aux" for c in t.children)) or (
                t.dep_ == "conj" and _is_verb(t.head) and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children))
            if not loose:
                return t
        if t.head == t:
            return t
        t = t.head
    return t


def _own_dates(candidates: list[Candidate], parsed: ParsedSentence, date_spans) -> dict[int, frozenset]:
    """Per noun trigger, the date mentions its own phrase holds ("withdrawal from X on July 7"): two
    nouns of one act do not carry different dates, nor one a date the other lacks."""
    out = {}
    for c in candidates:
        if not c.noun:
            continue
        first, last = c.tok.left_edge.i, c.tok.right_edge.i
        a, b = parsed.span(parsed.doc[first])[0], parsed.span(parsed.doc[last])[1]
        out[c.tok.i] = frozenset(tuple(d) for d in date_spans if a <= d[0] < b)
    return out


def _same_occurrence(a: Candidate, b: Candidate) -> bool:
    if a.type != b.type:
        return False
    if a.noun and b.noun and a.tok.dep_ in ("nsubj", "nsubjpass", "dobj") and b.tok.dep_ in ("nsubj", "nsubjpass", "dobj") \
            and a.tok.dep_ != b.tok.dep_:
        return False  # "the withdrawal of X followed the withdrawal of Y": subject and object, two events
    if a.tok.lemma_ == b.tok.lemma_ and a.tok.dep_ != "conj" and b.tok.dep_ != "conj":
        return True
    if not (a.noun or b.noun) and a.subtype != b.subtype and "transit" not in (a.subtype, b.subtype) and (
            (a.tok.dep_ == "conj" and a.tok.head.i == b.tok.i) or (b.tok.dep_ == "conj" and b.tok.head.i == a.tok.i)):
        return False  # "left port on May 2 and arrived on May 9": one act after another, not one act
    return a.type in MOVEMENT or a.noun or b.noun


@dataclass
class _Context:
    last_actor: Actor | None = None
    movement: bool = False
    movers: Counter = field(default_factory=Counter)
    actors: dict[str, Actor] = field(default_factory=dict)
    speaker: Actor | None = None  # the state or body speaking in the current sentence, for "X said it would ..."


def _equipment_for(tok, parsed: ParsedSentence, equipment: list[Equipment], excluded) -> list[Equipment]:
    """Equipment in the smallest enclosing phrase of the trigger that names any."""
    usable = [e for e in equipment if not any(s <= e.span[0] < t for s, t in excluded)]
    node = tok
    while True:
        first, last = _subtree_ends(node)
        lo, hi = parsed.span(first)[0], parsed.span(last)[1]
        inside = [e for e in usable if lo <= e.span[0] and e.span[1] <= hi]
        if inside or node.head == node:
            return _dedupe_equipment(inside)
        if node.lemma_ in ("say", "tell") and node != tok:
            return []
        node = node.head


def _subtree_ends(node):
    """The first and the last token ``node.subtree`` yields (its left children's subtrees, the node, its
    right children's), found down its first left and last right children: climbing to the root, listing
    each subtree whole was the costliest line of the coder."""
    first = node
    while (left := next(first.lefts, None)) is not None:
        first = left
    last = node
    while rights := list(last.rights):
        last = rights[-1]
    return first, last


LANDMARK_PREPS = {"over", "above", "past", "near", "toward", "towards", "around", "behind", "beside"}


def _landmarks(tok, parsed: ParsedSentence) -> list[tuple[int, int]]:
    """Spans of what a movement passes ("missiles flew over the frigate", "sailed past the carrier"):
    equipment there is what it moves by, not what moves."""
    out = []
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ in LANDMARK_PREPS:
            sub = list(c.subtree)
            if len(sub) == 1:  # "flew over | the frigate" parsed as an object: the words after it
                after = next((o for o in tok.children if o.dep_ == "dobj" and o.left_edge.i == c.i + 1), None)
                sub = sub + list(after.subtree) if after is not None else sub
            out.append((parsed.span(sub[0])[0], parsed.span(sub[-1])[1]))
    return out


def _subject_equipment(tok, parsed: ParsedSentence, equipment: list[Equipment]) -> list[Equipment]:
    """Equipment named in the subject of the trigger's verb or of the verb it completes ("soldiers began loading")."""
    out = []
    node = tok
    for _ in range(3):
        for c in node.children:
            if c.dep_ in ("nsubj", "nsubjpass"):
                sub = list(c.subtree)
                lo, hi = parsed.span(sub[0])[0], parsed.span(sub[-1])[1]
                out.extend(e for e in equipment if lo <= e.span[0] and e.span[1] <= hi)
                return out
        if node.dep_ not in ("xcomp", "advcl", "conj", "pobj", "prep") or node.head == node:
            break
        node = node.head
    return out


def _dedupe_equipment(items: list[Equipment]) -> list[Equipment]:
    """One entry per kind; a generic uncounted mention ("cargo planes") after a specific type is dropped."""
    out: list[Equipment] = []
    for e in items:
        same = next((o for o in out if o.name == e.name), None)
        if same is not None:
            if same.count is None and e.count is not None:
                out[out.index(same)] = e
            continue
        if e.count is None and e.name in ("cargo plane", "aircraft", "ship", "helicopter", "fighter jet") and any(
                o.category == e.category and o.count is not None for o in out):
            continue
        out.append(e)
    return out


PROSPECT_NOUNS = {"threat", "risk", "fear", "danger", "prospect", "possibility", "spectre", "specter"}


def _drop_subordinate(candidates: list[Candidate], parsed: ParsedSentence, equipment: list[Equipment]) -> list[Candidate]:
    """Triggers that are part of another event or thing, not events of their own: a word of an
    equipment name ("landing ships"), a movement noun that another movement verb acts on ("thins out
    its deployment"), an attack feared rather than made ("the threat of drone attacks")."""
    verbs = {c.tok.i: c for c in candidates if not c.noun}
    spans = [e.span for e in equipment]
    attacks = _attack_carriers(candidates)
    keep = []
    for c in candidates:
        tok = c.tok
        start = parsed.span(tok)[0]
        if any(s <= start < e for s, e in spans):
            continue
        head = verbs.get(tok.head.i)
        if c.noun and tok.dep_ == "dobj" and head is not None and head is not c \
                and head.type in MOVEMENT and c.type in MOVEMENT:
            continue
        if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.lemma_.lower() in PROSPECT_NOUNS:
            continue
        if c.noun and c.type in MOVEMENT and _attacked(tok, attacks):
            continue
        keep.append(c)
    return keep


def _attack_carriers(candidates: list[Candidate]) -> set[int]:
    """Token indexes of the sentence's attacks and of the words that carry them."""
    attacks = set()
    for c in candidates:
        if c.type != "ASSAULT":
            continue
        # "hundreds of strikes ... on targets", "carried out strikes on convoys": the count and the
        # verb that carries the attack stand for it
        node = c.tok
        attacks.add(node.i)
        for _ in range(3):
            if node.dep_ == "pobj" and node.head.lower_ == "of":
                node = node.head.head
            elif node.dep_ == "dobj":
                node = node.head
            else:
                break
            attacks.add(node.i)
    return attacks


def _attacked(tok, attacks: set[int]) -> bool:
    """A movement noun that an attack is aimed at ("strikes on Iran-linked targets, including weapons
    convoys", "drones hit a convoy"): the target, not a movement of its own. ``attacks``: from
    _attack_carriers."""
    node = tok
    for _ in range(4):
        if node.head.i == node.i:
            return False
        if node.dep_ in ("dobj", "pobj", "nsubjpass", "appos", "conj", "prep") and node.head.i in attacks:
            return node.dep_ != "prep" or node.lower_ in ("on", "against", "at")
        node = node.head
    return False


def code_events(analysis: Analysis, lex: Lexicons) -> None:
    """Events for every parsed sentence: one per occurrence, several per sentence when it holds several."""
    doc_id = analysis.document.id
    text = analysis.document.text
    context = _Context()
    pending_movers: list[Event] = []
    attributions: dict[int, list[Mention]] = {}
    dates: dict[int, list] = {}  # "March 11" is no march
    places: dict[int, list] = {}  # places named, not peoples ("Russian")
    for m in analysis.mentions:
        if m.kind == "attribution":
            attributions.setdefault(m.sentence, []).append(m)
        elif m.kind == "date":
            dates.setdefault(m.sentence, []).append(m.span)
        elif m.kind == "place" and m.label != "DEMONYM":
            places.setdefault(m.sentence, []).append(m.span)
    known: set[str] = set()  # lemmas of noun triggers coded so far ("the exercise" later refers back)
    for index in sorted(analysis.parse):
        parsed: ParsedSentence = analysis.parse[index]
        s0, s1 = analysis.sentences[index]
        sentence = text[s0:s1]
        said = attributions.get(index, [])
        speakers = [m.span for m in said if m.label in SKIPPED_SPEAKER_LABELS]
        excluded = speakers + [m.span for m in said if m.label in ("NO_COMMENT", "UNCONFIRMED")] + dates.get(index, [])
        equipment = find_equipment(sentence, lex.equipment, s0)
        parsed.doc.user_data[KNOWN_TRIGGERS] = known
        context.speaker = None
        for m in said:
            if m.label == "SAY":
                speaker_tokens = [t for t in parsed.doc if m.span[0] <= parsed.span(t)[0] < m.span[1]]
                context.speaker = actor_of(lex, speaker_tokens)
                if context.speaker:
                    break
        candidates: list[Candidate] = []
        for tok in parsed.doc:
            start = parsed.span(tok)[0]
            if any(s <= start < e for s, e in excluded):
                continue
            cand = _trigger(lex, tok)
            if cand is not None:
                cand = lex.sense(cand)
            if cand is None:
                continue
            candidates.append(cand)
        taken = {c.tok.i for c in candidates}
        candidates += [c for c in lex.observed(parsed, equipment) if c.tok.i not in taken]
        candidates = _drop_subordinate(candidates, parsed, equipment)
        groups: list[list[Candidate]] = []
        clause = {c.tok.i: _clause(c.tok) for c in candidates}
        modality = {c.tok.i: grammatical(c.tok) for c in candidates}
        dated = _own_dates(candidates, parsed, dates.get(index, []))
        for cand in candidates:
            for g in groups:
                first = g[0].tok.i
                if first in dated and cand.tok.i in dated and dated[first] != dated[cand.tok.i]:
                    continue  # "the withdrawal began on May 19 and continued with withdrawal from X on July 7"
                if clause[first] == clause[cand.tok.i] and _same_occurrence(g[0], cand) and \
                        modality[first] == modality[cand.tok.i] or (
                        cand.noun and not all(c.noun for c in g) and g[0].type == cand.type
                        and g[0].subtype == cand.subtype and modality[first] == modality[cand.tok.i]):
                    # a noun naming the movement a verb elsewhere in the sentence describes ("a convoy
                    # ... could be seen heading"); two nouns are two events ("the withdrawal of X
                    # followed the withdrawal of Y")
                    g.append(cand)
                    break
            else:
                groups.append([cand])
        for g in groups:
            best = min(g, key=lambda c: (SUBTYPE_PRIORITY.index(c.subtype) if c.subtype in SUBTYPE_PRIORITY else 99,
                                         c.noun, c.tok.i))
            verb = next((c for c in g if not c.noun), best)
            context.movement = best.type in MOVEMENT
            actor = None
            for c in [verb, best, *g]:
                actor = _actor_for(lex, c.tok, context)
                if actor:
                    break
            if actor is None and any(ch.dep_ == "nsubj" and ch.lower_ in ("it", "they") for c in g for ch in c.tok.children):
                actor = context.last_actor
            t_span = (parsed.span(best.tok)[0], parsed.span(best.end)[1])
            if best.end.i < best.tok.i:
                t_span = (parsed.span(best.tok)[0], parsed.span(best.tok)[1])
            items: list[Equipment] = []
            for c in g:
                landmarks = _landmarks(c.tok, parsed) if c.type in MOVEMENT else []
                items.extend(_equipment_for(c.tok, parsed, equipment, speakers + landmarks))
                items.extend(_subject_equipment(c.tok, parsed, equipment))
            items = [_with_operator(lex, text, e) for e in _dedupe_equipment(sorted(items, key=lambda e: e.span))]
            if not best.subtype:
                items = [e for e in items if e.category != "personnel"]
            event = Event(
                id=Event.make_id(doc_id, t_span, best.type, best.subtype),
                doc_id=doc_id, type=best.type, subtype=best.subtype,
                trigger=text[t_span[0]:t_span[1]], trigger_span=t_span,
                sentence=sentence, span=(s0, s1), actor=actor,
                target=_target_for(lex, verb.tok, actor, context, best.type),
                equipment=items, modality=modality[verb.tok.i],
            )
            snapshot = _same_snapshot(event, analysis.events, (s0, s1), places.get(index, []))
            if snapshot is not None:  # "soldiers patrolled the base, and two helicopters stood on the apron"
                snapshot.equipment = _dedupe_equipment(sorted(snapshot.equipment + items, key=lambda e: e.span))
                continue
            analysis.events.append(event)
            known.update(c.tok.lemma_.lower() for c in g if c.noun)
            if actor is not None:
                context.last_actor = actor
                if best.type in MOVEMENT and actor.country:
                    context.movers[actor.country] += 1
                    context.actors.setdefault(actor.country, actor)
            elif best.type in MOVEMENT:
                pending_movers.append(event)
    # Light document coreference: a movement without a stated actor belongs to the
    # document's main mover when there is one (the cargo plane in a report on Russia's withdrawal).
    if context.movers:
        country, _ = context.movers.most_common(1)[0]
        name = _country_name(lex, context.actors[country])
        for event in pending_movers:
            if event.actor is None and (event.equipment or MILITARY_CONTEXT.search(event.sentence)):
                event.actor = Actor(name=name, country=country, text=None, span=None)
    _list_items(analysis)


LISTED_ACTS = {"MOBILIZE", "RETREAT", "ASSAULT", "COERCE"}  # acts whose places a list can spell out


def _list_items(analysis: Analysis) -> None:
    """A list of places after a colon spells out where the act before it happens ("its operations at
    four air bases: (a) al Khadim base, in the east; (b) al Jufra base, ..."): each verbless item that
    names a place is that act at that place, an event of its own whose trigger is the item's head."""
    text = analysis.document.text
    by_sentence: dict[int, list[Event]] = {}
    index_of = {s: i for i, s in enumerate(analysis.sentences)}
    for event in analysis.events:
        by_sentence.setdefault(index_of.get(tuple(event.span), -1), []).append(event)
    placed = {m.sentence for m in analysis.mentions if m.kind == "place"}
    for lead, (s0, s1) in enumerate(analysis.sentences):
        acts = [e for e in by_sentence.get(lead, []) if e.type in LISTED_ACTS and e.trigger_span[1] <= s1]
        if not acts or not text[s0:s1].rstrip().endswith(":"):
            continue
        act = max(acts, key=lambda e: e.trigger_span[0])
        item = lead + 1
        while item in analysis.parse and item not in by_sentence and item in placed:
            parsed = analysis.parse[item]
            root = next((t for t in parsed.doc if t.dep_ == "ROOT"), None)
            if root is None or root.pos_ not in ("NOUN", "PROPN"):
                break
            i0, i1 = analysis.sentences[item]
            t_span = parsed.span(root)
            analysis.events.append(dataclasses.replace(
                act, id=Event.make_id(analysis.document.id, t_span, act.type, act.subtype),
                trigger=text[t_span[0]:t_span[1]], trigger_span=t_span, sentence=text[i0:i1], span=(i0, i1),
                equipment=[]))
            item += 1


_OPERATOR_WORDS = re.compile(r"([A-Z][\w.]*(?:\s+[A-Z][\w.]*)?)['’]?s?\s+(?:(?:[a-z-]+|[A-Z][\w-]*\d[\w-]*)\s+)?$")


def _with_operator(lex: Lexicons, text: str, item: Equipment) -> Equipment:
    """The equipment with the force it belongs to when the words before it say so ("the Russian frigate",
    "two Turkish F-16s", "the Pacific Fleet's corvettes"), so each item of a list keeps its own navy."""
    if not item.span:
        return item
    m = _OPERATOR_WORDS.search(text, max(0, item.span[0] - 40), item.span[0])
    if m is None:
        return item
    words = m.group(1).strip()
    for phrase in (words, words.split()[-1]):
        low = phrase.lower().rstrip(".")
        entry = lex.actors.get(low) or lex.actors.get(phrase.lower()) or _demonym(lex, low)
        if entry is not None and entry.code and not entry.group:
            return dataclasses.replace(item, operator=entry.code)
    return item


def _same_snapshot(event: Event, events: list[Event], span, places: list[tuple[int, int]]) -> Event | None:
    """An earlier presence of the same sentence and mode whose actor does not differ, with no place
    named for each of the two: what one sentence says is at a place is one picture of its posture,
    with all the equipment seen ("troops at Hmeimim and ships in Tartus" are two)."""
    if event.subtype != "presence":
        return None
    for other in events:
        if other.subtype != "presence" or tuple(other.span) != tuple(span) or other.modality != event.modality or (
                other.actor and event.actor and other.actor.country != event.actor.country):
            continue
        first, second = sorted((other.trigger_span, event.trigger_span))
        own_first = any(first[0] <= a < second[0] for a, _ in places)
        own_second = any(a >= second[0] for a, _ in places)
        if not (own_first and own_second):
            return other
    return None


def _country_name(lex: Lexicons, actor: Actor) -> str:
    for entry in lex.actors.values():
        if entry.code == actor.country and not entry.group:
            return entry.name
    return actor.name


def code_no_comment(analysis: Analysis, lex: Lexicons) -> None:
    """An unanswered request for comment is itself an event (OTHER / no_comment), by whoever was asked."""
    text = analysis.document.text
    doc_id = analysis.document.id
    for m in list(analysis.mentions):
        if m.kind != "attribution" or m.label != "NO_COMMENT" or m.sentence not in analysis.parse:
            continue
        parsed = analysis.parse[m.sentence]
        s0, s1 = analysis.sentences[m.sentence]
        subject = [t for t in parsed.doc if parsed.span(t)[1] <= m.span[0]]
        # The asked party is the subject phrase just before the cue, not the whole sentence start.
        clause_start = max((i for i, t in enumerate(subject) if t.text in (",", ";", "—") or t.lower_ in ("but", "and")),
                           default=-1)
        subject = subject[clause_start + 1:]
        analysis.events.append(Event(
            id=Event.make_id(doc_id, m.span, "OTHER", "no_comment"), doc_id=doc_id, type="OTHER",
            subtype="no_comment", trigger=m.text, trigger_span=m.span, sentence=text[s0:s1], span=(s0, s1),
            actor=actor_of(lex, subject) if subject else None, modality="no_comment",
        ))
        if subject:
            who = parsed.span(subject[0])[0], parsed.span(subject[-1])[1]
            analysis.mentions.append(Mention("attribution", text[who[0]:who[1]], who, "SAY", m.sentence,
                                             {"anonymous_cue": False, "pronoun": False}))
    analysis.mentions.sort(key=lambda x: x.span[0])


COOPERATIVE = {"CONSULT", "SUPPORT", "AID", "CONCEDE", "COOPERATE", "AGREE"}
CONFLICTUAL = {"SANCTION", "COERCE", "ASSAULT", "PROTEST", "RETREAT", "THREATEN"}
DEONTIC = {"must", "should", "ought"}


def plover_type(event: Event, analysis: Analysis) -> str:
    """The PLOVER category the codebook gives this event, which can differ from its action type.

    PLOVER codes what the source does in saying it: a promise or stated intention to
    cooperate ("Norway will give Kenya a loan") is AGREE, a stated intention to act
    against someone ("would boycott", "may halt mediation if ...") is THREATEN, a refusal to
    cooperate ("would not meet demands") is REJECT, a statement that someone must act
    ("said China must drop barriers") is REQUEST, and sending peacekeepers is AID.
    forcewatch keeps the action's own type with a modality (a future withdrawal stays
    RETREAT/withdraw, modality future), so this mapping is applied only when PLOVER
    categories are asked for.
    """
    type_ = event.type
    parsed = (analysis.parse or {}).get(analysis.sentences.index(event.span))
    tok = token_at(parsed, event.trigger_span[0], exact=True)
    if tok is not None:
        node = tok
        for _ in range(4):
            if any(c.dep_ == "aux" and c.lower_ in DEONTIC for c in node.children) or \
                    any(c.lemma_ == "have" and c.i + 1 < len(c.doc) and c.doc[c.i + 1].lower_ == "to" for c in node.children):
                if node.dep_ in ("ccomp", "conj") or any(c.dep_ == "nsubj" for c in node.children):
                    return "REQUEST"
            if node.dep_ not in ("xcomp", "conj", "pobj", "prep", "dobj") or node.head == node:
                break
            node = node.head
    if type_ in ("MOBILIZE",) and re.search(r"\bpeacekeep", event.sentence, re.I):
        return "AID"
    if event.modality == "future":
        if type_ in COOPERATIVE:
            return "AGREE"
        if type_ in CONFLICTUAL:
            return "THREATEN"
    if event.modality == "negated" and type_ in COOPERATIVE | {"REQUEST"}:
        return "REJECT"
    return type_


"""Who says so, and how credible: Source records, final modality and Admiralty codes.

Input: the attribution mentions of extract/attribution and the events of
extract/events. For each event:

1. **Source.** The innermost attribution in its sentence whose claim covers
   the trigger ("X said Y told him that Z": Z is Y's, relayed by X, recorded
   in ``Source.nested_via``). A trigger inside a speaker phrase ("an official
   *stationed* outside the base said") is the outlet's own description. A
   sentence without attribution takes it from the text around it: a following
   sentence that only attributes ("Officials told Reuters."), a quotation that
   continues the previous speaker's, or a description that continues an
   eye-witness observation ("... a convoy could be seen. The convoy had
   stopped ..."). Otherwise the claim is the outlet's own.
   "The official", "the sources", "he" refer back to the last speaker of that
   sort and carry its kind, name and affiliation (``Source.refers_to``).
2. **Modality.** A single value, by precedence (docs/credibility.md):
   no_comment > unconfirmed > the event coder's grammatical modality
   (negated / hedged / future) > attribution-level stance (a denial makes an
   asserted claim negated, a hedge on the way from the attribution verb to the
   trigger or a hedging verb makes it hedged) > asserted. "could be seen" by an
   eye-witness is an observation, not a hedge.
3. **Admiralty code.** Reliability A-F from the registry (data/sources.yaml)
   and the source kind, capped by the weakest link of the reporting chain;
   credibility 1-6 from modality and source kind; fuse/corroborate regrades
   it once independent reports agree or disagree. The grade is one
   ``Credibility`` record (letter, digit, and in ``basis`` why).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from forcewatch.data import load_yaml, packaged
from forcewatch.extract.attribution import IMAGERY, SENSOR, _person
from forcewatch.extract.modality import Cues, decide, own_hedge, path_hedges
from forcewatch.gazetteer.names import COUNTRY_ALIASES
from forcewatch.lexicon import SPEAKER_LABELS, fold
from forcewatch.records import Analysis, Credibility, Event, Mention, Source

GRADES = "ABCDEF"
OFFICIAL = re.compile(
    r"\b(?:Kremlin|ministry|ministries|minister|government|Pentagon|White House|State Department|spokes(?:man|woman|person)|"
    r"embassy|president|presidency|prime minister|army|military|navy|air force|command|general staff|defen[cs]e|cabinet|"
    r"Elysee|Downing Street|officials?|authorit(?:y|ies)|governor|ambassador|foreign office|MoD|NATO|IDF|"
    r"armed forces|joint staff|chiefs? of (?:the )?(?:general |defen[cs]e )?staff|coast guard|press service|press office|"
    r"department|intelligence (?:agency|service))\b",
    re.I,
)
# Words of an outlet's or a company's name: no person is called so ("Radio Free Asia", "Planet Labs").
ORGANIZATION_NAME = re.compile(
    r"\b(?:Radio|Television|TV|News|Times|Post|Press|Agency|Journal|Herald|Tribune|Gazette|Daily|Telegraph|"
    r"Observer|Media|Network|Broadcasting|Channel|Voice|Service|Institute|Group|Foundation|Center|Centre|"
    r"Council|Company|Corp|Corporation|Inc|Ltd|Labs|Technologies|University|Associated|Wire)\b")
# Armed groups and movements that are not a state's: their statements are an organization's.
NON_STATE = re.compile(
    r"\b(?:Democratic Forces|Rapid Support Forces|Liberation|Front|Movement|Group|Militias?|Brigades|Rebels?|"
    r"Wagner|Hezbollah|Hamas|Houthis?|Taliban|Islamic State|Tahrir|Free Syrian Army|SDF|RSF|PKK|YPG|Resistance)\b")
ACADEMIC = re.compile(r"(?i)\b(?:teach(?:es|ing)?|professor|lecturer|universit(?:y|ies)|institute|think[- ]tank|academy|"
                      r"college|blog|newsletter|researcher)\b")
# Head nouns of institutions that speak for themselves ("the Kremlin said").
INSTITUTIONS = {
    "kremlin", "ministry", "government", "pentagon", "army", "military", "navy", "command", "presidency",
    "cabinet", "embassy", "department", "office", "service", "forces", "force", "staff", "guard",
    "council", "administration", "authorities", "authority", "headquarters", "mission", "nato", "idf",
    "moscow", "washington", "beijing", "kyiv", "tehran", "ankara", "damascus",
}
SPOKES = {"spokesman", "spokeswoman", "spokesperson", "spokespeople", "spokesmen", "spokeswomen"}
OFFICIAL_ROLES = SPOKES | {
    "minister", "president", "general", "commander", "ambassador", "official", "governor", "secretary", "chief",
    "admiral", "colonel", "lieutenant", "major", "captain", "envoy", "premier", "chancellor", "mayor",
    "lawmaker", "senator", "deputy", "director", "head", "leader", "prime", "officer", "adviser", "advisor", "aide",
}
ANALYST_ROLES = {"analyst", "expert", "researcher", "scholar", "fellow", "observer", "professor", "specialist",
                 "commentator", "blogger", "investigator"}
JOURNALIST_ROLES = {"journalist", "reporter", "correspondent", "photographer", "cameraman", "videographer",
                    "stringer", "photojournalist"}
DOCUMENTS = {"assessment", "report", "document", "statement", "memo", "cable", "briefing", "estimate", "analysis",
             "dossier", "letter", "communique", "readout", "bulletin", "update", "notice"}
# Unnamed people: heads that make a speaker anonymous when no name is given.
PERSON_NOUNS = {
    "source", "official", "officer", "diplomat", "insider", "person", "people", "resident", "witness", "soldier",
    "commander", "fighter", "member", "aide", "adviser", "advisor", "lawmaker", "employee", "worker", "pilot",
    "sailor", "local", "man", "woman", "contractor", "figure", "representative", "delegate", "negotiator",
    "activist", "eyewitness", "villager", "serviceman", "servicemen", "troop", "mercenary", "driver", "engineer",
}
# Words that may form an affiliation in front of a head noun ("Syrian military and security sources").
ORG_WORDS = {
    "military", "army", "security", "intelligence", "government", "opposition", "armed", "defense", "defence",
    "naval", "navy", "police", "rebel", "diplomatic", "ministry", "foreign", "western", "air", "force", "forces",
    "administration", "presidential", "regime", "coalition", "insurgent", "militia", "border", "nuclear",
    "interior", "state", "federal", "regional", "provincial", "local", "industry", "party", "kremlin", "pentagon",
    "coast", "guard", "national", "republican", "revolutionary", "special", "operations", "marine", "marines",
}
RANKS = {"senior", "top", "high-ranking", "junior", "former", "retired", "a", "an", "the", "two", "three", "four",
         "five", "several", "some", "one", "another", "other", "few", "many", "mid-level", "low-level", "current",
         "serving", "veteran", "high", "ranking", "-", "high-level", "two-star", "both", "all", "most"}
ANALYST_AFFILIATION = re.compile(
    r"\b(?:runs|heads|leads|founded|edits|directs|works for|works at|writes for|of|at|with|from|for)\s+(?:the\s+)?"
    r"((?:[A-Z][\w&.'’-]*)(?:\s+(?:of|for|and|&)?\s*[A-Z][\w&.'’-]*)*)")
OBSERVERS = ("journalist", "imagery", "sensor")


ALL_SECTIONS = ("outlets", "imagery", "sensors", "bodies")
_EDITIONS = r"(?:News|World(?:\s+News)?|English|Arabic|International|Online|Live|Top\s+News)"


class SourceRegistry:
    """Reliability by outlet, imagery provider, sensor feed, body and source kind.

    The packaged data/sources.yaml, updated section by section with the user's files in order (the
    configuration names them). Built once per configuration and passed in: two registries in one
    process grade independently."""

    def __init__(self, data: dict[str, dict[str, str]]):
        self.data = data
        self.kinds = {k: str(v).upper() for k, v in (data.get("kinds") or {}).items()}
        self._names: dict[tuple[str, ...], dict[str, tuple[str, str, str]]] = {}
        self._outlets: dict[str, tuple[str, str, str] | None] = {}

    @classmethod
    def load(cls, *paths: str | Path) -> SourceRegistry:
        data = packaged("sources.yaml")
        for path in paths:
            user = load_yaml(Path(path).read_text("utf-8")) or {}
            for section, values in user.items():
                data.setdefault(section, {}).update(values or {})
        return cls(data)

    def names(self, sections=ALL_SECTIONS) -> dict[str, tuple[str, str, str]]:
        """lower-cased name -> (grade, section, name as written in the registry)."""
        sections = tuple(sections)
        found = self._names.get(sections)
        if found is None:
            found = {}
            for section in sections:
                for name, grade in (self.data.get(section) or {}).items():
                    found[str(name).lower()] = (str(grade).upper(), section, str(name))
            self._names[sections] = found
        return found

    def lookup(self, name: str | None, sections=ALL_SECTIONS) -> tuple[str, str, str] | None:
        """The registry entry for a name (exact, case-insensitive, with or without a leading 'the')."""
        if not name:
            return None
        key = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.I).lower()
        return self.names(sections).get(key)

    def outlet_entry(self, outlet: str | None) -> tuple[str, str, str] | None:
        """The registry entry of an outlet, also when a page or feed names itself at more length:
        "Reuters: World News", "BBC News", "Al Jazeera English" (a separator or an edition word after
        the name; "Reuters Institute" and "Guardian Nigeria" are other outlets)."""
        if not outlet:
            return None
        if outlet not in self._outlets:
            if len(self._outlets) > 4096:
                self._outlets.clear()
            self._outlets[outlet] = self.lookup(outlet, ("outlets",)) or self.longest_name(
                outlet.strip(), ("outlets",), rf"\A(?:the\s+)?{{name}}(?:\s*[:|–—-]|\s+{_EDITIONS}\b)")
        return self._outlets[outlet]

    def mentioned(self, text: str, sections) -> tuple[str, str, str] | None:
        """The longest registry name written in a text (word-bounded)."""
        return self.longest_name(text, sections, r"(?<![\w-]){name}(?![\w-])")

    def longest_name(self, text: str, sections, pattern: str) -> tuple[str, str, str] | None:
        """The longest registry name that ``pattern`` (with {name} where the name goes) finds in a text;
        names of four letters or fewer only as written ("AP" is not "ap")."""
        best = None
        for key, entry in self.names(sections).items():
            if re.search(pattern.replace("{name}", re.escape(entry[2])), text, 0 if len(key) <= 4 else re.I):
                if best is None or len(entry[2]) > len(best[2]):
                    best = entry
        return best


def _lower(grade: str) -> str:
    """One grade less reliable (E stays E: F means 'cannot be judged', not 'worse than E')."""
    return grade if grade in "EF" else GRADES[GRADES.index(grade) + 1]


def grade_reliability(reg: SourceRegistry, source: Source, outlet: str | None) -> tuple[str, str]:
    """Admiralty reliability letter for a source, and the reason, in words.

    - A name in the registry (outlet, imagery provider, sensor feed, body) takes
      its registry grade.
    - The outlet's own reporting and its journalists take the outlet's grade.
    - Unnamed imagery and sensors take their kind's grade.
    - A person or body relayed by an outlet takes its kind's grade (or its
      affiliation's, when that is in the registry), never better than the
      outlet that relays it; an anonymous source takes one grade below the
      relaying outlet (the outlet knows and vouches for the source, the reader
      does not), F when the outlet is not in the registry.
    - A nested source ("X said Y told him") is no better than who relays it.
    """
    kinds = reg.kinds
    out = reg.outlet_entry(outlet)
    out_grade = out[0] if out else None
    out_name = out[2] if out else outlet
    entry = reg.lookup(source.name)
    if source.kind in ("imagery", "sensor"):
        if entry:
            grade, why = entry[0], f"{entry[2]} is graded {entry[0]} in the source registry ({entry[1]})"
        elif source.kind == "imagery" and source.text and not re.search(
                r"(?i)\b(?:satellite|radar|SAR|aerial|reconnaissance)\b", source.text):
            grade = kinds.get("footage", kinds.get("imagery", "F"))
            why = "photos or video of unknown origin: the registry's grade for footage"
        else:
            grade = kinds.get(source.kind, "F")
            why = f"unnamed {source.kind} source: the registry's grade for {source.kind}"
    elif source.kind in ("journalist", "organization") and (
            not source.name or outlet and source.name.lower() in (outlet.lower(), out_name.lower())):
        own = "the outlet's own journalist" if source.kind == "journalist" else "the outlet's own reporting"
        if out_grade:
            grade, why = out_grade, f"{own}: {out_name} is graded {out_grade} in the source registry"
        elif outlet:
            grade, why = "F", f"{own}; {outlet} is not in the source registry"
        else:
            grade, why = "F", f"{own}; the outlet is not known"
    elif entry:
        grade, why = entry[0], f"{entry[2]} is graded {entry[0]} in the source registry ({entry[1]})"
    elif source.kind == "anonymous" or source.anonymous and source.kind not in ("official",):
        if out_grade:
            grade = _lower(out_grade)
            why = f"unnamed source relayed by {out_name} ({out_grade}): one grade below the outlet that vouches for it"
        else:
            grade, why = "F", "unnamed source relayed by an outlet not in the registry: no basis to judge"
    else:
        aff = reg.lookup(source.affiliation)
        if aff:
            grade, why = aff[0], f"{source.kind} source of {aff[2]}, graded {aff[0]} in the source registry"
        else:
            grade = kinds.get(source.kind, "F")
            why = f"{source.kind} source: the registry's grade for that kind"
        if out_grade and GRADES.index(out_grade) > GRADES.index(grade) and grade != "F":
            grade = out_grade
            why += f", capped at the grade of {out_name} ({out_grade}) that relays it"
    if source.nested_via is not None and grade != "F":
        via_grade, _ = grade_reliability(reg, source.nested_via, outlet)
        if via_grade != "F" and GRADES.index(via_grade) > GRADES.index(grade):
            why += f"; capped at {via_grade}, the grade of who relays it ({source.nested_via.text})"
            grade = via_grade
    return grade, why


def reliability(reg: SourceRegistry, source: Source, outlet: str | None) -> str:
    """Admiralty reliability A-F (see ``grade_reliability``)."""
    return grade_reliability(reg, source, outlet)[0]


CREDIBILITY = {"asserted": 3, "hedged": 4, "negated": 3, "future": 3, "unconfirmed": 6, "no_comment": 6}
CREDIBILITY_WORDS = {1: "confirmed by other sources", 2: "probably true", 3: "possibly true", 4: "doubtful",
                     5: "improbable", 6: "truth cannot be judged"}


def grade_credibility(event: Event) -> tuple[int, str]:
    """Admiralty information credibility 1-6 for one event on its own, and why.

    Asserted, negated and future claims rate 3 (possibly true), 2 (probably
    true) when the source saw it itself (imagery, sensor, journalist); a
    hedged claim rates one lower (3 for an observer, 4 otherwise); claims the
    outlet could not confirm, and non-answers, rate 6 (cannot be judged).
    Fusion (fuse/corroborate.regrade) later moves the digit to 1 when
    independent sources agree, to 5 when they contradict.
    """
    kind = event.source.kind if event.source else None
    observer = kind in OBSERVERS
    modality = event.modality
    if modality in ("unconfirmed", "no_comment"):
        why = ("the outlet says it could not confirm it" if modality == "unconfirmed"
               else "a non-answer: nothing was said to judge")
        return 6, why
    digit = 2 if observer else 3
    why = "seen by the source itself" if observer else "reported, not seen by the source itself"
    if modality == "hedged":
        digit += 1
        why += ", and hedged"
    elif modality == "negated":
        why += " (a denial or absence)"
    elif modality == "future":
        why += " (an intention, not yet an act)"
    return digit, why + "; not yet confirmed by an independent source"


def credibility(event: Event, why_reliability: str | None = None) -> Credibility:
    """The Admiralty grade of one event on its own: its source's reliability letter (F when
    ungraded) and the information digit; with the letter's reason, ``basis`` says why of both."""
    letter = event.source.reliability if event.source and event.source.reliability else "F"
    digit, why_digit = grade_credibility(event)
    basis = None
    if why_reliability is not None:
        basis = f"{letter}: {why_reliability}. {digit} ({CREDIBILITY_WORDS[digit]}): {why_digit}."
    return Credibility(letter, digit, basis)


# --- classification of a speaker phrase -------------------------------------------------------------


def _tokens(analysis: Analysis, m: Mention):
    parsed = (analysis.parse or {}).get(m.sentence)
    if parsed is None:
        return []
    return [t for t in parsed.doc if m.span[0] <= parsed.span(t)[0] < m.span[1]]


def _root(tokens):
    return min(tokens, key=lambda t: (sum(1 for _ in t.ancestors), t.i)) if tokens else None


def _clean_name(text: str) -> str:
    text = re.split(r",|\s+\bwho\b|\s+\bwhich\b|\(", text)[0].strip()
    text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I).strip(" ,.")
    return re.sub(r"['’]s$", "", text)


def _affiliation(tokens, root, person: str | None) -> str | None:
    """'Syrian military and security' from 'Syrian military and security sources in contact with ...'."""
    if root is None:
        return None
    name_words = set(person.split()) if person else set()
    before = [t for t in tokens if t.i < root.i and t.text not in name_words]
    kept: list[str | None] = []  # words, "&" for a joining "and", None for a break
    for t in before:
        low = t.lower_
        if low in RANKS or t.dep_ in ("det", "nummod", "poss", "punct"):
            kept.append(None)
        elif low == "and" and kept and kept[-1] not in (None, "&"):
            kept.append("&")
        elif (t.text[:1].isupper() and (t.i != tokens[0].i or t.pos_ in ("PROPN", "ADJ")) or low in ORG_WORDS) \
                and low not in OFFICIAL_ROLES | ANALYST_ROLES | JOURNALIST_ROLES:
            kept.append(t.text)
        else:
            kept.append(None)
    # The last run of kept words before the head.
    run: list[str] = []
    last: list[str] = []
    for item in kept:
        if item is None:
            if run:
                last = run
            run = []
        else:
            run.append(item)
    run = run or last  # "Kremlin spokesman Dmitry Peskov" -> "Kremlin"
    while run and run[-1] == "&":
        run.pop()
    words = ["and" if w == "&" else w for w in run]
    if words:
        return " ".join(words)
    # "a spokesperson for the Pentagon", "officials from the Russian Defense Ministry"
    for prep in root.children:
        if prep.dep_ == "prep" and prep.lower_ in ("for", "of", "from", "at", "with") and not (
                prep.lower_ == "with" and root.lemma_.lower() in PERSON_NOUNS):
            pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if pobj is not None and (pobj.pos_ == "PROPN" or pobj.ent_type_ in ("ORG", "GPE", "NORP")
                                     or pobj.lower_ in INSTITUTIONS):
                sub = [t for t in pobj.subtree if t.dep_ not in ("det", "punct", "relcl", "acl")]
                if sub and not any(t.dep_ == "prep" for t in sub):
                    return " ".join(t.text for t in sub)
    return None


def _role_words(tokens, root) -> set[str]:
    words = {root.lemma_.lower(), root.lower_}
    for c in root.children:
        if c.dep_ in ("appos", "compound"):
            words.add(c.lemma_.lower())
            words.update(t.lemma_.lower() for t in c.children if t.dep_ == "compound")
    return words


def classify(reg: SourceRegistry, m: Mention, outlet: str | None, analysis: Analysis | None = None) -> Source:
    """A Source record from one speaker mention (before back-references are resolved)."""
    text = m.text.strip()
    tokens = _tokens(analysis, m) if analysis is not None else []
    root = _root(tokens)
    data = m.data or {}
    cue = data.get("verb")
    base = {"text": m.text, "span": m.span, "cue": cue}
    label = m.label
    outlet_low = (outlet or "").lower()
    # Imagery and sensors.
    head_word = root.lemma_.lower() if root is not None else text.split()[-1].lower()
    if label == "IMAGERY" or (label in ("ACCORDING", "SAY") and IMAGERY.search(text) and not SENSOR.search(text)
                              and (head_word in ("imagery", "image", "footage", "photo", "photograph", "picture",
                                                 "video", "satellite", "radar") or root is None)):
        provider = reg.mentioned(text, ("imagery",))
        name = provider[2] if provider else None
        if name is None:
            by = re.search(r"\b(?:by|from|of)\s+((?:[A-Z][\w.-]*\s?)+)", text)
            if by and by.group(1).strip().lower() != outlet_low and not reg.lookup(by.group(1).strip(), ("outlets",)):
                name = by.group(1).strip()
        if name is None and root is not None:
            props = [t.text for t in tokens if t.pos_ == "PROPN" and t.text.lower() != outlet_low
                     and t.ent_type_ not in ("DATE", "GPE") and not reg.lookup(t.text, ("outlets",))]
            name = " ".join(props) or None
        return Source("imagery", name, None, False, **base)
    if label == "SENSOR" or (label in ("ACCORDING", "SAY") and SENSOR.search(text)):
        feed = reg.mentioned(text, ("sensors",))
        return Source("sensor", feed[2] if feed else None, None, False, **base)
    # The outlet itself, other outlets, journalists.
    is_outlet = bool(outlet) and re.fullmatch(rf"(?:the\s+)?{re.escape(outlet)}", text, re.I)
    if is_outlet:
        kind = "journalist" if label == "SEE" else "organization"
        return Source(kind, outlet, None, False, **base)
    roles = _role_words(tokens, root) if root is not None else set(re.findall(r"[a-z]+", text.lower()))
    outlet_named = bool(outlet and re.search(rf"\b{re.escape(outlet)}\b", text)) or bool(reg.mentioned(text, ("outlets",)))
    head_word0 = root.lemma_.lower() if root is not None else ""
    if root is not None and head_word0 in PERSON_NOUNS | OFFICIAL_ROLES | ANALYST_ROLES:
        roles -= JOURNALIST_ROLES  # "an official, briefing reporters, said": not a reporter
    if roles & JOURNALIST_ROLES or (roles & {"team", "crew", "staff"} and outlet_named) or (
            root is None and re.search(r"\b(?:journalist|reporter|correspondent)s?\b", text, re.I)):
        other = reg.mentioned(text, ("outlets",))
        name = other[2] if other else outlet
        return Source("journalist", name, None, False, **base)
    other_outlet = reg.lookup(_clean_name(text), ("outlets",))
    if other_outlet:
        kind = "journalist" if label == "SEE" else "organization"
        return Source(kind, other_outlet[2], None, False, **base)
    person = data.get("person") if data else None
    if person is None and root is not None:
        person = _person(tokens, root)
    if person is None:
        person = _person_name(reg, text)
    if person is not None and (reg.lookup(person) or ORGANIZATION_NAME.search(person)):
        person = None  # "Maxar" tagged as a person; "Radio Free Asia" is an outlet, not a person
    affiliation = _affiliation(tokens, root, person) if root is not None else _regex_affiliation(text)
    anon_cue = bool(data.get("anonymous_cue"))
    if person:
        former = any(t.lower_ in ("former", "retired", "ex") for t in tokens)
        if roles & ANALYST_ROLES or former and ACADEMIC.search(text):
            m_aff = ANALYST_AFFILIATION.search(text[text.find(person) + len(person):])
            aff = m_aff.group(1).strip() if m_aff else _named_only(affiliation)
            provider = _imagery_provider(reg, aff, text)
            if provider:
                return Source("imagery", provider, None, False, **base)
            return Source("analyst", person, aff, False, **base)
        desc_aff = _appos_affiliation(tokens, root)
        if not former and (roles & OFFICIAL_ROLES or (affiliation and OFFICIAL.search(affiliation)) or (
                desc_aff and OFFICIAL.search(desc_aff))) and not NON_STATE.search(text):
            return Source("official", person, affiliation or desc_aff, False, **base)
        return Source("named", person, affiliation or desc_aff, False, **base)
    if root is None:
        return _classify_text(reg, text, outlet, anon_cue, base)
    head = root.lemma_.lower()
    if head in ANALYST_ROLES or roles & ANALYST_ROLES and head not in PERSON_NOUNS:
        m_aff = ANALYST_AFFILIATION.search(text)
        aff = m_aff.group(1).strip() if m_aff else _named_only(affiliation)
        provider = _imagery_provider(reg, aff, text)
        if provider:
            return Source("imagery", provider, None, False, **base)
        return Source("analyst", None, aff, True, **base)
    if head in SPOKES or re.search(r"\bpress (?:office|service)\b", text, re.I):
        return Source("official", affiliation, affiliation, anon_cue, **base)
    if head in DOCUMENTS:  # "an intelligence assessment seen by AP", "a UN report"
        kind = "official" if OFFICIAL.search(text) or re.search(r"(?i)\bintelligence\b", text) else "organization"
        return Source(kind, None, affiliation, False, **base)
    if head in ("head", "leader", "chief", "director", "commander", "governor"):
        of = next((c for c in root.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        pobj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if pobj is not None and (pobj.lemma_.lower() in INSTITUTIONS or pobj.ent_type_ in ("ORG", "GPE")
                                 or OFFICIAL.search(pobj.text)):
            return Source("official", _clean_name(text), affiliation, False, **base)  # an identifiable office
    if head in OFFICIAL_ROLES - PERSON_NOUNS and head not in ("head", "leader", "chief", "director", "prime"):
        return Source("official", _clean_name(text), affiliation, False, **base)  # "the mayor", "the defense minister"
    if head in PERSON_NOUNS or anon_cue and root.pos_ != "PROPN":
        return Source("anonymous", None, affiliation, True, **base)
    if root.pos_ == "PRON":
        return Source("anonymous", None, None, True, **base)
    name = _clean_name(text)
    if NON_STATE.search(name):
        return Source("organization", name, None, False, **base)
    if head in INSTITUTIONS or root.ent_type_ in ("GPE",) or OFFICIAL.search(name) or fold(name) in _country_names():
        nationality = " ".join(t.text for t in tokens if t.i < root.i and (
            t.ent_type_ in ("NORP", "GPE") or t.text[:1].isupper() and re.search(r"(?:ian|an|ese|ish|ic|i)$", t.text)))
        return Source("official", name, nationality or None, False, **base)
    return Source("organization", name, affiliation if affiliation != name else None, False, **base)


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    """Folded names of countries: a country that speaks or accuses is its government ("Armenia said")."""
    import pycountry

    names = {n for c in pycountry.countries for n in (c.name, getattr(c, "common_name", None)) if n}
    names |= {n for aliases in COUNTRY_ALIASES.values() for n in aliases}
    return frozenset(fold(n) for n in names)


def _named_only(affiliation: str | None) -> str | None:
    """An analyst's field ("defence analyst") is no affiliation; a name ("RAND analyst") is."""
    if not affiliation:
        return None
    words = [w for w in affiliation.split() if w[:1].isupper()]
    return " ".join(words) or None


def _appos_affiliation(tokens, root) -> str | None:
    """'Dmitry Peskov, the Kremlin spokesman' -> 'Kremlin'."""
    for c in root.children:
        if c.dep_ == "appos":
            sub = [t for t in c.subtree]
            aff = _affiliation(sub, c, None)
            if aff:
                return aff
    return None


def _classify_text(reg: SourceRegistry, text: str, outlet: str | None, anonymous: bool, base: dict) -> Source:
    """Fallback when the phrase was not parsed: classify from its words."""
    aff = _regex_affiliation(text)
    if re.search(r"(?i)\b(?:analysts?|experts?|researchers?)\b", text):
        return Source("analyst", _person_name(reg, text), aff, _person_name(reg, text) is None, **base)
    name = _person_name(reg, text)
    if name:
        return Source("named", name, aff, False, **base)
    if anonymous or re.search(r"(?i)\b(?:sources?|officials?|officers?|diplomats?|insiders?|people|witness(?:es)?)\b", text):
        return Source("anonymous", None, aff, True, **base)
    if OFFICIAL.search(text):
        return Source("official", _clean_name(text), aff, False, **base)
    return Source("organization", _clean_name(text), aff, False, **base)


def _regex_affiliation(text: str) -> str | None:
    m = re.search(
        r"\b((?:[A-Z][\w.]+|armed|military|security|intelligence|opposition|government|army|naval|defen[cs]e)"
        r"(?:\s+(?:and\s+)?(?:[A-Z][\w.]+|military|security|intelligence|opposition|government|army|naval|defen[cs]e))*)"
        r"\s+(?:sources?|officials?|officers?|diplomats?|spokes\w+)\b", text)
    if not m:
        return None
    words = [w for w in m.group(1).split() if w.lower() not in RANKS]
    return " ".join(words) or None


def _person_name(reg: SourceRegistry, text: str) -> str | None:
    """A personal name at the head of the phrase: 'Yoruk Işık, an Istanbul-based analyst' -> 'Yoruk Işık'."""
    m = re.match(r"^((?:[A-Z][\w'’-]+|al-[A-Z][\w'-]*)(?:\s+(?:[A-Z][\w'’-]+|al-[A-Z][\w'-]*|bin|van|de)){1,3})(?=,|$|\s+(?:said|told|who))",
                 text.strip())
    if not m:
        return None
    name = m.group(1)
    if OFFICIAL.search(name) or re.match(r"^(?:The|A|An|Russian|Syrian|Satellite)\b", name) or reg.lookup(name) \
            or ORGANIZATION_NAME.search(name):
        return None
    return name


# --- putting it together ------------------------------------------------------------------------------




IMAGERY_COMPANY = re.compile(r"\b(?:imagery|satellite(?:[- ]imagery)?|earth[- ]observation)\s+(?:company|firm|provider|operator)\b"
                             r"(?:\s+(?P<name>[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*)*))?", re.I)


def _imagery_provider(reg, affiliation: str | None, text: str) -> str | None:
    """The imagery provider an analyst works for ("an analyst at Maxar", "of the satellite company
    Planet Labs"): such an analyst speaks for the imagery, so the claim is graded as imagery."""
    if affiliation and reg.lookup(affiliation, ("imagery",)) is not None:
        return affiliation
    company = IMAGERY_COMPANY.search(text)
    if company is None:
        return None
    low = text.lower()
    named = [entry[2] for key, entry in reg.names(("imagery",)).items() if re.search(rf"\b{re.escape(key)}\b", low)]
    return max(named, key=len, default=None) or company.group("name") or affiliation or "imagery company"


def _resolve_backref(m: Mention, src: Source, history: list[tuple[Mention, Source]]) -> Source:
    """'the official' / 'the sources' / 'he': the last earlier speaker of that sort, with its details."""
    data = m.data or {}
    if not data.get("backref"):
        return src
    head = data.get("head")
    word = m.text.strip().lower()
    antecedent = None
    for prior_m, prior in reversed(history):
        pd = prior_m.data or {}
        if word in ("he", "she"):
            if prior.kind in ("named", "anonymous", "official", "analyst", "journalist") and not pd.get("plural") and (
                    pd.get("person") or pd.get("head") in PERSON_NOUNS | OFFICIAL_ROLES | ANALYST_ROLES | JOURNALIST_ROLES
                    or prior.refers_to):
                antecedent = prior
                break
        elif word in ("they", "we"):
            if pd.get("plural"):
                antecedent = prior
                break
        elif word == "it":  # "It added": the body last heard, not a person
            if not pd.get("person") and prior.kind in ("official", "organization", "imagery", "sensor", "analyst") \
                    and pd.get("head") not in PERSON_NOUNS and not pd.get("plural"):
                antecedent = prior
                break
        elif pd.get("head") == head or (head in SPOKES and pd.get("head") in SPOKES):
            antecedent = prior
            break
    if antecedent is None:
        return src
    return Source(antecedent.kind, antecedent.name, antecedent.affiliation or src.affiliation,
                  antecedent.anonymous or bool(data.get("anonymous_cue")), None, m.text, m.span, cue=src.cue,
                  refers_to=antecedent.refers_to or antecedent.text)


# "Defense Minister Boris Pistorius": a title, then up to two names ending in the surname at the end
_TITLED = re.compile(r"(?i:\b(?:" + "|".join(sorted(OFFICIAL_ROLES, key=len, reverse=True)) + r"))\s+"
                     r"(?:(?:[A-Z][\w.'’-]*|of|the|for)\s+){0,5}?(?P<full>(?:[A-Z][\w.'’-]+\s+){1,2})$")


def _surname(src: Source, m: Mention, history: list[tuple[Mention, Source]], text: str) -> Source:
    """"Pistorius said": the person named in full before ("Defense Minister Boris Pistorius"), as an
    earlier speaker or with a title anywhere earlier in the report, with that person's standing."""
    if src.kind not in ("named", "organization") or not src.name or " " in src.name.strip():
        return src
    surname = src.name.strip()
    for prior_m, prior in reversed(history):
        if src.kind == "named" and prior.name and prior.name != surname and prior.name.split()[-1] == surname:
            return replace(src, kind=prior.kind, name=prior.name, affiliation=prior.affiliation or src.affiliation,
                           refers_to=prior.text)
    for hit in reversed(list(re.finditer(rf"\b{re.escape(surname)}\b", text[:m.span[0]]))):
        titled = _TITLED.search(text[max(0, hit.start() - 80):hit.start()])
        if titled is not None:
            full = titled.group("full") + surname
            return replace(src, kind="official", name=full, refers_to=titled.group(0) + surname)
    return src


def _only_attribution(analysis: Analysis, index: int, mentions: list[Mention]) -> bool:
    """True for a sentence that does nothing but attribute ('Officials told Reuters.')."""
    s0, s1 = analysis.sentences[index]
    rest = analysis.document.text[s0:s1]
    for m in mentions:
        rest = rest.replace(m.text, "")
        if (m.data or {}).get("verb"):
            rest = rest.replace(m.data["verb"], "")
    words = re.findall(r"[A-Za-z]+", rest)
    if (analysis.document.outlet or "") in words:
        words.remove(analysis.document.outlet)
    return len(words) <= 3 and not re.search(r"[“\"]", rest)


def _trigger_token(analysis: Analysis, event: Event):
    parsed = (analysis.parse or {}).get(analysis.sentences.index(event.span)) if event.span in analysis.sentences else None
    if parsed is None:
        return None, None
    for t in parsed.doc:
        if parsed.span(t)[0] == event.trigger_span[0]:
            return parsed, t
    for t in parsed.doc:
        a, b = parsed.span(t)
        if a <= event.trigger_span[0] < b:
            return parsed, t
    return parsed, None


def resolve_sources(analysis: Analysis, reg: SourceRegistry) -> None:
    """Give every event its Source, final modality and Admiralty code."""
    outlet = analysis.document.outlet
    speakers: dict[int, list[Mention]] = {}
    cues: dict[int, list[Mention]] = {}
    for m in analysis.mentions:
        if m.kind != "attribution" or m.sentence is None:
            continue
        if m.label in SPEAKER_LABELS:
            speakers.setdefault(m.sentence, []).append(m)
        elif m.label in ("NO_COMMENT", "UNCONFIRMED"):
            cues.setdefault(m.sentence, []).append(m)
    for index, ms in speakers.items():
        ours = [m for m in ms if (m.data or {}).get("verb_span")]
        # A speaker added without its verb (extract/events, for a no-comment cue) that one of ours already covers.
        speakers[index] = ours + [m for m in ms if not (m.data or {}).get("verb_span") and not any(
            o.span[0] < m.span[1] and m.span[0] < o.span[1] for o in ours)]

    # Sources of all speakers, in text order, resolving back-references.
    history: list[tuple[Mention, Source]] = []
    source_of: dict[int, Source] = {}
    for index in sorted(speakers):
        for m in sorted(speakers[index], key=lambda x: x.span[0]):
            src = _resolve_backref(m, classify(reg, m, outlet, analysis), history)
            src = _surname(src, m, history, analysis.document.text)
            source_of[id(m)] = src
            history.append((m, src))

    def claim(m: Mention) -> tuple[int, int]:
        span = (m.data or {}).get("claim_span")
        if span:
            return tuple(span)
        return analysis.sentences[m.sentence]

    def size(m: Mention) -> int:
        a, b = claim(m)
        # "according to X" frames everything else in its sentence: "Images show ..., according to an analyst".
        return b - a + (10**6 if m.label == "ACCORDING" else 0)

    def covers(m: Mention, pos: int) -> bool:
        a, b = claim(m)
        return a <= pos < b and not (m.span[0] <= pos < m.span[1])

    def with_parent(m: Mention, candidates: list[Mention]) -> Source:
        src = replace(source_of[id(m)])
        outer = [c for c in candidates if c is not m and covers(c, m.span[0]) and size(c) > size(m)
                 and _reported_within(analysis, m, c)]
        if outer:
            parent = min(outer, key=size)
            src.nested_via = with_parent(parent, [c for c in candidates if c is not m])
        return src

    def sentence_source(index: int) -> tuple[Source | None, Mention | None, str]:
        """Source for an event in a sentence with no attribution of its own."""
        nxt = [m for m in speakers.get(index + 1, []) if (m.data or {}).get("stance") != "unconfirmed"]
        if nxt and _only_attribution(analysis, index + 1, nxt + cues.get(index + 1, [])):
            return replace(source_of[id(nxt[0])]), nxt[0], "next"
        s0, s1 = analysis.sentences[index]
        sentence = analysis.document.text[s0:s1]
        prev = inherited.get(index - 1)
        if prev is not None and prev[0] is not None:
            if re.match(r"^[“\"]", sentence) and prev[0].kind not in OBSERVERS:
                return replace(prev[0]), prev[1], "quote"
            if prev[0].kind in ("journalist", "imagery", "sensor") and _continues(analysis, index):
                return replace(prev[0]), prev[1], "continues"
        return None, None, "own"

    inherited: dict[int, tuple[Source | None, Mention | None]] = {}
    for index in range(len(analysis.sentences)):
        here = speakers.get(index)
        if here:
            main = max(here, key=size)
            inherited[index] = (source_of[id(main)], main)
        else:
            src, m, _ = sentence_source(index)
            inherited[index] = (src, m)

    for event in analysis.events:
        if event.span not in analysis.sentences:
            continue
        index = analysis.sentences.index(event.span)
        pos = event.trigger_span[0]
        here = speakers.get(index, [])
        chosen: Mention | None = None
        src: Source | None = None
        inside = [m for m in here if covers(m, pos)]
        if inside:
            chosen = min(inside, key=size)
            src = with_parent(chosen, here)
        elif here and any(m.span[0] <= pos < m.span[1] for m in here):
            src = None  # a trigger inside the speaker phrase: the outlet describes the speaker
        elif [m for m in here if not (m.data or {}).get("narrow")]:
            chosen = max((m for m in here if not (m.data or {}).get("narrow")), key=size)
            src = with_parent(chosen, here)
        elif here:
            src = None  # only a promise's or an accusation's own clause is its owner's: the rest is the outlet's
        else:
            src, chosen = inherited.get(index, (None, None))
            src = replace(src) if src is not None else None
        if src is None:
            src = Source("organization", outlet, None, False)

        # Modality: every stage's cues, one decision (extract/modality.py).
        cue_here = [c for c in cues.get(index, []) if _in_scope(c, pos)]
        prev_cues = [c for c in cues.get(index + 1, []) if _anaphoric(analysis, c, index + 1)]
        found = Cues(grammatical=event.modality,
                     no_comment=any(c.label == "NO_COMMENT" for c in cue_here),
                     unconfirmed=any(c.label == "UNCONFIRMED" for c in cue_here + prev_cues),
                     no_comment_event=event.subtype == "no_comment" and event.type == "OTHER")
        if chosen is not None and chosen.sentence == index and not (
                (chosen.data or {}).get("verb_span") and chosen.data["verb_span"][0] <= pos < chosen.data["verb_span"][1]):
            parsed, trig = _trigger_token(analysis, event)
            verb = None
            if parsed is not None and (chosen.data or {}).get("verb_i") is not None:
                verb = parsed.doc[chosen.data["verb_i"]]
            hedges, observations = path_hedges(trig, verb) if trig is not None else ([], [])
            data = chosen.data or {}
            found.attributed, found.stance, found.verb_hedge = True, data.get("stance"), bool(data.get("hedge"))
            found.hedges, found.observations = tuple(hedges), tuple(observations)
            found.witness = src.kind in ("journalist", "anonymous", "named") and trig is not None
            found.trigger_hedged = trig is not None and own_hedge(trig)
        elif chosen is None or chosen.sentence != index:
            _, trig = _trigger_token(analysis, event)
            found.outlet_doubt = trig is not None and bool(path_hedges(trig, None)[0])
        event.modality = decide(found)

        letter, why_letter = grade_reliability(reg, src, outlet)
        src.reliability = letter
        event.source = src
        event.credibility = credibility(event, why_letter)


def _reported_within(analysis: Analysis, inner: Mention, outer: Mention) -> bool:
    """Whether inner's attribution is part of what outer reports ("X said Y told him"), not an aside
    joined to it ("X said ..., while the ministry declined to comment")."""
    if (inner.data or {}).get("stance") == "no_comment":
        return False  # a non-answer is given to the outlet, not relayed by anyone
    if outer.label == "ACCORDING":
        return True
    parsed = (analysis.parse or {}).get(inner.sentence)
    i, o = (inner.data or {}).get("verb_i"), (outer.data or {}).get("verb_i")
    if parsed is None or i is None or o is None:
        return True
    node = parsed.doc[i]
    while node.i != o and node.head.i != node.i:
        if node.dep_ in ("advcl", "relcl", "acl"):
            return False
        node = node.head
    return node.i == o


def _in_scope(cue: Mention, pos: int) -> bool:
    scope = (cue.data or {}).get("scope")
    if not scope:
        return True
    return scope[0] <= pos < scope[1]


def _anaphoric(analysis: Analysis, cue: Mention, index: int) -> bool:
    """'Reuters could not independently verify the report.' covers the sentence before it."""
    if cue.label != "UNCONFIRMED":
        return False
    s0, s1 = analysis.sentences[index]
    rest = analysis.document.text[cue.span[1]:s1]
    before = analysis.document.text[s0:cue.span[0]]
    if re.match(r"^\s*(?:the|this|these|that|those|it|them|its|their|his|her)\b(?!\s+(?:how|whether))", rest, re.I) and \
            len(re.findall(r"\w+", rest)) <= 6:
        return True
    # "The withdrawal could not be independently verified.": a short definite subject and nothing more.
    return bool(re.match(r"^\s*(?:This|That|It|These|Those|(?:The|This|These|Such) [\w-]+(?: [\w-]+)?)\s*$", before)) \
        and len(re.findall(r"\w+", rest)) <= 3


def _continues(analysis: Analysis, index: int) -> bool:
    """An unattributed sentence that goes on describing what the previous one observed.

    Its subject is a definite noun phrase ("The convoy had stopped ...") whose
    head noun the previous sentence mentioned.
    """
    parsed = (analysis.parse or {}).get(index)
    prev = analysis.sentences[index - 1]
    prev_text = analysis.document.text[prev[0]:prev[1]].lower()
    if parsed is None:
        return False
    for tok in parsed.doc:
        if tok.dep_ in ("nsubj", "nsubjpass") and tok.head.dep_ == "ROOT":
            det = [c for c in tok.children if c.dep_ == "det"]
            if det and det[0].lower_ in ("the", "this", "these", "that", "those") and re.search(
                    rf"\b{re.escape(tok.lemma_.lower())}", prev_text):
                return True
            return False
    return False

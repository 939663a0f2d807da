"""The event coder: triggers in the dependency parse become Event records.

A trigger is a verb or noun from the lexicon below (docs/ontology.md lists
it with examples). For each one the coder reads, from the parse, who acts
(subject, possessor or nationality adjective), on whom (object), with what
equipment, and the grammatical modality of the clause (negated, future,
hedged). Places, dates and sources are left to later stages, which read
them from the mentions found in the same sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

from forcewatch.extract.equipment import find_equipment
from forcewatch.extract.nlp import ParsedSentence
from forcewatch.records import Actor, Analysis, Event, Mention

M = "MOBILIZE"
# lemma -> (PLOVER type, force-posture subtype); verbs and nominalisations alike.
TRIGGERS: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(["withdraw", "withdrawal", "retreat", "evacuate", "evacuation", "drawdown", "exit", "pullout", "pullback"], ("RETREAT", "withdraw")),
    **dict.fromkeys(["deploy", "deployment", "redeploy", "redeployment", "reinforce", "reinforcement", "dispatch", "station", "buildup", "build-up", "amass", "mobilize", "mobilise", "mobilization", "regroup"], (M, "deploy")),
    **dict.fromkeys(["depart", "departure", "sail"], (M, "depart")),
    **dict.fromkeys(["arrive", "arrival", "land", "dock", "reach"], (M, "arrive")),
    **dict.fromkeys(["load", "loading", "unload", "unloading", "airlift"], (M, "load")),
    **dict.fromkeys(["transit", "convoy", "fly", "route", "travel", "cross", "movement", "head"], (M, "transit")),
    **dict.fromkeys(["anchor", "moor", "berth"], (M, "anchor")),
    **dict.fromkeys(["presence", "patrol", "walk", "hangar", "park"], (M, "presence")),
    **dict.fromkeys(["lease", "host"], ("COOPERATE", "basing")),
    **dict.fromkeys(["discuss", "discussion", "talk", "talks", "meet", "meeting", "visit", "negotiate", "negotiation", "consult", "consultation"], ("CONSULT", None)),
    **dict.fromkeys(["support", "back", "endorse", "praise", "recognize", "recognise", "prop"], ("SUPPORT", None)),
    **dict.fromkeys(["aid", "asylum", "help", "assist", "assistance", "supply", "deliver", "donate", "resupply"], ("AID", None)),
    **dict.fromkeys(["attack", "strike", "airstrike", "bomb", "bombing", "shell", "shelling", "intervene", "intervention", "invade", "invasion", "raid", "kill", "shoot", "fight", "clash", "offensive"], ("ASSAULT", None)),
    **dict.fromkeys(["accuse", "blame", "condemn", "criticize", "criticise", "denounce", "investigate", "investigation", "probe"], ("ACCUSE", None)),
    **dict.fromkeys(["threaten", "threat", "ultimatum"], ("THREATEN", None)),
    **dict.fromkeys(["demand", "urge", "appeal", "request", "ask"], ("REQUEST", None)),
    **dict.fromkeys(["reject", "refuse", "veto", "oppose", "rebuff"], ("REJECT", None)),
    **dict.fromkeys(["protest", "demonstrate", "demonstration", "rally"], ("PROTEST", None)),
    **dict.fromkeys(["sanction", "embargo", "expel", "boycott", "suspend"], ("SANCTION", None)),
    **dict.fromkeys(["arrest", "detain", "seize", "blockade", "ban", "confiscate", "deport", "persecute", "overthrow", "ouster", "oust"], ("COERCE", None)),
    **dict.fromkeys(["agree", "agreement", "sign", "deal", "accord", "ceasefire", "truce", "accept"], ("AGREE", None)),
    **dict.fromkeys(["concede", "release", "ease", "apologize", "apologise", "surrender", "yield"], ("CONCEDE", None)),
}
# Verb + particle or adverb that changes the meaning of the verb.
PHRASAL: dict[tuple[str, str], tuple[str, str | None]] = {
    ("take", "off"): (M, "depart"), ("pull", "out"): ("RETREAT", "withdraw"),
    ("pull", "back"): ("RETREAT", "withdraw"), ("ship", "back"): ("RETREAT", "withdraw"),
    ("send", "back"): ("RETREAT", "withdraw"), ("fly", "out"): (M, "depart"),
    ("touch", "down"): (M, "arrive"), ("set", "sail"): (M, "depart"), ("move", "in"): (M, "deploy"),
    ("call", "for"): ("REQUEST", None),
}
# Verbs whose meaning depends on their object or complement.
CONTEXTUAL = {"leave", "send", "move", "grant", "keep", "remain", "stay", "maintain", "see", "establish", "ship"}
MILITARY_NOUNS = re.compile(
    r"\b(?:base|bases|forces?|troops|soldiers|military|army|navy|fleet|aircraft|planes?|ships?|vessels?|"
    r"frigates?|equipment|convoy|officers|personnel|jets?|helicopters?|warships?|vehicles?|units?|facility|positions?)\b",
    re.I,
)
HEDGES = {"appear", "apparently", "likely", "possibly", "reportedly", "suggest", "seem", "allegedly", "perhaps", "probably", "believe", "unclear"}
MODAL_HEDGE = {"may", "might", "could"}
FUTURE = {"will", "would", "shall", "'ll"}
INTENT = {"plan", "intend", "intention", "aim", "prepare", "expect", "goal"}


@lru_cache(maxsize=1)
def actor_words() -> dict[str, str]:
    """Lower-cased word or phrase -> ISO alpha-3, from actors.yaml and pycountry."""
    import pycountry

    table: dict[str, str] = {}
    for c in pycountry.countries:
        table.setdefault(c.name.lower(), c.alpha_3)
        if hasattr(c, "common_name"):
            table.setdefault(c.common_name.lower(), c.alpha_3)
    data = yaml.safe_load(resources.files("forcewatch.data").joinpath("actors.yaml").read_text("utf-8"))
    for code, words in data.items():
        for w in words:
            table[w.lower()] = code
    return table


def actor_of(tokens, text: str | None = None) -> Actor | None:
    """An actor from a noun phrase: 'Russian soldiers' -> Russia, 'the Kremlin' -> Russia."""
    words = actor_words()
    phrase = " ".join(t.text for t in tokens)
    low = phrase.lower()
    for size in (3, 2, 1):
        for i in range(len(tokens) - size + 1):
            chunk = " ".join(t.text for t in tokens[i:i + size]).lower().strip(" '’s")
            if chunk in words:
                return Actor(name=_actor_name(phrase, tokens), country=words[chunk])
    if re.search(r"\b(?:opposition|rebels?|insurgents?|militants?|interim administration|new rulers)\b", low):
        return Actor(name=_actor_name(phrase, tokens), country=None)
    return None


def _actor_name(phrase: str, tokens) -> str:
    """A short readable name: the phrase without determiners and relative clauses."""
    words = []
    for t in tokens:
        if t.dep_ in ("relcl", "acl", "punct") or t.text in (",", "who", "which", "that"):
            break
        if t.dep_ == "det" and t.i == tokens[0].i:
            continue
        words.append(t.text_with_ws)
    return "".join(words).strip() or phrase


def _trigger(tok) -> tuple[str, str | None] | None:
    lemma = tok.lemma_.lower()
    if tok.pos_ in ("VERB", "AUX"):
        for child in tok.children:
            if child.dep_ in ("prt", "advmod", "dobj") and (lemma, child.lower_) in PHRASAL:
                return PHRASAL[(lemma, child.lower_)]
    if tok.pos_ not in ("VERB", "NOUN", "PROPN", "ADJ"):
        return None
    if lemma in CONTEXTUAL:
        return _contextual(tok, lemma)
    if lemma == "base" and tok.pos_ == "VERB":
        return ("COOPERATE", "basing")
    if lemma in ("talk", "back", "land", "head", "walk", "park", "station", "strike", "shell", "fly", "cross",
                 "travel", "reach", "route", "sail", "supply", "support", "help", "ask", "release", "ease", "deal", "host"):
        # Common words: only military context makes them events.
        window = tok.sent.text if hasattr(tok, "sent") else tok.doc.text
        if lemma in ("talk", "deal", "help", "support", "ask", "release", "ease") and tok.pos_ == "VERB":
            return TRIGGERS.get(lemma)
        if not MILITARY_NOUNS.search(window):
            return None
        if lemma == "head" and tok.pos_ != "VERB":
            return None
        if lemma == "strike" and tok.pos_ == "NOUN" and not re.search(r"air|missile|drone", window, re.I):
            return None
    return TRIGGERS.get(lemma)


def _contextual(tok, lemma: str) -> tuple[str, str | None] | None:
    objects = [c for c in tok.children if c.dep_ in ("dobj", "prep", "attr", "nsubjpass", "nsubj", "acomp", "oprd")]
    context = " ".join(" ".join(t.text for t in c.subtree) for c in objects)
    subject = " ".join(" ".join(t.text for t in c.subtree) for c in tok.children if c.dep_ in ("nsubj", "nsubjpass"))
    if lemma == "leave" and MILITARY_NOUNS.search(context):
        if re.search(r"\b(?:plane|aircraft|jet|ship|vessel|frigate|convoy)", subject, re.I):
            return (M, "depart")
        return ("RETREAT", "withdraw")
    if lemma in ("send", "ship", "move"):
        if re.search(r"\b(?:through|via)\b", tok.sent.text[tok.idx - tok.sent.start_char:] if hasattr(tok, "sent") else ""):
            return (M, "transit")
        if MILITARY_NOUNS.search(context) or MILITARY_NOUNS.search(subject):
            return (M, "deploy") if lemma != "ship" else (M, "transit")
    if lemma == "grant":
        if re.search(r"\basylum\b", context, re.I):
            return ("AID", None)
        if re.search(r"\blease\b", context, re.I):
            return ("COOPERATE", "basing")
    if lemma in ("keep", "remain", "stay", "maintain") and MILITARY_NOUNS.search(context + " " + subject):
        return (M, "presence")
    if lemma == "see" and tok.dep_ in ("xcomp", "ROOT", "ccomp", "conj") and any(c.dep_ == "auxpass" for c in tok.children):
        if MILITARY_NOUNS.search(subject) or MILITARY_NOUNS.search(context):
            return (M, "presence")
    if lemma == "establish" and re.search(r"\bchannels?|contacts?|communication\b", context, re.I):
        return ("CONSULT", None)
    return None


def _modality(tok) -> str:
    """Grammatical modality of the trigger's clause: negated, future, hedged or asserted."""
    chain = [tok]
    head = tok
    while head.dep_ in ("xcomp", "conj", "pobj", "prep", "dobj", "amod", "compound", "acl") and head.head is not head:
        head = head.head
        chain.append(head)
    negated = future = hedged = False
    for t in chain:
        for c in t.children:
            if c.dep_ == "neg" or c.lower_ in ("never", "no"):
                negated = True
            if c.dep_ == "aux" and c.lower_ in FUTURE:
                future = True
            if c.dep_ == "aux" and c.lower_ in MODAL_HEDGE:
                hedged = True
            if c.lemma_.lower() in HEDGES:
                hedged = True
        if t.lemma_.lower() in HEDGES:
            hedged = True
        if t.lemma_.lower() in INTENT and t is not tok:
            future = True
        if t.lower_ == "intention" and any(c.lower_ == "no" for c in t.children):
            negated = True
    for anc in tok.ancestors:
        if anc.lemma_.lower() in HEDGES:
            hedged = True
        if anc.lemma_.lower() in ("intention", "plan") and any(c.lower_ == "no" for c in anc.children):
            negated = True
    if negated:
        return "negated"
    if hedged:
        return "hedged"
    if future:
        return "future"
    return "asserted"


def _actor_for(tok, doc) -> Actor | None:
    for child in tok.children:
        if child.dep_ in ("nsubj", "nsubjpass", "agent", "poss"):
            sub = list(child.subtree) if child.dep_ != "agent" else [t for c in child.children for t in c.subtree]
            if child.dep_ == "nsubjpass":
                continue
            found = actor_of(sub)
            if found:
                return found
    for child in tok.children:
        if child.dep_ in ("amod", "compound", "nmod"):
            found = actor_of([child])
            if found:
                return found
    if tok.dep_ in ("conj", "xcomp", "advcl", "pobj", "dobj") and tok.head is not tok:
        return _actor_for(tok.head, doc)
    return None


def _target_for(tok) -> Actor | None:
    for child in tok.children:
        if child.dep_ == "dobj":
            found = actor_of(list(child.subtree))
            if found:
                return found
        if child.dep_ == "prep" and child.lower_ in ("with", "against", "to", "on"):
            for p in child.children:
                found = actor_of(list(p.subtree))
                if found:
                    return found
    return None


def code_events(analysis: Analysis) -> None:
    """Events for every parsed sentence, at most one per trigger word."""
    doc_id = analysis.document.id
    text = analysis.document.text
    last_actor: Actor | None = None
    for index in sorted(analysis.parse):
        parsed: ParsedSentence = analysis.parse[index]
        s0, s1 = analysis.sentences[index]
        sentence = text[s0:s1]
        equipment = find_equipment(sentence, s0)
        seen: set[tuple[str, str | None, str]] = set()
        for tok in parsed.doc:
            coded = _trigger(tok)
            if not coded:
                continue
            type_, subtype = coded
            modality = _modality(tok)
            key = (type_, subtype, modality)
            if key in seen:
                continue
            seen.add(key)
            actor = _actor_for(tok, parsed.doc)
            if actor is None and any(c.dep_ == "nsubj" and c.lower_ in ("it", "they") for c in tok.children):
                actor = last_actor
            if actor is not None:
                last_actor = actor
            t_span = parsed.span(tok)
            for child in tok.children:
                if child.dep_ == "prt":
                    t_span = (t_span[0], parsed.span(child)[1])
            analysis.events.append(Event(
                id=Event.make_id(doc_id, t_span, type_, subtype),
                doc_id=doc_id, type=type_, subtype=subtype,
                trigger=text[t_span[0]:t_span[1]], trigger_span=t_span,
                sentence=sentence, span=(s0, s1), actor=actor, target=_target_for(tok),
                equipment=[e for e in equipment if e.category != "personnel" or subtype],
                modality=modality,
            ))


def code_no_comment(analysis: Analysis) -> None:
    """An unanswered request for comment is itself an event (OTHER / no_comment), by whoever was asked."""
    text = analysis.document.text
    doc_id = analysis.document.id
    for m in list(analysis.mentions):
        if m.kind != "attribution" or m.label != "NO_COMMENT" or m.sentence not in analysis.parse:
            continue
        parsed = analysis.parse[m.sentence]
        s0, s1 = analysis.sentences[m.sentence]
        subject = [t for t in parsed.doc if parsed.span(t)[1] <= m.span[0]]
        analysis.events.append(Event(
            id=Event.make_id(doc_id, m.span, "OTHER", "no_comment"), doc_id=doc_id, type="OTHER",
            subtype="no_comment", trigger=m.text, trigger_span=m.span, sentence=text[s0:s1], span=(s0, s1),
            actor=actor_of(subject) if subject else None, modality="no_comment",
        ))
        if subject:
            who = parsed.span(subject[0])[0], parsed.span(subject[-1])[1]
            analysis.mentions.append(Mention("attribution", text[who[0]:who[1]], who, "SAY", m.sentence,
                                             {"anonymous_cue": False, "pronoun": False}))
    analysis.mentions.sort(key=lambda x: x.span[0])

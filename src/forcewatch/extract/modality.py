"""Modality, decided in one place: the cues every stage finds, and one order of precedence.

The coder reads the grammatical cues of a trigger's clause (``grammatical``: negation, modal and
hedge words, futures and intentions); the attribution finds the speaker's stance (a denial, a
hedging verb) and the outlet's non-answers and doubts; resolve/sources gathers them and asks
``decide``, which applies the one order: no comment > unconfirmed > the trigger's own clause
(negated > hedged > future) > the speaker's stance (a denial; a hedge on the verb or on the way
from it to the trigger) > asserted. "Could be seen" by an eye-witness is an observation, not a
hedge. The cue words are data (data/modality.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from forcewatch.data import packaged


@dataclass(frozen=True)
class CueWords:
    hedges: frozenset[str]
    modal_hedges: frozenset[str]
    future_aux: frozenset[str]
    intent: frozenset[str]
    intent_adjectives: frozenset[str]
    refusal: frozenset[str]
    perception: frozenset[str]


@lru_cache(maxsize=1)
def words() -> CueWords:
    data = packaged("modality.yaml")
    return CueWords(**{k: frozenset(v) for k, v in data.items()})


# The dependencies through which a trigger's clause reaches the verb whose auxiliaries and
# negation it shares ("plans to withdraw", "no sign of a withdrawal", "the start of the pull-out").
_UP = ("xcomp", "conj", "pobj", "prep", "dobj", "amod", "compound", "acl", "pcomp", "acomp")


def _infinitive_of_noun(tok) -> bool:
    """"would take time to disengage", "the order to withdraw": an infinitive hung on a noun shares
    the modality of the clause that holds the noun."""
    return tok.dep_ == "relcl" and tok.head.pos_ == "NOUN" and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)


def grammatical(tok) -> str:
    """Modality of the trigger's own clause: negated, hedged, future or asserted."""
    w = words()
    chain = [tok]
    head = tok
    while (head.dep_ in _UP or _infinitive_of_noun(head)) and head.head != head:
        if head.dep_ == "conj" and any(c.dep_ in ("nsubj", "nsubjpass", "aux") for c in head.children):
            break
        head = head.head
        chain.append(head)
    if tok.pos_ in ("NOUN", "PROPN") and tok.dep_ in ("nsubj", "nsubjpass") and tok.head.lemma_.lower() in w.intent | w.hedges:
        chain.append(tok.head)  # "further departures are expected", "the withdrawal is believed to ..."
    negations = 0
    future = hedged = False
    if _alternative(tok):
        hedged = True  # "have left Afghanistan or are nearing a departure": one of two, not asserted
    if any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children) and tok.head.lower_ == "about":
        future = True  # "about to sail"
    if tok.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children) and any(
            c.dep_ == "aux" and c.lower_ in w.future_aux for c in tok.head.children):
        future = True  # "would take time to disengage": the infinitive shares the later time
    for t in chain:
        lemma = t.lemma_.lower()
        perception = lemma in w.perception and any(c.dep_ == "auxpass" for c in t.children)
        for c in t.children:
            clemma = c.lemma_.lower()
            if c.dep_ == "neg" or (c.lower_ in ("never", "no") and c.dep_ in ("neg", "det", "advmod")):
                negations += 1
            if c.dep_ == "aux" and c.lower_ in w.future_aux:
                future = True
            if c.dep_ == "aux" and c.lower_ in w.modal_hedges and not perception:
                hedged = True
            if clemma in w.hedges and c.dep_ in ("advmod", "aux", "amod", "ccomp", "parataxis"):
                hedged = True
            if c.dep_ in ("nsubj", "nsubjpass") and clemma in w.intent:
                future = True
            if t is tok and c.dep_ == "amod" and clemma in w.intent_adjectives:
                future = True
            if t is tok and tok.pos_ == "NOUN" and c.dep_ == "acl" and clemma in w.intent and any(
                    g.dep_ == "xcomp" for g in c.children):
                future = True  # "the exercise, scheduled to kick off next week"; not "a withdrawal ordered by"
        if t is not tok:
            if lemma in w.hedges:
                hedged = True
            if lemma in w.intent:
                future = True
            if lemma in w.refusal and t.pos_ == "VERB":
                negations += 1
            if lemma == "be" and t.i < tok.i and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children) \
                    and tok.dep_ == "xcomp" and tok.head.i == t.i:
                future = True  # "is to withdraw", "are to be fired": an arrangement still to be carried out
        if t.lower_ in ("intention", "plan", "plans") and any(c.lower_ == "no" for c in t.children):
            negations += 1
    for anc in tok.ancestors:
        lemma = anc.lemma_.lower()
        if lemma in w.hedges:
            hedged = True
        if lemma in ("intention", "plan") and any(c.lower_ == "no" for c in anc.children):
            negations += 1
        if anc.dep_ == "ROOT" or lemma in ("say", "tell"):
            break
    if negations % 2:
        return "negated"
    if hedged or negations:
        return "hedged"  # "refused to rule out sending troops": not denied, only left open
    if future:
        return "future"
    return "asserted"


def _alternative(tok) -> bool:
    """The trigger is one side of "X or Y" between clauses or acts."""
    if tok.dep_ == "conj":
        return any(c.dep_ == "cc" and c.lower_ == "or" for c in tok.head.children) and tok.head.pos_ == tok.pos_
    return any(c.dep_ == "conj" and c.pos_ == tok.pos_ for c in tok.children) and any(
        c.dep_ == "cc" and c.lower_ == "or" for c in tok.children)


def path_hedges(trigger, stop) -> tuple[list, list]:
    """Hedges on the way from the trigger up to the attribution verb ``stop`` (None: to the root),
    and "could be seen" observations met on the way."""
    w = words()
    hedges, observations = [], []
    node = trigger
    seen = set()
    while node is not None and node.i not in seen:
        seen.add(node.i)
        if stop is not None and node.i == stop.i:
            break
        if node.lemma_.lower() in w.hedges and node is not trigger:
            hedges.append(node)
        for c in node.children:
            low = c.lower_
            if c.dep_ == "aux" and (low in w.modal_hedges or low == "can"):
                if low in ("could", "can") and node.lemma_.lower() in w.perception and any(
                        x.dep_ == "auxpass" for x in node.children):
                    observations.append(c)  # "could be seen": it was visible
                elif low != "can":
                    hedges.append(c)
            elif c.dep_ in ("advmod", "acomp") and c.lemma_.lower() in w.hedges:
                hedges.append(c)
        if node.head.i == node.i:
            break
        node = node.head
    return hedges, observations


def own_hedge(trig) -> bool:
    """A hedge word on the trigger itself or its own modifiers (kept even for witnesses)."""
    w = words()
    return trig.lemma_.lower() in w.hedges or any(
        c.lemma_.lower() in w.hedges or (c.dep_ == "aux" and c.lower_ in w.modal_hedges - {"could"}) for c in trig.children)


@dataclass
class Cues:
    """What the stages found about how sure one claim is."""

    grammatical: str = "asserted"  # grammatical(): the trigger's own clause
    no_comment: bool = False  # "did not respond to a request for comment" about it
    unconfirmed: bool = False  # "could not independently confirm" it
    attributed: bool = False  # a speaker in the same sentence reports it
    stance: str | None = None  # that speaker's stance: "deny" ...
    verb_hedge: bool = False  # the attribution verb hedges ("believes", "suggests")
    hedges: tuple = ()  # hedges between the attribution verb and the trigger (path_hedges)
    observations: tuple = ()  # "could be seen" on that path
    witness: bool = False  # the speaker saw it (journalist, named or anonymous witness)
    trigger_hedged: bool = False  # own_hedge() of the trigger
    outlet_doubt: bool = False  # unattributed, with a hedge anywhere above the trigger ("it was unclear whether")
    no_comment_event: bool = False  # the event is itself a non-answer (OTHER/no_comment)


def decide(c: Cues) -> str:
    """The claim's modality, by the one order of precedence (module docstring)."""
    if c.no_comment_event or c.no_comment:
        return "no_comment"
    if c.unconfirmed:
        return "unconfirmed"
    modality = c.grammatical
    if c.attributed:
        if modality == "asserted":
            if c.stance == "deny":
                return "negated"
            if c.verb_hedge or c.hedges:
                return "hedged"
        elif modality == "hedged" and c.observations and not c.hedges and not c.verb_hedge and c.witness \
                and not c.trigger_hedged:
            return "asserted"  # "a convoy could be seen heading ...": the witness saw it
    elif modality == "asserted" and c.outlet_doubt:
        return "hedged"  # "It was unclear whether the troops had left": the outlet's own doubt
    return modality

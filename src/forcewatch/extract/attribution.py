"""Attribution cues: who says so, as written.

One ``Mention(kind="attribution")`` per cue, found in the dependency parse:

======== ====================================================================
label    cue
======== ====================================================================
SAY      a speech verb and its subject: "X told Reuters", "X said", "says X",
         "X denied", "X believes" (also added by extract/events for the subject
         of a no-comment cue)
ACCORDING "according to X"
IMAGERY  a perception verb whose subject is imagery: "Satellite images taken by
         Planet Labs ... showed", "Satellite footage shows"
SENSOR   a perception verb whose subject is tracking data: "Flight-tracking
         data showed", "AIS data show"
SEE      a perception verb whose subject is a person or organisation:
         "Reuters saw", "a witness saw"
NO_COMMENT  "did not respond to a request for comment", "declined to comment"
UNCONFIRMED "could not immediately confirm", "could not independently verify"
======== ====================================================================

For the speaker cues, ``span`` is exactly the speaker phrase (its subject
subtree, without surrounding punctuation) so that the event coder can skip
triggers inside it; ``data`` holds:

- ``verb`` / ``verb_span``: the attribution verb ("told", "according to");
- ``claim_span``: the characters the attribution covers (the verb's clause;
  the whole sentence for "according to X" and for a trailing "..., X said");
  resolve/sources uses it to give each event the innermost attribution and so
  to record nested attribution ("X said Y told him that ...");
- ``hedge``: the verb itself hedges ("suggests", "believes", "estimated");
- ``stance``: ``"deny"`` for "X denied that ...";
- ``anonymous_cue``: "on condition of anonymity" and the like in the sentence;
- ``backref``: "the official", "the sources", "he" refer back to an earlier
  speaker; ``head`` (lemma of the phrase's head noun) and ``plural`` help
  resolve/sources find it; ``person``: a personal name in the phrase.

NO_COMMENT and UNCONFIRMED carry ``scope``: the characters whose claims the
cue covers (the clause of the cue, or the whole sentence when the cue sits in
a relative clause about the source: "The footage, which could not be
verified, shows ...").
"""

from __future__ import annotations

import re

from forcewatch.extract.nlp import ParsedSentence
from forcewatch.records import Analysis, Mention

# The labels of the speaker cues are forcewatch.lexicon.SPEAKER_LABELS; the sentences worth the entity
# recogniser for their speakers, forcewatch.lexicon.NEEDS_ENTITIES.
SPEECH = {"say", "tell", "add", "state", "announce", "claim", "report", "confirm", "deny", "note",
          "write", "warn", "insist", "explain", "acknowledge", "assert", "allege", "declare", "stress",
          "tweet", "post", "estimate", "believe", "argue", "assess", "think", "suspect", "speculate",
          "admit", "disclose", "reiterate", "testify", "brief", "quote", "cite", "dismiss", "refute", "rebut"}
PERCEPTION = {"show", "see", "reveal", "depict", "indicate", "capture", "observe", "spot", "witness", "find",
              "suggest", "photograph", "film", "record", "document", "detect", "identify", "notice", "register"}


# Reporting verbs that already say the speaker is not sure, or is at odds with the claim.
HEDGE_VERBS = {"suggest", "believe", "estimate", "allege", "claim", "assess", "think", "suspect", "speculate"}
DENY_VERBS = {"deny", "refute", "dismiss", "rebut"}
IMAGERY = re.compile(
    r"\b(?:satellite|imagery|images?|footage|photos?|photographs?|pictures?|videos?|radar|SAR|drone footage)\b", re.I)
SENSOR = re.compile(
    r"\b(?:flight[- ]?track\w*|ship[- ]?track\w*|vessel[- ]?track\w*|tracking data|AIS|ADS-B|transponders?|"
    r"Flightradar24|FlightAware|MarineTraffic|VesselFinder|ADS-B Exchange|seismic|radar data|"
    r"(?:shipping|flight|maritime|vessel|AIS|transponder) data)\b", re.I)
NO_COMMENT = re.compile(
    r"\b(?:did not|didn't|does not|doesn't|has not|hasn't|have not|had not|were not|was not)\s+(?:immediately\s+)?"
    r"(?:respond|reply|answer|return|available)(?:ed)?\b(?:[^.]*?\bcomment\b|[^.]*?\b(?:requests?|questions?|inquir\w*|calls?|e-?mails?)\b)"
    r"|\b(?:declined|refused) to (?:comment|be drawn|elaborate|give details|confirm or deny|say|specify|disclose|discuss)"
    r"|\b(?:would|will) not (?:say|specify|disclose|discuss)\b"
    r"|\b(?:would|could) neither confirm nor deny|\bno immediate comment\b|\bwould not comment\b|\brefused to comment\b"
    r"|\bdid not (?:immediately\s+)?comment\b|\bhad no (?:immediate )?comment\b"
    r"|\b(?:could not|couldn't) (?:immediately\s+)?(?:be\s+)?reach(?:ed)?\b[^.]*?\bcomment\b",
    re.I,
)
UNCONFIRMED = re.compile(
    r"\b(?:could not|couldn't|was unable to|were unable to|cannot|can't|has not been able to|have not been able to|"
    r"(?:was|were|is|are|has been|have been) not (?:immediately\s+)?able to|"
    r"did not|could not be|cannot be|has not been|have not been|was not|were not|would not|will not|declined to|"
    r"refused to)\s+"
    r"(?:immediately\s+|independently\s+|yet\s+)*(?:confirm(?:ed)?|verif(?:y|ied)|establish(?:ed)?|corroborat(?:e|ed))\b",
    re.I,
)
ANONYMOUS = re.compile(
    r"on condition of anonymity|on condition they not be|declined to be (?:named|identified)"
    r"|asked not to be (?:named|identified)|requested anonymity|speaking anonymously|who (?:did not|didn't) want to be named"
    r"|not authori[sz]ed to (?:speak|talk|comment)|without being named|on the condition of anonymity",
    re.I,
)
# Heads that "the ..." can refer back with.
BACKREF_HEADS = {
    "source", "official", "officer", "analyst", "spokesman", "spokeswoman", "spokesperson", "diplomat",
    "commander", "ministry", "journalist", "reporter", "correspondent", "witness", "resident", "expert",
    "person", "aide", "adviser", "advisor", "insider", "soldier", "fighter", "man", "woman", "researcher",
    "observer", "military", "army", "government", "agency", "ambassador", "minister", "general", "envoy",
}
# "according to" followed by these is not a source: "according to plan", "according to what ... dictate".
NOT_A_SOURCE = {"plan", "plans", "schedule", "agreement", "agreements", "law", "laws", "rule", "rules", "treaty",
                "terms", "deal", "constitution", "tradition", "custom", "need", "needs", "situation", "circumstances",
                "developments", "instructions", "orders", "protocol", "procedure", "standards"}
WH = {"what", "how", "whether", "which", "where", "when", "who", "why"}


def _subject(verb):
    """The subject token of a verb (inherited along conj/xcomp), or None.

    With two subjects (the parser's reading of "A strike killed four fighters, authorities said"),
    the one nearest the verb is the speaker; the other is the reported clause."""
    subjects = sorted((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), key=lambda c: abs(c.i - verb.i))
    if subjects:
        child = subjects[0]
        if child.lower_ == "it":  # "It said", "it added": the body named before; "it was reported": no one
            return child if child.dep_ == "nsubj" and not any(c.dep_ == "auxpass" for c in verb.children) else None
        return child if child.lower_ not in ("who", "which", "that", "this") else None
    if verb.dep_ in ("conj", "xcomp") and verb.head.i != verb.i:
        head = verb.head
        # "X said the flights carried aid and denied that ...", parsed with "denied" joined to "carried":
        # a speech verb joined to a reported clause belongs to the reporter.
        if verb.dep_ == "conj" and head.dep_ == "ccomp" and head.head.lemma_.lower() in SPEECH and \
                verb.lemma_.lower() in SPEECH:
            return _subject(head.head)
        return _subject(head)
    return None


def _trimmed(tokens):
    """Tokens without leading or trailing punctuation."""
    tokens = list(tokens)
    while tokens and (tokens[0].is_punct or tokens[0].is_space):
        tokens.pop(0)
    while tokens and (tokens[-1].is_punct or tokens[-1].is_space):
        tokens.pop()
    return tokens


def _complement(verb) -> bool:
    """Whether the verb carries its own claim (a clause or a seen object), not just a speaker."""
    if verb.lemma_.lower() in ("quote", "cite") and any(c.dep_ == "prep" and c.lower_ == "as" for c in verb.children):
        return True
    return any(c.dep_ in ("ccomp", "xcomp", "dobj", "attr", "oprd", "advcl", "parataxis") and
               not (c.dep_ == "dobj" and c.pos_ in ("PRON", "PROPN")) for c in verb.children)


def _claim(parsed: ParsedSentence, verb) -> tuple[int, int]:
    """Characters of what an attribution verb introduces: its complements, not clauses merely joined to it.

    "The Kremlin said troops would stay, while the ministry declined to comment": the Kremlin's claim ends
    at "stay"; "the official said, adding that ..." keeps the added claim.
    """
    tokens = [verb]
    for c in verb.children:
        if c.dep_ in ("ccomp", "xcomp", "dobj", "attr", "oprd", "parataxis", "dative") or (
                c.dep_ == "advcl" and c.lemma_.lower() in SPEECH) or (
                c.dep_ == "prep" and c.lower_ == "as" and verb.lemma_.lower() in ("quote", "cite")):
            tokens.extend(c.subtree)
        elif c.dep_ == "punct" and c.text in "“”\"'‘’":
            tokens.append(c)
    return _char_span(parsed, tokens)


def _char_span(parsed: ParsedSentence, tokens) -> tuple[int, int]:
    tokens = sorted(tokens, key=lambda t: t.i)
    return parsed.span(tokens[0])[0], parsed.span(tokens[-1])[1]


def _backref(tokens, root) -> bool:
    """'He', 'they', 'the official', 'the sources, who spoke ...': the speaker is someone met before."""
    if root.pos_ == "PRON" or root.lower_ in ("he", "she", "they"):
        return root.lower_ in ("he", "she", "they", "we", "it")
    if tokens[0].lower_ not in ("the", "this", "that", "these", "those"):
        return False
    if root.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or root.pos_ == "PROPN":
        return False
    # A fully specified institution ("the Russian Defense Ministry") is a name, not a back-reference.
    before = [t for t in tokens if t.i < root.i and t.dep_ != "det"]
    if any(t.pos_ == "PROPN" for t in before):
        return False
    return root.lemma_.lower() in BACKREF_HEADS


def _person(tokens, root) -> str | None:
    """A personal name heading the phrase or in apposition to its head."""
    # Not a compound of a common noun: "Putin aide" is not Putin, "Moldovan officials" no one's name.
    candidates = [root] + [c for c in root.children if c.dep_ == "appos"]
    for cand in candidates:
        if cand.ent_type_ == "PERSON":
            ent = next((e for e in cand.doc.ents if e.start <= cand.i < e.end), None)
            if ent is not None:
                return ent.text
    return None


def _speaker_data(parsed: ParsedSentence, tokens, sentence: str) -> dict:
    root = min(tokens, key=lambda t: (sum(1 for _ in t.ancestors), t.i))
    return {
        "anonymous_cue": bool(ANONYMOUS.search(sentence)),
        "backref": _backref(tokens, root),
        "pronoun": root.pos_ == "PRON",
        "head": root.lemma_.lower(),
        "plural": root.tag_ in ("NNS", "NNPS") or root.lower_ in ("they", "we"),
        "person": _person(tokens, root),
        "speaker_i": root.i,
    }


def find_attributions(analysis: Analysis) -> None:
    """Add attribution mentions: SAY, ACCORDING, IMAGERY, SENSOR, SEE, NO_COMMENT, UNCONFIRMED."""
    text = analysis.document.text
    for index in sorted(analysis.parse):
        parsed: ParsedSentence = analysis.parse[index]
        doc = parsed.doc
        s0, s1 = analysis.sentences[index]
        sentence = text[s0:s1]
        cues = []
        for label, pattern in (("NO_COMMENT", NO_COMMENT), ("UNCONFIRMED", UNCONFIRMED)):
            for m in pattern.finditer(sentence):
                if label == "UNCONFIRMED" and any(c[1] <= s0 + m.start() < c[2] for c in cues):
                    continue  # "declined to confirm or deny" is a no-comment
                cues.append((label, s0 + m.start(), s0 + m.end()))
        found_before = len(analysis.mentions)
        for tok in doc:
            lemma = tok.lemma_.lower()
            if tok.lower_ == "according":
                _according(analysis, parsed, index, tok, sentence)
                continue
            if tok.lower_ == "by" and tok.head.pos_ in ("NOUN", "PROPN") and tok.head.lemma_.lower() in STATEMENT_NOUNS:
                _statement_by(analysis, parsed, index, tok, sentence)
                continue
            if tok.pos_ == "NOUN" and lemma in CLAIM_NOUNS:
                _owned_claim(analysis, parsed, index, tok, sentence)
                continue
            if lemma in ACCUSE and tok.pos_ == "VERB":
                _accusation(analysis, parsed, index, tok, sentence)
                continue
            if lemma in SPEECH and tok.pos_ in ("VERB", "AUX"):
                label = "SAY"
            elif lemma in PERCEPTION and tok.pos_ == "VERB":
                label = "SEE"
            else:
                continue
            if tok.dep_ in ("amod", "acl", "relcl") and label == "SEE":
                continue  # "images taken by ...", "footage seen by ..." describe the source
            verb_at = parsed.span(tok)[0]
            in_cue = any(c[1] <= verb_at < c[2] for c in cues)
            # "Officials would not confirm whether ...": who would not confirm is still the source asked.
            unconfirmed = lemma in ("confirm", "verify") and (in_cue or any(c.dep_ == "neg" for c in tok.children))
            if not unconfirmed and any(c.dep_ == "neg" for c in tok.children):
                continue  # "did not say": not an attribution
            if not unconfirmed and in_cue:
                continue  # the verb belongs to a no-comment / unconfirmed cue
            subj = _subject(tok)
            if subj is None:
                continue
            tokens = _trimmed(subj.subtree)
            if not tokens:
                continue
            speaker = doc[tokens[0].i:tokens[-1].i + 1]
            if IMAGERY.search(speaker.text) and (label == "SEE" or lemma in ("suggest", "indicate", "confirm")):
                label = "IMAGERY"
            elif label == "SEE" and lemma in ("indicate", "reveal") and not SENSOR.search(speaker.text) and any(
                    c.dep_ in ("ccomp", "parataxis") for c in tok.children):
                label = "SAY"  # "..., the Pentagon indicated": a statement, not a sighting
            elif SENSOR.search(speaker.text) and (label == "SEE" or lemma in ("suggest", "indicate", "confirm")):
                label = "SENSOR"
            elif label == "SEE" and not any(
                    t.ent_type_ in ("ORG", "PERSON") or t.lemma_.lower() in (
                        "journalist", "reporter", "correspondent", "witness", "resident", "photographer",
                        "crew", "team", "observer", "monitor") for t in speaker):
                continue
            start, end = parsed.span(speaker)
            # What the verb introduces when it has a complement; else ("..., two officials said.") the sentence.
            claim = _claim(parsed, tok) if _complement(tok) else (s0, s1)
            if unconfirmed:
                claim = _claim(parsed, tok)
            data = {
                "verb": tok.text, "verb_span": list(parsed.span(tok)), "verb_i": tok.i,
                "claim_span": list(claim),
                "hedge": _verb_hedge(tok, lemma),
                "stance": "deny" if lemma in DENY_VERBS else "unconfirmed" if unconfirmed else None,
                **_speaker_data(parsed, list(speaker), sentence),
            }
            analysis.mentions.append(Mention("attribution", text[start:end], (start, end), label, index, data))
            if lemma in ("quote", "cite"):
                _quoted(analysis, parsed, index, tok, sentence)
        if len(analysis.mentions) == found_before:  # no speaker found in this sentence
            _imagery_unparsed(analysis, parsed, index, sentence)
        for label, start, end in cues:
            scope = _cue_scope(parsed, start, end, (s0, s1))
            analysis.mentions.append(Mention(
                "attribution", text[start:end], (start, end), label, index, {"cue": True, "scope": list(scope)},
            ))
            if label == "NO_COMMENT":
                _asked(analysis, parsed, index, start, end, scope, sentence)
    # "AP could not independently verify the report." need not be parsed to cover its neighbour.
    parsed_ix = set(analysis.parse)
    for index, (s0, s1) in enumerate(analysis.sentences):
        if index in parsed_ix or not ({index - 1, index + 1} & parsed_ix):
            continue
        sentence = text[s0:s1]
        for label, pattern in (("NO_COMMENT", NO_COMMENT), ("UNCONFIRMED", UNCONFIRMED)):
            for m in pattern.finditer(sentence):
                analysis.mentions.append(Mention(
                    "attribution", m.group(), (s0 + m.start(), s0 + m.end()), label, index,
                    {"cue": True, "scope": [s0, s1], "parsed": False},
                ))
    analysis.mentions.sort(key=lambda m: m.span[0])


_IMAGERY_SHOWS = re.compile(
    r"^\s*(?P<source>(?:(?:the|new|latest|recent|commercial|high-resolution)\s+)*(?:satellite\s+)?"
    r"(?:images?|imagery|photos?|photographs?|pictures?|footage|videos?))\b[^.;]{0,90}?\b"
    r"(?P<verb>shows?|showed|reveal(?:s|ed)?|indicat(?:es|ed)|suggests?|suggested|depicts?|depicted)\b", re.I)


def _imagery_unparsed(analysis: Analysis, parsed: ParsedSentence, index: int, sentence: str) -> None:
    """"Satellite images taken on April 30 and May 13 show damage ...": the source even when the
    parser reads "show" as a noun and finds no verb."""
    m = _IMAGERY_SHOWS.match(sentence)
    if m is None:
        return
    s0 = analysis.sentences[index][0]
    verb_at = s0 + m.start("verb")
    verb = next((t for t in parsed.doc if parsed.span(t)[0] == verb_at), None)
    speaker = [t for t in parsed.doc if s0 + m.start("source") <= parsed.span(t)[0] < s0 + m.end("source")]
    if verb is None or not speaker:
        return
    start, end = parsed.span(speaker[0])[0], parsed.span(speaker[-1])[1]
    data = {"verb": verb.text, "verb_span": list(parsed.span(verb)), "verb_i": verb.i,
            "claim_span": [verb_at, analysis.sentences[index][1]],
            "hedge": "suggest" if verb.lower_.startswith("suggest") else None, "stance": None,
            **_speaker_data(parsed, speaker, sentence)}
    analysis.mentions.append(Mention("attribution", analysis.document.text[start:end], (start, end), "IMAGERY",
                                     index, data))


def _asked(analysis: Analysis, parsed: ParsedSentence, index: int, start: int, end: int, scope, sentence: str) -> None:
    """The party that did not comment ("The ministry did not respond ..."), as a speaker of its own clause."""
    verbs = [t for t in parsed.doc if start <= parsed.span(t)[0] < end and t.pos_ in ("VERB", "AUX")]
    if not verbs:
        return
    verb = min(verbs, key=lambda t: sum(1 for _ in t.ancestors))
    while verb.dep_ in ("xcomp", "aux") and verb.head.i != verb.i:
        verb = verb.head
    subj = _subject(verb)
    if verb.lemma_.lower() == "reach":  # "Reuters could not reach the ministry for comment": the ministry
        subj = next((c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")), None)
    if subj is None:
        return
    tokens = _trimmed(subj.subtree)
    if not tokens:
        return
    a, b = parsed.span(tokens[0])[0], parsed.span(tokens[-1])[1]
    _add_speaker(analysis, parsed, index, "SAY", tokens, verb.text, parsed.span(verb), verb.i,
                 (min(a, scope[0]), max(b, scope[1])), sentence, stance="no_comment")


def _quoted(analysis: Analysis, parsed: ParsedSentence, index: int, verb, sentence: str) -> None:
    """'TASS quoted the ministry as saying that ...': the ministry is the source, relayed by TASS."""
    obj = next((c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")), None)
    prep = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ == "as"), None)
    saying = next((c for c in prep.children if c.lemma_.lower() in ("say", "tell", "add")), None) if prep else None
    if obj is None or saying is None:
        return
    tokens = _trimmed(obj.subtree)
    _add_speaker(analysis, parsed, index, "SAY", tokens, saying.text, parsed.span(saying), saying.i,
                 _char_span(parsed, list(saying.subtree)), sentence)


def _verb_hedge(verb, lemma: str) -> str | None:
    """A hedge on the attribution itself: "suggests", "appears to show", "may show", "apparently shows"."""
    if lemma in HEDGE_VERBS:
        return lemma
    if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in ("appear", "seem"):
        return verb.head.lemma_.lower()
    for c in verb.children:
        if c.dep_ == "aux" and c.lower_ in ("may", "might", "could"):
            return c.lower_
        if c.dep_ == "advmod" and c.lower_ in ("apparently", "reportedly", "allegedly", "purportedly", "seemingly"):
            return c.lower_
    return None


def _according(analysis: Analysis, parsed: ParsedSentence, index: int, tok, sentence: str) -> None:
    """'according to X': X is the source of the whole sentence."""
    to = next((c for c in tok.children if c.lower_ == "to"), None)
    if to is None and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "to":
        to = tok.doc[tok.i + 1]
    if to is None:
        return
    pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
    if pobj is None:
        return
    tokens = _trimmed(pobj.subtree)
    if not tokens or tokens[0].lower_ in WH or pobj.lower_ in WH or pobj.lower_ in NOT_A_SOURCE:
        return
    _add_speaker(analysis, parsed, index, "ACCORDING", tokens, "according to",
                 (parsed.span(tok)[0], parsed.span(to)[1]), tok.i, analysis.sentences[index], sentence)


# "in a Facebook post by the defence minister", "a statement by the army": the author speaks for the sentence
# "Armenia accused Azerbaijan of sending troops": what the accuser claims is the "of" (or "for") phrase.
ACCUSE = {"accuse", "blame"}
# "President Biden's promise that they would be gone", "the ministry's claim that": its owner says so.
CLAIM_NOUNS = {"promise", "pledge", "claim", "assertion", "announcement", "statement", "warning", "assurance",
               "vow", "insistence", "allegation", "accusation", "admission", "confirmation", "denial"}


def _add_claim(analysis: Analysis, parsed: ParsedSentence, index: int, cue, speaker_root, claim_tokens,
               sentence: str, stance: str | None = None) -> None:
    tokens = _trimmed(t for t in speaker_root.subtree if t.i < cue.i or cue.pos_ != "NOUN")
    tokens = [t for t in tokens if t.dep_ != "case"] or tokens
    if not tokens or not claim_tokens:
        return
    _add_speaker(analysis, parsed, index, "SAY", tokens, cue.text, parsed.span(cue), cue.i,
                 _char_span(parsed, claim_tokens), sentence, stance=stance, narrow=True)


def _accusation(analysis: Analysis, parsed: ParsedSentence, index: int, verb, sentence: str) -> None:
    subj = _subject(verb)
    of = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ in ("of", "for")), None)
    if subj is None or of is None or any(c.dep_ == "neg" for c in verb.children):
        return
    _add_claim(analysis, parsed, index, verb, subj, [t for c in of.children for t in c.subtree], sentence)


def _owned_claim(analysis: Analysis, parsed: ParsedSentence, index: int, noun, sentence: str) -> None:
    owner = next((c for c in noun.children if c.dep_ == "poss"), None)
    clause = next((c for c in noun.children if c.dep_ in ("acl", "ccomp", "relcl") and
                   any(g.dep_ == "mark" and g.lower_ == "that" for g in c.children)), None)
    if owner is None or clause is None or owner.pos_ == "PRON":
        return
    stance = "deny" if noun.lemma_.lower() == "denial" else None
    _add_claim(analysis, parsed, index, noun, owner, list(clause.subtree), sentence, stance)


PUBLISHED = {"release", "publish", "issue", "come", "post", "appear", "circulate", "air", "broadcast"}
STATEMENT_NOUNS = {"post", "statement", "tweet", "message", "announcement", "communique", "communiqué", "briefing",
                   "release", "interview", "speech", "remarks", "video"}


def _statement_by(analysis: Analysis, parsed: ParsedSentence, index: int, by, sentence: str) -> None:
    pobj = next((c for c in by.children if c.dep_ == "pobj"), None)
    if pobj is None or pobj.lower_ in WH or pobj.lower_ in NOT_A_SOURCE:
        return
    # the author's phrase, without a clause hung on it ("by the minister saying that ...")
    last = min((c.left_edge.i for c in pobj.children if c.dep_ in ("acl", "relcl")), default=pobj.right_edge.i + 1) - 1
    tokens = _trimmed(t for t in pobj.subtree if t.i <= last)
    if not tokens:
        return
    noun = by.head
    claim, narrow = analysis.sentences[index], False
    if noun.dep_ in ("nsubj", "nsubjpass") and noun.head.lemma_.lower() in PUBLISHED:
        # "The announcement by the command was released while the bombers were crossing": the rest of
        # the sentence is the outlet's; the statement claims only what hangs on it
        claim, narrow = _char_span(parsed, list(noun.subtree)), True
    _add_speaker(analysis, parsed, index, "ACCORDING", tokens, f"{noun.text} by",
                 (parsed.span(noun)[0], parsed.span(by)[1]), noun.i, claim, sentence, narrow=narrow)


def _add_speaker(analysis: Analysis, parsed: ParsedSentence, index: int, label: str, tokens, verb: str,
                 verb_span, verb_i: int, claim_span, sentence: str, stance: str | None = None, **extra) -> None:
    """An attribution mention for a speaker phrase (its trimmed tokens), the words that introduce
    what it says, and the characters of that claim."""
    speaker = tokens[0].doc[tokens[0].i:tokens[-1].i + 1]
    start, end = parsed.span(speaker)
    analysis.mentions.append(Mention(
        "attribution", analysis.document.text[start:end], (start, end), label, index,
        {"verb": verb, "verb_span": list(verb_span), "verb_i": verb_i, "claim_span": list(claim_span),
         "hedge": None, "stance": stance, **extra, **_speaker_data(parsed, list(speaker), sentence)}))


def _cue_scope(parsed: ParsedSentence, start: int, end: int, sentence: tuple[int, int]) -> tuple[int, int]:
    """Characters a no-comment / unconfirmed cue covers."""
    doc = parsed.doc
    inside = [t for t in doc if start <= parsed.span(t)[0] < end]
    verbs = [t for t in inside if t.pos_ in ("VERB", "AUX")]
    if not verbs:
        return sentence
    head = min(verbs, key=lambda t: sum(1 for _ in t.ancestors))
    while head.dep_ in ("xcomp", "aux") and head.head.i != head.i:
        head = head.head
    if head.dep_ in ("relcl", "acl"):
        return sentence  # "The footage, which could not be verified, shows ...": about the source itself
    # The cue's own clause, without clauses joined to it ("..., but officials said ...").
    other = set()
    for c in head.children:
        if c.dep_ in ("conj", "advcl", "parataxis") and any(x.dep_ in ("nsubj", "nsubjpass") for x in c.children):
            other.update(t.i for t in c.subtree)
    tokens = [t for t in head.subtree if t.i not in other and not t.is_punct]
    if head.dep_ == "ROOT" and not other:
        return sentence
    return _char_span(parsed, tokens)

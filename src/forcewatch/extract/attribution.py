"""Attribution cues: who says so, as written ("X told Reuters", "according to X",
"satellite images ... showed", "Reuters saw"), plus the cues that make a claim
no-comment or unconfirmed. resolve/sources turns these into Source records.
"""

from __future__ import annotations

import re

from forcewatch.extract.nlp import ParsedSentence
from forcewatch.records import Analysis, Mention

SPEECH = {"say", "tell", "add", "state", "announce", "claim", "report", "confirm", "deny", "note",
          "write", "warn", "insist", "explain", "acknowledge", "assert", "allege", "declare", "stress",
          "tweet", "post", "indicate", "estimate", "believe", "argue"}
PERCEPTION = {"show", "see", "reveal", "depict", "indicate", "capture", "observe", "spot", "witness", "find"}
IMAGERY = re.compile(r"\b(?:satellite|imagery|images?|footage|photos?|photographs?|pictures?|videos?|radar)\b", re.I)
NO_COMMENT = re.compile(
    r"\b(?:did not|didn't|does not|doesn't|has not|hasn't|have not|had not)\s+(?:immediately\s+)?"
    r"(?:respond|reply|answer|return)(?:ed)?\b[^.]*?\b(?:comment|request|questions?|inquir\w*|calls?)\b"
    r"|\bdeclined to (?:comment|be drawn)|\bno immediate comment\b|\bwould not comment\b|\brefused to comment\b",
    re.I,
)
UNCONFIRMED = re.compile(
    r"\b(?:could not|couldn't|was unable to|were unable to|cannot|can't|has not been able to)\s+"
    r"(?:immediately\s+|independently\s+)?(?:confirm|verify|establish|corroborate)",
    re.I,
)
ANONYMOUS = re.compile(
    r"on condition of anonymity|declined to be (?:named|identified)|asked not to be (?:named|identified)"
    r"|speaking anonymously|who (?:did not|didn't) want to be named|not authori[sz]ed to speak",
    re.I,
)


def _subject_phrase(parsed: ParsedSentence, verb):
    """The subject of a verb, as its whole subtree (token span), or None."""
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            tokens = list(child.subtree)
            return tokens[0].i, tokens[-1].i + 1
    if verb.dep_ in ("conj", "xcomp") and verb.head is not verb:
        return _subject_phrase(parsed, verb.head)
    return None


def find_attributions(analysis: Analysis) -> None:
    """Add attribution mentions (label: SAY, ACCORDING, IMAGERY, SEE, NO_COMMENT, UNCONFIRMED)."""
    text = analysis.document.text
    for index in sorted(analysis.parse):
        parsed: ParsedSentence = analysis.parse[index]
        doc = parsed.doc
        s0, s1 = analysis.sentences[index]
        sentence = text[s0:s1]
        for tok in doc:
            label = None
            if tok.lemma_ in SPEECH and tok.pos_ in ("VERB", "AUX"):
                label = "SAY"
            elif tok.lemma_ in PERCEPTION and tok.pos_ == "VERB":
                label = "SEE"
            if label is None:
                continue
            subj = _subject_phrase(parsed, tok)
            if subj is None:
                continue
            speaker = doc[subj[0]:subj[1]]
            if label == "SEE" and IMAGERY.search(speaker.text):
                label = "IMAGERY"
            elif label == "SEE" and not any(t.ent_type_ in ("ORG", "PERSON") or t.lemma_ in ("journalist", "reporter", "correspondent", "witness", "resident") for t in speaker):
                continue
            start, end = parsed.span(speaker)
            analysis.mentions.append(Mention(
                "attribution", text[start:end], (start, end), label, index,
                {"verb": tok.text, "verb_span": list(parsed.span(tok)), "verb_i": tok.i,
                 "anonymous_cue": bool(ANONYMOUS.search(sentence)),
                 "head": speaker.root.text, "pronoun": speaker.root.pos_ == "PRON" or
                 bool(re.match(r"(?i)^the\s+(?:sources?|officials?|official|analyst|officer|spokes\w+|diplomat|ministry)\b", speaker.text))},
            ))
        for m in re.finditer(r"\baccording to\s+(?P<who>[^,.;]+)", sentence, re.I):
            analysis.mentions.append(Mention(
                "attribution", m.group("who"), (s0 + m.start("who"), s0 + m.end("who")), "ACCORDING", index,
                {"verb": "according to", "verb_span": [s0 + m.start(), s0 + m.start("who")],
                 "anonymous_cue": bool(ANONYMOUS.search(sentence)), "pronoun": False},
            ))
        for label, pattern in (("NO_COMMENT", NO_COMMENT), ("UNCONFIRMED", UNCONFIRMED)):
            for m in pattern.finditer(sentence):
                analysis.mentions.append(Mention(
                    "attribution", m.group(), (s0 + m.start(), s0 + m.end()), label, index, {"cue": True},
                ))
    analysis.mentions.sort(key=lambda m: m.span[0])

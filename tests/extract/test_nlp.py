"""extract/nlp: the model as forcewatch loads it annotates as spaCy's own load does."""

from __future__ import annotations

import spacy
from spacy.pipeline.attributeruler import AttributeRuler

from forcewatch.extract.nlp import MODEL, _RulerMatch

SENTENCES = [
    "Two Russian Il-76 transport planes landed at the Hmeimim air base on Tuesday, officials said.",
    "The frigates were seen leaving Tartus, according to satellite images reviewed by analysts.",
    "Workers repaired the roads and the children were playing in the flooded streets of Springfield.",
    "She has been writing better stories than the biggest newspapers, which denied the claims.",
    # the ruler's rarer patterns: two-token ones, regular expressions, dependency labels, spaces
    "I'm gonna go, y'all. Ain't nothin' gotta be done, c'mon, let's go. 'Em doin' it, 'nuff said.",
    "There is a man; there were ten. He'd have gone and I'd go. It gets me, I got it, did you?\n\n  Then  that.",
]


def test_the_lemmatizer_gives_the_same_lemmas_with_its_word_lists_as_sets(resources):
    ours = resources.nlp
    index = ours.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert all(isinstance(words, frozenset) for words in index.values())
    plain = spacy.load(MODEL)
    assert isinstance(plain.get_pipe("lemmatizer").lookups.get_table("lemma_index").get("noun"), list)
    annotate = lambda nlp: [[(t.lemma_, t.pos_, str(t.morph)) for t in doc] for doc in nlp.pipe(SENTENCES)]  # noqa: E731
    assert annotate(ours) == annotate(plain)
    assert ("be", "AUX") in {(t.lemma_, t.pos_) for t in ours(SENTENCES[3])}


def test_the_attribute_rulers_matches_are_those_of_its_spacy_matcher(resources):
    """The ruler's patterns picked by each token's tag and lower-case form: the same matches, in the
    same order, as spaCy's Matcher trying every pattern at every token."""
    nlp = resources.nlp
    ruler = nlp.get_pipe("attribute_ruler")
    assert isinstance(ruler.match, _RulerMatch)
    with nlp.select_pipes(disable=["attribute_ruler", "lemmatizer", "ner"]):
        docs = list(nlp.pipe(SENTENCES))
    found = 0
    for doc in docs:
        expected = AttributeRuler.match(ruler, doc)
        assert ruler.match(doc) == expected, doc.text
        found += len(expected)
    assert found > sum(map(len, docs))  # most tokens match a tag pattern, some a second one
    patterns, slang = ruler.patterns, docs[4]
    lemmas = {(patterns[index]["attrs"].get("LEMMA"), slang[start].text) for index, _, start, _ in ruler.match(slang)}
    assert {("go", "gon"), ("you", "y'"), ("nothing", "nothin'")} <= lemmas


def test_a_ruler_with_other_patterns_keeps_spacys_matcher():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "big"}, {"POS": "NOUN", "OP": "+"}]], {"LEMMA": "x"})
    assert _RulerMatch.of(ruler) is None
    plain = spacy.blank("en").add_pipe("attribute_ruler")
    plain.add([[{"TAG": {"IN": ["NN", "NNS"]}, "LOWER": {"REGEX": "^ships?$"}}]], {"LEMMA": "ship"})
    assert _RulerMatch.of(plain) is not None

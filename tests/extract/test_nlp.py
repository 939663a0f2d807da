"""extract/nlp: the model as forcewatch loads it annotates as spaCy's own load does."""

from __future__ import annotations

import spacy

from forcewatch.extract.nlp import MODEL

SENTENCES = [
    "Two Russian Il-76 transport planes landed at the Hmeimim air base on Tuesday, officials said.",
    "The frigates were seen leaving Tartus, according to satellite images reviewed by analysts.",
    "Workers repaired the roads and the children were playing in the flooded streets of Springfield.",
    "She has been writing better stories than the biggest newspapers, which denied the claims.",
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

"""The spaCy factory: offline fallback pipeline, lemmas for keyword rules, sentence boundaries."""

import spacy

from qualcode.language import lemma_of, nlp, sentence_starts, surface_forms


def test_fallback_pipeline_is_blank_english_with_sentencizer_and_lookup_lemmas(nlp):
    assert nlp is qualcode_nlp()
    assert nlp.lang == "en"
    if not nlp.meta.get("name") or nlp.meta["name"] == "pipeline":
        assert nlp.pipe_names == ["sentencizer", "lemmatizer"]
        doc = nlp("The GPs referred two patients.")
        assert [t.lemma_ for t in doc][:3] == ["the", "GP", "refer"] or doc[2].lemma_ == "refer"


def qualcode_nlp():
    return nlp()


def test_case_insensitive_lookup_lemmas_and_their_surface_forms():
    assert lemma_of("Referred") == lemma_of("referring") == "refer"
    assert {"refer", "refers", "referred", "referring"} <= set(surface_forms("refer"))
    assert set(surface_forms("worker")) == {"worker", "workers"}
    assert lemma_of("signposting") == "signpost"


def test_sentence_starts_equal_spacy_sentencizer_on_the_sample(sample_corpus):
    reference = spacy.blank("en")
    reference.add_pipe("sentencizer")
    texts = [s.text[t.start : t.end] for s in sample_corpus for t in s.turns]
    texts += ["", "   ", "Wait... what?! \"Yes.\" (Really.) ok", "No end punctuation here", "Mr. Smith said hi. Bye"]
    ours = list(sentence_starts(texts))
    theirs = [[sent.start_char for sent in doc.sents] for doc in reference.pipe(texts)]
    if "sentencizer" in nlp().pipe_names:
        assert ours == theirs
    assert len(ours) == len(texts)

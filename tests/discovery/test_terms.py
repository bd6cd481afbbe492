"""Terms for discovery: lemmas of content words, phrases of adjacent words, no transcript noise."""

from qualcode.discovery.terms import TermExtractor, segment_terms


def test_fillers_markers_and_stop_words_are_left_out():
    [terms] = segment_terms(["Erm, yeah, the [LW] sort of, you know, went with me to the first session [laughs]."])
    assert terms == ["first", "session", "first session"]


def test_anonymisation_markers_of_several_words_are_left_out_whole():
    [terms] = segment_terms(["I see people at [GP practice] and the [community centre] on Tuesdays."])
    assert "practice" not in terms and "centre" not in terms and "community" not in terms
    assert "tuesday" in terms


def test_terms_are_the_lookup_lemmas_keyword_rules_match_on():
    [terms] = segment_terms(["She referred two clients; referrals are rising."])
    assert "refer" in terms and "client" in terms and "referral" in terms and "referred" not in terms


def test_phrases_join_only_words_that_stand_next_to_each_other():
    [terms] = segment_terms(["Waiting lists, and the mental health team. Money worries"])
    assert "wait list" in terms and "mental health" in terms and "health team" in terms
    assert "money worry" in terms
    assert "list mental" not in terms  # punctuation and the stop word "and" break the phrase
    assert "team money" not in terms   # the full stop breaks it


def test_hyphenated_words_stay_one_term():
    [terms] = segment_terms(["Self-referral works; the service is co-located."])
    assert "self-referral" in terms and "co-locate" in terms


def test_extra_stop_words_and_single_words_only():
    [terms] = list(TermExtractor(stop_words=["tuesday"], ngrams=1).pipe(["Tuesday groups help lonely people"]))
    assert "tuesday" not in terms and all(" " not in t for t in terms) and "lonely" in terms


def test_empty_and_markup_only_texts_give_no_terms():
    assert segment_terms(["", "   ", "[laughs]", "Erm... yeah."]) == [[], [], [], []]


def test_several_processes_give_the_same_terms_in_the_same_order(sample_corpus):
    from qualcode.discovery.terms import terms_of

    texts = sample_corpus.segments().text.tolist()
    assert terms_of(texts, n_jobs=2, chunk_size=100) == terms_of(texts, n_jobs=1)

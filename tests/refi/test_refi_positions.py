"""Text positions: each vendor's convention maps to the same qualcode offsets, and detection finds it.

Expected positions are computed here from Python's own encoders (UTF-16 code units, code points over
the raw or the normalised text), independently of the code under test.
"""

import pytest

from qualcode.refi.positions import CONVENTIONS, PositionMap, boundary_score, detect

from .refi_helpers import utf16_units

BOM = "\ufeff"
RAW = ("Interviewer: How did you hear about it?\r\n"
       "Client 3: My GP told me \U0001F600 and the caf\u00e9 had a leaflet.\r\n"
       "\r\n"
       "Interviewer: And then?\r\n"
       "Client 3: Zo\u00eb from the link worker team rang me \U0001F44D\U0001F3FD twice.\r\n"
       "It made a difference \u2013 a real one.\r\n")
WORDS = ["GP", "leaflet", "Zo\u00eb", "rang me", "twice", "difference", "real one"]


def positions(raw: str, word: str, convention: str) -> tuple[int, int]:
    """Where ``word`` is in ``raw`` as a vendor with ``convention`` counts it."""
    i = raw.index(word)
    if convention == "standard":  # code points over the raw text (CRLF = 2)
        return i, i + len(word)
    if convention == "atlas":  # code points, CRLF = 1
        before = raw[:i].replace("\r\n", "\n")
        return len(before), len(before) + len(word)
    if convention == "nvivo":  # UTF-16 code units over the raw text (CRLF = 2)
        return utf16_units(raw[:i]), utf16_units(raw[:i]) + utf16_units(word)
    raise AssertionError(convention)


@pytest.mark.parametrize("convention", ["standard", "atlas", "nvivo"])
def test_each_vendor_convention_maps_to_the_same_qualcode_offsets(convention):
    pmap = PositionMap(RAW)
    assert "\r" not in pmap.text
    for word in WORDS:
        start, end, exact = pmap.span(*positions(RAW, word, convention), CONVENTIONS[convention])
        assert exact and pmap.text[start:end] == word


@pytest.mark.parametrize("convention", ["standard", "atlas", "nvivo"])
def test_detection_finds_the_convention_from_word_boundaries(convention):
    pmap = PositionMap(RAW)
    samples = [(pmap, *positions(RAW, word, convention), None) for word in WORDS]
    found = detect(samples)
    assert found.convention.name == convention
    assert found.ambiguous and found.boundary_share == 1.0


def test_inclusive_end_is_detected_and_exclusive_wins_ties():
    pmap = PositionMap(RAW)
    inclusive = [(pmap, s, e - 1, None) for s, e in (positions(RAW, w, "standard") for w in WORDS)]
    assert detect(inclusive).convention.name == "standard-inclusive"
    plain = PositionMap("one two three four")
    assert detect([(plain, 4, 7, None), (plain, 8, 13, None)]).convention.name == "standard"


def test_without_crlf_or_emoji_every_reading_agrees():
    pmap = PositionMap("Caf\u00e9 talk, plain text.\nSecond line.")
    found = detect([(pmap, 0, 4, None), (pmap, 25, 31, None)])
    assert found.convention.name == "standard" and not found.ambiguous
    assert pmap.text[0:4] == "Caf\u00e9"


def test_atlas_quotation_names_break_ties():
    raw = "a b\r\nc d\r\ne f g h i j k l m n o p\r\n"
    pmap = PositionMap(raw)
    # "e f g h i j" in ATLAS.ti positions (CRLF as one): 8-19; ATLAS names the quotation after its text.
    found = detect([(pmap, 8, 19, "e f g h i j")])
    assert found.convention.name == "atlas"


def test_positions_inside_a_crlf_or_emoji_are_flagged_and_outside_is_none():
    pmap = PositionMap("ab\r\ncd \U0001F600 ef")
    nvivo = CONVENTIONS["nvivo"]
    assert pmap.offset(3, nvivo) == (3, False)  # between \r and \n
    assert pmap.offset(8, nvivo) == (7, False)  # between the two halves of the emoji
    assert pmap.offset(pmap.length(nvivo), nvivo) == (len(pmap.text), True)
    assert pmap.offset(pmap.length(nvivo) + 1, nvivo) is None
    assert pmap.span(5, 2, CONVENTIONS["standard"]) is None


def test_boundary_score_prefers_clean_word_edges():
    text = "the link worker rang"
    assert boundary_score(text, 4, 15) == 4  # "link worker"
    assert boundary_score(text, 3, 15) == 3  # " link worker": starts on a space
    assert boundary_score(text, 5, 15) == 2  # "ink worker": starts mid-word

"""What the source page draws, from a text, its turns and codings: runs of text that map back to exact offsets,
overlaps as stacked bands, colours that cannot inject CSS."""

from __future__ import annotations

import dataclasses

import pytest

import qualcode
from qualcode.workspace import views

from ..conftest import ROOT

TEXT = "Interview with C9\n\nInterviewer: Hello.\n\nC9: I went to the group 🙂 and liked it a lot.\n"


def _turns():
    first = TEXT.index("Hello.")
    second = TEXT.index("I went")
    return [
        {"start": first, "end": first + 6, "label": "Interviewer", "speaker": "Interviewer", "group": "", "researcher": True},
        {"start": second, "end": len(TEXT) - 1, "label": "Client 9", "speaker": "C9", "group": "Clients", "researcher": False},
    ]


def _coding(cid, start, end, colour="#112233", status="accepted"):
    return {"id": cid, "start": start, "end": end, "colour": colour, "status": status}


def test_runs_cover_the_text_exactly_and_carry_the_codings_over_them():
    a = TEXT.index("went")
    b = TEXT.index("group")
    codings = [_coding("x", a, b + 5), _coding("y", b, len(TEXT) - 1, "#445566", "suggested")]
    blocks = views.blocks(TEXT, _turns(), codings)
    # the heading before the first turn is kept; the speaker labels are not repeated as text
    assert [b["gap"] for b in blocks] == [True, False, False]
    assert blocks[0]["runs"][0]["text"].startswith("Interview with C9")
    runs = blocks[2]["runs"]
    assert "".join(r["text"] for r in runs) == TEXT[_turns()[1]["start"]:len(TEXT) - 1]
    for run in runs:
        assert TEXT[run["s"]:run["e"]] == run["text"]
    overlap = next(r for r in runs if r["text"] == "group")
    assert overlap["ids"] == "x y"
    assert overlap["style"].count("#") == 2 and "#11223380" in overlap["style"] and "#44556640" in overlap["style"]
    plain = runs[0]
    assert plain["text"] == "I " and plain["ids"] == "" and plain["style"] == ""


def test_a_coding_across_two_turns_is_drawn_in_both():
    codings = [_coding("z", TEXT.index("Hello"), TEXT.index("group"))]
    blocks = views.blocks(TEXT, _turns(), codings)
    assert blocks[1]["codings"] == 1 and blocks[2]["codings"] == 1


def test_colours_come_from_the_codebook_and_nothing_else_reaches_css():
    text = ("name: t\nversion: '1'\nthemes:\n"
            "  - id: a\n    label: A\n    color: '#AABBCC'\n"
            "  - id: b\n    label: B\n    color: 'red;background:url(http://x)'\n")
    with pytest.raises(qualcode.CodebookError, match="color"):  # the codebook check refuses it first
        qualcode.Codebook.from_string(text)
    book = qualcode.Codebook.from_string(text.replace("'red;background:url(http://x)'", "'#000000'"))
    # and were one to get past the check, the page would still not put it into CSS
    book.nodes["b"] = dataclasses.replace(book.nodes["b"], color="red;background:url(http://x)")
    colour = views.colours(book)
    assert colour["a"] == "#aabbcc"
    assert colour["b"].startswith("#") and len(colour["b"]) == 7


def test_the_shipped_codebook_gets_a_colour_per_node():
    book = qualcode.Codebook.from_yaml(ROOT / "codebooks" / "social_prescribing.yaml")
    colour = views.colours(book)
    assert set(colour) == set(book.nodes)

"""Importing projects written the way NVivo, ATLAS.ti and the qualitative-coding CLI write them."""

import zipfile

import pytest

import qualcode
from qualcode.errors import OutputExistsError, SourceFormatError
from qualcode.refi import import_qdpx, read_qdpx, read_study_extras, write_qdpx

from .refi_helpers import guid, make_qdpx, project_xml, selection, utf16_units

TEXT = ("Interviewer: How did you first hear about the service?\r\n\r\n"
        "Zo\u00eb: My GP mentioned it \U0001F600 and then the caf\u00e9 had a leaflet.\r\n\r\n"
        "Interviewer: What happened next?\r\n\r\n"
        "Zo\u00eb: The link worker rang me twice \U0001F44D\U0001F3FD and came with me to the walking group.\r\n"
        "It made a real difference \u2013 I go out now.\r\n")
CODES = (f'<Code guid="{guid(1, True)}" name="Access" isCodable="false" color="#FF0000">'
         f'<Description>How people reach the service.</Description><NoteRef targetGUID="{guid(90, True)}"/>'
         f'<Code guid="{guid(2, True)}" name="Referral" isCodable="true"/></Code>'
         f'<Code guid="{guid(3, True)}" name="Benefits" isCodable="true"/>')
WORDS = [("GP mentioned it", 2), ("leaflet", 2), ("rang me twice", 3), ("walking group", 3), ("real difference", 3)]


def nvivo_project(tmp_path, text=TEXT, convention="nvivo"):
    """An NVivo-for-Windows-style export: BOM, CRLF, UTF-16 positions, upper-case GUIDs, cases and variables."""
    raw = text
    def units(s):
        return {"nvivo": utf16_units(s), "atlas": len(s.replace("\r\n", "\n")), "standard": len(s)}[convention]
    selections = []
    for i, (word, code) in enumerate(WORDS):
        at = raw.index(word)
        start, end = units(raw[:at]), units(raw[:at]) + units(word)
        user = guid(50, True) if i % 2 else "{" + guid(51) + "}"
        name = word if convention == "atlas" else None
        selections.append(selection(guid(100 + i, True), start, end, guid(code, True), user, name))
    source = (f'<TextSource guid="{guid(10, True)}" name="Zoe interview.docx" plainTextPath="internal://{guid(11, True)}.txt" '
              f'richTextPath="internal://{guid(12, True)}.docx"><Description>Recorded at the library.</Description>'
              + "".join(selections) +
              f'<Coding guid="{guid(13, True)}" creatingUser="{guid(50, True)}"><CodeRef targetGUID="{guid(1, True)}"/></Coding>'
              f'<VariableValue><VariableRef targetGUID="{guid(70, True)}"/><DateValue>2023-05-02</DateValue></VariableValue>'
              '</TextSource>'
              f'<PictureSource guid="{guid(20, True)}" name="map.jpg" path="internal://{guid(21, True)}.jpg">'
              f'<PictureSelection guid="{guid(22, True)}" firstX="1" firstY="1" secondX="5" secondY="5">'
              f'<Coding guid="{guid(23, True)}"><CodeRef targetGUID="{guid(3, True)}"/></Coding></PictureSelection></PictureSource>')
    users = f'<User guid="{guid(50)}" name="Amira K"/><User guid="{guid(51, True)}" name="Ben O"/>'
    variables = (f'<Variable guid="{guid(70)}" name="Date" typeOfVariable="Date"/>'
                 f'<Variable guid="{guid(71)}" name="Participant Group" typeOfVariable="Text"/>'
                 f'<Variable guid="{guid(72)}" name="Age" typeOfVariable="Integer"/>')
    cases = (f'<Case guid="{guid(60)}" name="Zo\u00eb">'
             f'<VariableValue><VariableRef targetGUID="{guid(71, True)}"/><TextValue>Clients</TextValue></VariableValue>'
             f'<VariableValue><VariableRef targetGUID="{guid(72)}"/><IntegerValue>71</IntegerValue></VariableValue>'
             f'<SourceRef targetGUID="{guid(10)}"/></Case>')
    notes = (f'<Note guid="{guid(90)}" name="Access memo"><PlainTextContent>Agreed on day one.</PlainTextContent></Note>'
             f'<Note guid="{guid(91)}" name="Team log"><PlainTextContent>Second coder joined in May.</PlainTextContent></Note>')
    sets = (f'<Set guid="{guid(80)}" name="Site: North"><MemberSource targetGUID="{guid(10)}"/></Set>'
            f'<Set guid="{guid(81)}" name="Pilot interviews"><MemberSource targetGUID="{guid(10)}"/></Set>')
    qde = project_xml(source, CODES, users, cases, variables, sets, notes, origin="NVivo 14.23.0 (Windows)")
    body = ("\ufeff" + raw).encode("utf-8")
    return make_qdpx(tmp_path / "nvivo.qdpx", "\ufeff" + qde, {f"Sources/{guid(11, True)}.txt": body,
                                                                f"Sources/{guid(12, True)}.docx": b"PK\x03\x04 rich text"})


@pytest.mark.parametrize("convention, expected", [("nvivo", "NVivo"), ("atlas", "ATLAS.ti"), ("standard", "standard")])
def test_vendor_positions_land_on_the_same_words(tmp_path, convention, expected):
    path = nvivo_project(tmp_path, convention=convention)
    corpus, book, codings = read_qdpx(path)
    expected_words = [w for w, _ in WORDS]
    assert sorted(codings[codings.code_id != "access"].text) == sorted(expected_words)
    for row in codings.itertuples():
        assert corpus.text(row.source_id)[row.start : row.end] == row.text
    import_report = import_qdpx(path, tmp_path / "study")
    assert expected in import_report.positions


def test_nvivo_project_becomes_a_study_folder(tmp_path):
    report = import_qdpx(nvivo_project(tmp_path), tmp_path / "study")
    folder = tmp_path / "study"
    corpus = qualcode.load_corpus(folder)
    # The text is stored normalised: no BOM, \n newlines, emoji intact.
    text = corpus.text("Zoe interview")
    assert text == TEXT.replace("\r\n", "\n") and (folder / "texts" / "Zoe_interview.txt").exists()
    # The case is a participant with its group found from "Participant Group", and its other variables.
    assert corpus.participants.to_dict("records") == [
        {"participant_id": "Zo\u00eb", "group": "Clients", "label": "Zo\u00eb", "guid": guid(60), "Age": "71"}]
    source = corpus.source("Zoe interview")
    assert source.meta.participants == ["Zo\u00eb"] and source.method == "interview" and source.meta.date == "2023-05-02"
    assert source.meta.attributes["Site"] == "North" and source.meta.attributes["sets"] == "Pilot interviews"
    # The source memo is a memo (memos.csv), not a variable; users keep their GUIDs as written.
    assert "memo" not in source.meta.attributes
    memos, users = read_study_extras(folder)
    assert memos[["kind", "target", "text"]].values.tolist() == [
        ["code", "access", "Agreed on day one."], ["source", "Zoe interview", "Recorded at the library."],
        ["project", "Team log", "Second coder joined in May."]]
    assert users == {"Amira K": guid(50), "Ben O": guid(51, True)}
    assert source.meta.attributes["guid"] == guid(10, True)  # kept, so an export goes back to the same source
    # Codes: nesting, colour, isCodable, upper-case GUIDs as written, memo from the note.
    book = qualcode.Codebook.from_yaml(folder / "codebook.yaml")
    access = book.node("access")
    assert (access.codable, access.color, access.guid, access.memo) == (False, "#FF0000", guid(1, True), "Agreed on day one.")
    assert book.node("referral").parent_id == "access"
    # One codings file per coder, users matched case-insensitively and through braces.
    assert sorted(p.name for p in folder.glob("codings_*.csv")) == ["codings_Amira-K.csv", "codings_Ben-O.csv"]
    amira = qualcode.read_codings(folder / "codings_Amira-K.csv", corpus, book)
    ben = qualcode.read_codings(folder / "codings_Ben-O.csv", corpus, book)
    assert sorted(ben.text) == ["GP mentioned it", "rang me twice", "real difference"]
    assert sorted(amira.text[amira.code_id != "access"]) == ["leaflet", "walking group"]
    whole = amira[amira.code_id == "access"]
    assert len(whole) == 1 and whole.start.iloc[0] == 0 and whole.end.iloc[0] == len(text)  # a whole-source coding
    assert sorted(report.coders) == ["Amira K", "Ben O"]
    # The picture was reported, with its coding; the unattached note went to notes.yaml.
    messages = " | ".join(str(p) for p in report.problems)
    assert "source 'map.jpg' (00000000-0000-4000-8000-000000000020) is a picture, not text; it was skipped with its 1 coding(s)" in messages
    assert "Second coder joined in May." in (folder / "notes.yaml").read_text(encoding="utf-8")
    assert "Agreed on day one." not in (folder / "notes.yaml").read_text(encoding="utf-8")


def test_qualitative_coding_style_project(tmp_path):
    """Lower-case sources/, plainTextPath without internal://, unnamed sources, line-level codings."""
    lines = ["Speaker 1:   Thank you, let us start.", "", "Speaker 2:   The committee met in spring and agreed",
             "a plan for every school.", ""]
    text = "\n".join(lines) + "\n"
    start = text.index("a plan")
    sel = selection(guid(5), start, start + len("a plan for every school.\n"), guid(3), guid(50), "line:3")
    qde = project_xml(f'<TextSource plainTextPath="board.txt" guid="{guid(4)}">{sel}</TextSource>'
                      f'<TextSource plainTextPath="empty.txt" guid="{guid(6)}"/>',
                      f'<Code name="plans" guid="{guid(3)}" isCodable="true"/>', f'<User name="cp" guid="{guid(50)}"/>',
                      origin="qc 1.3.2")
    path = make_qdpx(tmp_path / "qc.qdpx", qde, {"sources/board.txt": text, "sources/empty.txt": "\n"})
    corpus, book, codings = read_qdpx(path)
    assert corpus.source_ids == ["board"]
    assert codings.text.tolist() == ["a plan for every school.\n"] and codings.coder.tolist() == ["cp"]
    assert any("source 'empty.txt'" in p.message and "empty" in p.message for p in corpus.problems)


def test_a_text_that_starts_like_front_matter_is_kept_intact(tmp_path):
    text = "---\ntitle: not metadata\n---\nClient 1: it is all text.\n"
    qde = project_xml(f'<TextSource guid="{guid(4)}" name="odd" plainTextPath="internal://{guid(4)}.txt">'
                      + selection(guid(5), 0, 3, guid(3), None) + "</TextSource>", f'<Code name="x" guid="{guid(3)}" isCodable="true"/>')
    corpus, _, codings = read_qdpx(make_qdpx(tmp_path / "p.qdpx", qde, {f"sources/{guid(4)}.txt": text}))
    assert corpus.text("odd") == text and codings.text.tolist() == ["---"]


def test_group_variable_option_and_fallback_group(tmp_path):
    path = nvivo_project(tmp_path)
    corpus, _, _ = read_qdpx(path, group_variable="age")
    assert corpus.participants.group.tolist() == ["71"]
    with pytest.raises(SourceFormatError, match="no variable called 'Cohort'; the case variables are: Participant Group, Age"):
        read_qdpx(path, group_variable="Cohort")


def test_cases_without_a_group_variable_are_ungrouped_and_reported(tmp_path):
    cases = f'<Case guid="{guid(60)}" name="P1"/><Case guid="{guid(61)}" name="P1"/>'
    qde = project_xml(f'<TextSource guid="{guid(4)}" name="t" plainTextPath="internal://{guid(4)}.txt"/>',
                      f'<Code name="x" guid="{guid(3)}" isCodable="true"/>', cases=cases)
    corpus, _, _ = read_qdpx(make_qdpx(tmp_path / "p.qdpx", qde, {f"sources/{guid(4)}.txt": "P1: hello there."}))
    assert corpus.participants[["participant_id", "group"]].values.tolist() == [["P1", "Ungrouped"], ["P1-2", "Ungrouped"]]
    messages = " | ".join(p.message for p in corpus.problems)
    assert "no case variable holds the participant group" in messages and "two cases are called 'P1'" in messages


def test_existing_output_is_never_replaced_without_force(tmp_path):
    path = nvivo_project(tmp_path)
    import_qdpx(path, tmp_path / "study")
    (tmp_path / "study" / "codebook.yaml").write_text("my edits")
    with pytest.raises(OutputExistsError, match="already holds .* pass --force"):
        import_qdpx(path, tmp_path / "study")
    assert (tmp_path / "study" / "codebook.yaml").read_text() == "my edits"
    (tmp_path / "study" / "texts" / "left_over.txt").write_text("Client 2: from an earlier import.")
    report = import_qdpx(path, tmp_path / "study", force=True)
    assert "Access" in (tmp_path / "study" / "codebook.yaml").read_text()
    assert "1 file(s) under texts/ are not from this project (texts/left_over.txt)" in report.problems[-1].message


def test_a_project_without_codes_imports_its_sources(tmp_path):
    qde = ('<Project name="p"><Sources>'
           f'<TextSource guid="{guid(4)}" name="t" plainTextPath="internal://{guid(4)}.txt"/></Sources></Project>')
    corpus, book, codings = read_qdpx(make_qdpx(tmp_path / "p.qdpx", qde, {f"sources/{guid(4)}.txt": "Client 1: hi there."}))
    assert corpus.source_ids == ["t"] and book is None and codings.empty
    report = import_qdpx(tmp_path / "p.qdpx", tmp_path / "study")
    assert report.counts["codes"] == 0 and not (tmp_path / "study" / "codebook.yaml").exists()


def test_strict_import_writes_nothing_when_anything_is_wrong(tmp_path):
    with pytest.raises(qualcode.QualcodeError, match="strict mode"):
        import_qdpx(nvivo_project(tmp_path), tmp_path / "study", strict=True)
    assert not (tmp_path / "study").exists()


def test_a_bare_qde_and_a_project_file_with_another_name(tmp_path):
    qde = project_xml(f'<TextSource guid="{guid(4)}" name="t" plainTextPath="internal://{guid(4)}.txt"/>',
                      f'<Code name="x" guid="{guid(3)}" isCodable="true"/>', namespace="")
    (tmp_path / "p.qde").write_text(qde)
    report = import_qdpx(tmp_path / "p.qde", tmp_path / "a")
    assert report.counts["sources"] == 0 and "a .qde file alone holds no sources" in report.problems[0].message
    path = make_qdpx(tmp_path / "p.qdpx", qde, {f"Sources/{guid(4).upper()}.TXT": "Hello there, a text."},
                     qde_name="My Project.qde")
    corpus, _, _ = read_qdpx(path)
    assert corpus.source_ids == ["t"]


def test_an_imported_nvivo_project_exports_back_to_the_same_guids_and_validates(tmp_path):
    import zipfile

    from qualcode.refi import write_qdpx

    from .refi_helpers import schema_errors

    import_qdpx(nvivo_project(tmp_path), tmp_path / "study")
    folder = tmp_path / "study"
    corpus = qualcode.load_corpus(folder)
    book = qualcode.Codebook.from_yaml(folder / "codebook.yaml")
    codings = qualcode.read_codings(folder / "codings_Ben-O.csv", corpus, book)
    write_qdpx(corpus, book, codings, tmp_path / "back.qdpx")
    with zipfile.ZipFile(tmp_path / "back.qdpx") as zf:
        qde = zf.read("project.qde").decode("utf-8")
    assert schema_errors(qde) == []
    assert f'<TextSource guid="{guid(10, True)}" name="Zoe interview"' in qde  # the vendor's source GUID
    assert f'<Case guid="{guid(60)}" name="Zo\u00eb">' in qde  # and case GUID
    assert f'<Code guid="{guid(1, True)}" name="Access" isCodable="false" color="#FF0000">' in qde
    assert "<DateValue>2023-05-02</DateValue>" in qde and "<IntegerValue>71</IntegerValue>" in qde
    assert '<Note guid="' in qde and "Agreed on day one." in qde  # the code memo goes back as a note


def test_a_source_without_cases_is_a_document_and_its_headings_are_not_speakers(tmp_path):
    """MAXQDA/NVivo projects of articles or field notes: "Abstract:" or "RQ1:" are headings, not participants."""
    text = "Abstract: social prescribing in three cities.\n\nRQ1: who refers?\n\nCovid: services moved online.\n"
    qde = project_xml(f'<TextSource guid="{guid(4)}" name="paper" plainTextPath="internal://{guid(4)}.txt">'
                      + selection(guid(5), text.index("who"), text.index("who") + 10, guid(3), guid(50)) + "</TextSource>",
                      f'<Code name="refer" guid="{guid(3)}" isCodable="true"/>', f'<User name="ana" guid="{guid(50)}"/>')
    path = make_qdpx(tmp_path / "doc.qdpx", qde, {f"sources/{guid(4)}.txt": text})
    corpus, book, codings = read_qdpx(path)
    source = corpus.source("paper")
    assert source.method == "document" and len(corpus.participants) == 0
    assert [t.speaker for t in source.turns] == [None, None, None] and codings.text.tolist() == ["who refers"]
    report = write_qdpx(corpus, book, codings, tmp_path / "back.qdpx")
    with zipfile.ZipFile(report.target) as zf:
        assert b"<Case " not in zf.read("project.qde")


def test_an_imported_study_exports_back_with_its_users_sets_and_memos(tmp_path):
    import_qdpx(nvivo_project(tmp_path), tmp_path / "study")
    folder = tmp_path / "study"
    corpus = qualcode.load_corpus(folder)
    book = qualcode.Codebook.from_yaml(folder / "codebook.yaml")
    memos, users = read_study_extras(folder)
    report = write_qdpx(corpus, book, None, tmp_path / "back.qdpx", memos=memos, users=users)
    with zipfile.ZipFile(report.target) as zf:
        qde = zf.read("project.qde").decode("utf-8")
        journal = zf.read(f"sources/{guid(91)}.txt").decode("utf-8")  # a journal entry's text is a file, as QualCoder has it
    assert f'<User guid="{guid(50)}" name="Amira K"' in qde and f'<User guid="{guid(51, True)}" name="Ben O"' in qde
    assert '<Set guid="' in qde and 'name="Pilot interviews"' in qde and f'<MemberSource targetGUID="{guid(10, True)}"' in qde
    assert "<Description>Recorded at the library.</Description>" in qde and 'name="memo"' not in qde
    assert 'name="Team log"' in qde and journal == "Second coder joined in May."

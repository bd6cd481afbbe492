"""Broken, empty, binary, wrongly encoded, huge and malicious projects: clear errors, or reported and skipped."""

import zipfile

import pytest

from qualcode.errors import QualcodeError, SourceFormatError, UnsafeArchiveError
from qualcode.refi import import_qdpx, read_qdpx
from qualcode.corpus.safezip import ZipLimits

from .refi_helpers import guid, make_qdpx, project_xml, selection

CODE = f'<Code guid="{guid(3)}" name="Benefits" isCodable="true"/>'
TEXT = "Client 1: The walking group got me out of the house.\n"


def text_source(n: int, selections: str = "", path: str | None = None, name: str | None = None) -> str:
    path = path or f"internal://{guid(n)}.txt"
    return f'<TextSource guid="{guid(n)}" name="{name or f"s{n}"}" plainTextPath="{path}">{selections}</TextSource>'


def project(tmp_path, sources: str, members: dict | None = None, codes: str = CODE, name: str = "p.qdpx"):
    return make_qdpx(tmp_path / name, project_xml(sources, codes), members if members is not None else {})


def problems_of(path, **options) -> str:
    corpus, _, _ = read_qdpx(path, **options)
    return "\n".join(p.message for p in corpus.problems)


@pytest.mark.parametrize("content", [b"just some text, not a zip", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", b""])
def test_not_a_zip(tmp_path, content):
    path = tmp_path / "p.qdpx"
    path.write_bytes(content)
    with pytest.raises((UnsafeArchiveError, SourceFormatError), match=r"p\.qdpx: (not a valid \.qdpx file|the file is empty)"):
        import_qdpx(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_zip_with_no_qde(tmp_path):
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sources/a.txt", "hello")
    with pytest.raises(SourceFormatError, match=r"holds no \.qde project file \(members: sources/a\.txt\)"):
        import_qdpx(path, tmp_path / "out")


def test_malformed_xml_names_line_and_column(tmp_path):
    path = make_qdpx(tmp_path / "p.qdpx", '<Project name="p">\n  <Sources>\n    <TextSource guid="x">\n</Project>')
    with pytest.raises(SourceFormatError, match=r"p\.qdpx:project\.qde:4:2: malformed XML \(mismatched tag\)"):
        import_qdpx(path, tmp_path / "out")


def test_xml_bomb_and_external_entities_are_refused(tmp_path):
    lol = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY l0 "lol">{lol}]><Project name="&l9;"/>'
    with pytest.raises(SourceFormatError, match="declares entities .* refusing it"):
        import_qdpx(make_qdpx(tmp_path / "b.qdpx", bomb), tmp_path / "out")
    external = '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]><Project name="&x;"/>'
    with pytest.raises(SourceFormatError, match="declares entities"):
        import_qdpx(make_qdpx(tmp_path / "e.qdpx", external), tmp_path / "out")


@pytest.mark.parametrize("member", ["../evil.txt", "sources/../../evil.txt", "/etc/passwd"])
def test_path_traversal_members_are_refused(tmp_path, member):
    path = make_qdpx(tmp_path / "p.qdpx", project_xml(text_source(4), CODE), {member: "x"})
    with pytest.raises(UnsafeArchiveError, match=rf"member '{member}' has .*(path traversal|absolute path)"):
        import_qdpx(path, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out").exists()


def test_a_plain_text_path_that_climbs_out_is_refused(tmp_path):
    path = project(tmp_path, text_source(4, path="internal://../../etc/passwd"))
    with pytest.raises(SourceFormatError, match="(?s)no text source could be imported.*its path "
                       r"'internal://\.\./\.\./etc/passwd' has a '\.\.' path component"):
        read_qdpx(path)


def test_nested_archives_too_many_members_and_zip_bombs(tmp_path):
    nested = project(tmp_path, text_source(4), {f"sources/{guid(4)}.txt": TEXT, "sources/more.zip": b"PK\x03\x04"}, name="n.qdpx")
    with pytest.raises(UnsafeArchiveError, match=r"member 'sources/more\.zip' is itself an archive"):
        import_qdpx(nested, tmp_path / "out")
    many = project(tmp_path, text_source(4), {f"sources/{i}.txt": "x" for i in range(30)}, name="m.qdpx")
    with pytest.raises(UnsafeArchiveError, match="holds 31 members, over the limit of 20"):
        import_qdpx(many, tmp_path / "out", limits=ZipLimits(max_members=20))
    bomb = project(tmp_path, text_source(4), {f"sources/{guid(4)}.txt": b" " * (30 * 1024 * 1024)}, name="z.qdpx")
    with pytest.raises(UnsafeArchiveError, match="looks like a zip bomb"):
        import_qdpx(bomb, tmp_path / "out")


def test_a_source_missing_from_the_archive_is_skipped_with_its_codings(tmp_path):
    sel = selection(guid(5), 4, 11, guid(3), None)
    path = project(tmp_path, text_source(4) + text_source(6, sel), {f"sources/{guid(4)}.txt": TEXT})
    corpus, _, codings = read_qdpx(path)
    assert corpus.source_ids == ["s4"] and codings.empty
    assert (f"source 's6' ({guid(6)}) was skipped: its text '{guid(6)}.txt' is missing from the archive; its 1 coding(s) "
            "were skipped too.") in problems_of(path)


def test_selections_outside_the_text_or_reversed_are_reported_by_guid_and_skipped(tmp_path):
    sels = (selection(guid(5), 10, 16, guid(3), None) + selection(guid(7), 30, 9999, guid(3), None)
            + selection(guid(8), 20, 12, guid(3), None) + selection(guid(9), 5, 5, guid(3), None)
            + f'<PlainTextSelection guid="{guid(10)}" startPosition="a" endPosition="3"/>')
    path = project(tmp_path, text_source(4, sels), {f"sources/{guid(4)}.txt": TEXT})
    corpus, _, codings = read_qdpx(path)
    assert codings.text.tolist() == ["The wa"]
    messages = problems_of(path)
    assert f"selection {guid(7)} (30-9999) is outside source 's4' (0-{len(TEXT)}); skipped with its 1 coding(s)." in messages
    assert f"selection {guid(8)} in source 's4' starts after it ends (20 > 12); skipped with its 1 coding(s)." in messages
    assert f"selection {guid(9)} in source 's4' is empty (5-5); skipped." in messages
    assert f"selection {guid(10)} in source 's4' has positions 'a'-'3', not whole numbers; skipped." in messages


def test_a_coding_of_an_unknown_code_is_skipped(tmp_path):
    path = project(tmp_path, text_source(4, selection(guid(5), 10, 16, guid(99), None)), {f"sources/{guid(4)}.txt": TEXT})
    assert f"refers to code {guid(99)}, which is not in the codebook; skipped." in problems_of(path)


def test_duplicate_guids_are_reported(tmp_path):
    codes = CODE + f'<Code guid="{guid(3).upper()}" name="Again" isCodable="true"/>'
    sources = text_source(4, selection(guid(5), 10, 16, guid(3), None)) + text_source(4, name="copy")
    path = project(tmp_path, sources, {f"sources/{guid(4)}.txt": TEXT}, codes=codes)
    corpus, book, codings = read_qdpx(path)
    messages = problems_of(path)
    assert f"duplicate GUID {guid(4)}: source 'copy' has the GUID of source 's4'; the later one was skipped." in messages
    assert f"duplicate GUID {guid(3).upper()}: code 'Again' has the GUID of code 'benefits'" in messages
    assert corpus.source_ids == ["s4"] and codings.code_id.tolist() == ["benefits"]  # the first code keeps the GUID
    assert list(book.nodes) == ["benefits", "again"]


def test_sources_that_are_not_text_are_reported_not_fatal(tmp_path):
    sources = (text_source(4) + f'<PDFSource guid="{guid(20)}" name="leaflet.pdf" path="internal://{guid(21)}.pdf">'
               f'<Representation guid="{guid(22)}" plainTextPath="internal://{guid(22)}.txt"/></PDFSource>'
               f'<AudioSource guid="{guid(23)}" name="call.m4a" path="relative:///call.m4a"/>'
               f'<VideoSource guid="{guid(24)}" name="clip.mp4" path="absolute:///C:/clip.mp4"/>'
               f'<TextSource guid="{guid(25)}" name="ext" plainTextPath="absolute:///C:/data/ext.txt"/>'
               f'<TextSource guid="{guid(26)}" name="rich" richTextPath="internal://{guid(26)}.docx"/>')
    path = project(tmp_path, sources, {f"sources/{guid(4)}.txt": TEXT, f"sources/{guid(21)}.pdf": b"%PDF-1.4"})
    messages = problems_of(path)
    assert "source 'leaflet.pdf'" in messages and "is a PDF, not text" in messages
    assert "is an audio file, not text" in messages and "is a video, not text" in messages
    assert "it is an external file (absolute:///C:/data/ext.txt)" in messages
    assert "it has only rich text" in messages


@pytest.mark.parametrize("data, text", [
    (TEXT.encode("cp1252"), TEXT),
    ("Client 1: caf\u00e9 \u2013 fine.\n".encode("cp1252"), "Client 1: caf\u00e9 \u2013 fine.\n"),
    ("\ufeffClient 1: caf\u00e9 \U0001F600.\r\n".encode("utf-16"), "Client 1: caf\u00e9 \U0001F600.\n"),
    (b"\x00\x01\x02\x03\xff\xfe\x00binary" * 50, None),
    (b"   \n", None),
])
def test_wrongly_encoded_binary_and_empty_texts(tmp_path, data, text):
    path = project(tmp_path, text_source(4), {f"sources/{guid(4)}.txt": data})
    report = import_qdpx(path, tmp_path / "out")
    if text is not None:
        assert report.counts["sources"] == 1 and report.problems == []
        assert (tmp_path / "out" / "texts" / "s4.txt").read_text(encoding="utf-8") == text
    else:
        assert report.counts["sources"] == 0 and not (tmp_path / "out" / "texts").exists()
        assert report.problems[0].message.startswith(f"source 's4' ({guid(4)}) was skipped: ")
        assert any(w in report.problems[0].message for w in ("binary", "empty"))


def test_two_project_files_and_wrong_kinds_of_input(tmp_path):
    path = tmp_path / "two.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.qde", "<Project name='a'/>")
        zf.writestr("b.qde", "<Project name='b'/>")
    with pytest.raises(SourceFormatError, match="several project files"):
        import_qdpx(path, tmp_path / "out")
    with pytest.raises(SourceFormatError, match="this is a REFI-QDA codebook"):
        import_qdpx(make_qdpx(tmp_path / "c.qdpx", f"<CodeBook><Codes>{CODE}</Codes></CodeBook>"), tmp_path / "out")
    with pytest.raises(SourceFormatError, match="no such file"):
        import_qdpx(tmp_path / "missing.qdpx", tmp_path / "out")
    with pytest.raises(SourceFormatError, match="is a folder"):
        import_qdpx(tmp_path, tmp_path / "out")
    (tmp_path / "file").write_text("x")
    with pytest.raises(QualcodeError, match="is a file; give a folder"):
        import_qdpx(make_qdpx(tmp_path / "ok.qdpx", project_xml(text_source(4), CODE), {f"sources/{guid(4)}.txt": TEXT}),
                    tmp_path / "file")

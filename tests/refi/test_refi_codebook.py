"""REFI-QDA codebooks (.qdc): schema-valid export, faithful import, GUIDs that stay put, lenient reading."""

import re

import pytest

import qualcode
from qualcode.codebook.model import Codebook
from qualcode.errors import CodebookError, OutputExistsError, SourceFormatError
from qualcode.refi import read_qdc, write_qdc
from qualcode.refi.codes import compose_description, parse_description

from ..conftest import ROOT
from .refi_helpers import REFI_DATA, schema_errors

SHIPPED = ROOT / "codebooks" / "social_prescribing.yaml"
FIELDS = ("label", "level", "parent_id", "definition", "include", "exclude", "examples", "memo", "color", "codable")


@pytest.fixture(scope="module")
def shipped():
    return Codebook.from_yaml(SHIPPED)


def test_export_is_schema_valid_and_nests_the_tree(tmp_path, shipped):
    report = write_qdc(shipped, tmp_path / "cb.qdc")
    data = (tmp_path / "cb.qdc").read_bytes()
    assert schema_errors(data, "Codebook.xsd") == []
    assert report.counts == {"codes": len(shipped)}
    assert data.count(b"<Code ") == len(shipped)
    # A theme's sub-themes are nested inside its <Code> element, in codebook order.
    theme = shipped.themes[0]
    first_child = shipped.children(theme.id)[0]
    assert re.search(rf'name="{re.escape(theme.label)}"[^>]*>\s*<Description>.*?</Description>\s*<Code [^>]*name='
                     rf'"{re.escape(first_child.label)}"', data.decode(), re.S)


def test_round_trip_with_the_codebook_as_base_gives_the_same_codebook(tmp_path, shipped):
    write_qdc(shipped, tmp_path / "cb.qdc")
    back = read_qdc(tmp_path / "cb.qdc", base=shipped)
    assert list(back.nodes) == list(shipped.nodes)
    for node in shipped.nodes.values():
        twin = back.node(node.id)
        for name in FIELDS + ("rules", "origin", "status"):
            assert getattr(twin, name) == getattr(node, name), (node.id, name)
    assert (back.name, back.version) == (shipped.name, shipped.version)


def test_without_a_base_ids_come_from_labels_and_texts_survive(tmp_path, shipped):
    write_qdc(shipped, tmp_path / "cb.qdc")
    back = read_qdc(tmp_path / "cb.qdc")
    assert len(back) == len(shipped)
    for old, new in zip(shipped.nodes.values(), back.nodes.values()):
        assert new.id == re.sub(r"[^a-z0-9]+", "-", old.label.lower()).strip("-")[:60].strip("-")
        assert (new.label, new.level, new.definition, new.include, new.exclude, new.examples) == \
            (old.label, old.level, old.definition, old.include, old.exclude, old.examples)
        assert new.rules == {}  # REFI-QDA has no place for rules
    assert back.name == "cb"


def test_guids_are_stable_across_exports_and_kept_from_the_yaml(tmp_path, shipped):
    write_qdc(shipped, tmp_path / "a.qdc")
    write_qdc(shipped, tmp_path / "b.qdc")
    assert (tmp_path / "a.qdc").read_bytes() == (tmp_path / "b.qdc").read_bytes()
    minimal = Codebook.from_yaml(ROOT / "codebooks" / "minimal.yaml")
    write_qdc(minimal, tmp_path / "m.qdc")
    text = (tmp_path / "m.qdc").read_text()
    assert 'guid="6f1c2a9e-3b7d-4c55-9a0e-2d8f41b7c3a1" name="Access"' in text  # the YAML's guid
    assert 'color="#1f77b4"' in text
    back = read_qdc(tmp_path / "m.qdc")
    assert back.node("access").guid == "6f1c2a9e-3b7d-4c55-9a0e-2d8f41b7c3a1"
    assert "Memo: Agreed at the first coding meeting." in text and back.node("access").memo == "Agreed at the first coding meeting."


def test_codable_colour_and_upper_case_braced_guids_survive(tmp_path):
    qdc = tmp_path / "nv.qdc"
    qdc.write_text(
        '\ufeff<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo 14">'
        '<Codes><Code guid="{A1B2C3D4-0000-4000-8000-00000000000A}" name="Wellbeing \U0001F600" isCodable="false" color="#FF00AA">'
        '<Description>Feeling better.\r\n\r\nInclusion criteria: mood, energy.\r\nExclusion criteria: physical health.</Description>'
        '<Code guid="A1B2C3D4-0000-4000-8000-00000000000B" name="Sleep" isCodable="true"/></Code></Codes></CodeBook>',
        encoding="utf-8",
    )
    book = read_qdc(qdc)
    parent, kid = book.themes[0], book.children(book.themes[0].id)[0]
    assert (parent.label, parent.codable, parent.color, parent.guid) == (
        "Wellbeing \U0001F600", False, "#FF00AA", "{A1B2C3D4-0000-4000-8000-00000000000A}")
    assert (parent.definition, parent.include, parent.exclude) == ("Feeling better.", "mood, energy.", "physical health.")
    assert (kid.label, kid.level, kid.codable) == ("Sleep", 2, True)
    write_qdc(book, tmp_path / "again.qdc")
    again = (tmp_path / "again.qdc").read_text()
    assert schema_errors(again, "Codebook.xsd") == []
    assert 'guid="{A1B2C3D4-0000-4000-8000-00000000000A}"' in again and 'isCodable="false"' in again


def test_base_match_by_guid_survives_renames_in_the_qda_program(tmp_path, shipped):
    write_qdc(shipped, tmp_path / "cb.qdc")
    theme = shipped.themes[0]
    edited = (tmp_path / "cb.qdc").read_text().replace(f'name="{theme.label}"', 'name="Getting to a link worker"')
    (tmp_path / "cb.qdc").write_text(edited)
    back = read_qdc(tmp_path / "cb.qdc", base=shipped)
    assert back.node(theme.id).label == "Getting to a link worker"  # the rename is taken ...
    assert back.node(theme.id).rules == theme.rules  # ... and the id and rules are kept


def test_description_sections_parse_back():
    class N:
        definition, include, exclude, examples, memo = "Def.", "In.", "Out.", ("one", "two"), "A memo."

    text = compose_description(N, with_memo=True)
    assert parse_description(text) == {"definition": "Def.", "include": "In.", "exclude": "Out.",
                                       "examples": ["one", "two"], "memo": "A memo."}
    assert parse_description("Only a definition:\nwith a colon.") == {"definition": "Only a definition:\nwith a colon."}


def test_the_atlas_ti_23_codebook_imports_with_its_code_group_reported():
    book = read_qdc(REFI_DATA / "atlasti-23.4-codebook.qdc")  # schema location codebook:0:4
    [node] = book.nodes.values()
    assert (node.id, node.label, node.definition, node.color, node.guid) == (
        "code1", "code1", "description", "#46AA00", "1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294")
    [warning] = book.warnings
    assert "code set 'code group 1' (1 codes: code1) was not carried over" in warning.message


@pytest.mark.parametrize("namespace", ["", ' xmlns="urn:QDA-XML:codebook:0:4"', ' xmlns:c="urn:QDA-XML:codebook:1.0"'])
def test_namespace_variants_read_the_same(tmp_path, namespace):
    prefix = "c:" if ":c=" in namespace else ""
    qdc = tmp_path / "x.qdc"
    qdc.write_text(f'<{prefix}CodeBook{namespace}><{prefix}Codes><{prefix}Code guid="00000000-0000-4000-8000-000000000001" '
                   f'name="Loneliness" isCodable="true"/></{prefix}Codes></{prefix}CodeBook>')
    assert [n.label for n in read_qdc(qdc).nodes.values()] == ["Loneliness"]


def test_duplicate_guids_bad_colours_and_missing_names_are_reported_not_fatal(tmp_path):
    qdc = tmp_path / "x.qdc"
    qdc.write_text('<CodeBook><Codes><Code guid="00000000-0000-4000-8000-000000000001" name="A" isCodable="true" color="red"/>'
                   '<Code guid="00000000-0000-4000-8000-000000000001" name="A" isCodable="true"/>'
                   '<Code guid="not-a-guid" name="" isCodable="true"/></Codes></CodeBook>')
    book = read_qdc(qdc)
    assert [n.id for n in book.nodes.values()] == ["a", "a-2", "unnamed-code-3"]
    messages = " | ".join(p.message for p in book.warnings)
    assert "colour 'red' is not #RRGGBB" in messages
    assert "duplicate GUID 00000000-0000-4000-8000-000000000001: code 'A' has the GUID of code 'a'" in messages
    assert "malformed GUID 'not-a-guid'" in messages and "has no name" in messages
    assert len({n.guid.lower() for n in book.nodes.values()}) == 3


@pytest.mark.parametrize("content, match", [
    (b"", "empty"),
    (b"\x00\x01binary\xff" * 10, "malformed XML"),
    (b"<CodeBook><Codes><Code name='x'></CodeBook>", r"x\.qdc:1:\d+: malformed XML \(mismatched tag\)"),
    (b"<CodeBook><Codes/></CodeBook>", "holds no codes"),
    (b"<Project name='p'/>", "is a REFI-QDA project, not a codebook"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
     b"<CodeBook><Codes><Code guid='00000000-0000-4000-8000-000000000001' name='&b;' isCodable='true'/></Codes></CodeBook>",
     "declares entities"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><CodeBook>&e;</CodeBook>', "declares entities"),
])
def test_bad_codebook_files_get_clear_errors(tmp_path, content, match):
    qdc = tmp_path / "x.qdc"
    qdc.write_bytes(content)
    with pytest.raises((SourceFormatError, CodebookError), match=match):
        read_qdc(qdc)


def test_absurdly_deep_nesting_is_refused_not_a_crash(tmp_path):
    depth = 5000
    qdc = tmp_path / "deep.qdc"
    qdc.write_text("<CodeBook><Codes>" + "".join(f'<Code guid="00000000-0000-4000-8000-{i:012d}" name="c{i}" isCodable="true">'
                                                 for i in range(depth)) + "</Code>" * depth + "</Codes></CodeBook>")
    with pytest.raises(SourceFormatError, match="nested more than 64 levels deep"):
        read_qdc(qdc)


def test_latin1_codebook_and_huge_file_limits(tmp_path, monkeypatch):
    qdc = tmp_path / "l.qdc"
    qdc.write_bytes('<?xml version="1.0" encoding="iso-8859-1"?><CodeBook><Codes><Code guid="00000000-0000-4000-8000-000000000001" '
                    'name="Caf\u00e9" isCodable="true"/></Codes></CodeBook>'.encode("latin-1"))
    assert read_qdc(qdc).themes[0].label == "Caf\u00e9"
    monkeypatch.setattr("qualcode.refi.qdc.MAX_QDC_BYTES", 100)
    with pytest.raises(SourceFormatError, match="over the 100 bytes limit"):
        read_qdc(qdc)


def test_writing_refuses_to_overwrite_without_force(tmp_path, shipped):
    write_qdc(shipped, tmp_path / "cb.qdc")
    with pytest.raises(OutputExistsError, match="already exists"):
        write_qdc(shipped, tmp_path / "cb.qdc")
    write_qdc(shipped, tmp_path / "cb.qdc", force=True)


def test_top_level_api():
    assert qualcode.read_qdc is read_qdc and qualcode.write_qdc is write_qdc


def test_derived_guids_are_uuid5_and_valid():
    import uuid

    from qualcode.refi.xmlio import QUALCODE_NS, derived_guid, is_guid

    for parts in [("code", "Social prescribing evaluation", "buddying"), ("user", "Zo\u00eb \U0001F600"), ("x",)]:
        value = derived_guid(*parts)
        assert value == str(uuid.uuid5(QUALCODE_NS, "\x1f".join(parts))) and is_guid(value)
    assert derived_guid("a", "b") != derived_guid("ab")


def test_a_taguette_codebook_merges_into_the_base(tmp_path):
    """Labels only, flat, fresh GUIDs (what Taguette writes): definitions and hierarchy stay; a new tag is added;
    the version goes up with a changelog entry naming the file; `codebook diff` shows it; no news, no new version."""
    import uuid

    from typer.testing import CliRunner

    from qualcode.cli.app import app

    base = Codebook.from_yaml(SHIPPED)
    codes = "".join(f'<Code guid="{uuid.uuid4()}" name="{n.label}" isCodable="true"/>' for n in base.nodes.values())
    xml = ('<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Taguette 1.4.1">'
           f'<Codes>{codes}</Codes></CodeBook>')
    same = tmp_path / "taguette.qdc"
    same.write_text(xml, encoding="utf-8")
    unchanged = read_qdc(same, base=base)
    assert unchanged.version == base.version and unchanged.merge_changes == []
    more = tmp_path / "taguette-more.qdc"
    more.write_text(xml.replace("</Codes>", f'<Code guid="{uuid.uuid4()}" name="Transport" isCodable="true"/></Codes>'),
                    encoding="utf-8")
    merged = read_qdc(more, base=base)
    for node in base.nodes.values():
        twin = merged.node(node.id)
        assert (twin.definition, twin.parent_id, twin.examples, twin.rules, twin.guid) == (
            node.definition, node.parent_id, node.examples, node.rules, node.guid)
    assert merged.node("transport").level == 1 and merged.version != base.version
    assert "taguette-more.qdc" in merged.changelog[-1]["change"] + merged.changelog[-1]["reason"]
    out = tmp_path / "merged.yaml"
    merged.to_yaml(out)
    result = CliRunner().invoke(app, ["codebook", "diff", str(SHIPPED), str(out)])
    assert result.exit_code in (0, 1) and "transport" in result.output


def test_a_nested_file_moves_codes_and_fills_fields_it_carries(tmp_path):
    from xml.etree import ElementTree as ET

    base = Codebook.from_yaml(SHIPPED)
    code = next(n for n in base.nodes.values() if n.level == 2 and n.include)
    other = next(t for t in base.themes if t.id != code.theme_id)
    path = tmp_path / "nested.qdc"
    write_qdc(base, path)
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    ET.register_namespace("", ns["q"])
    tree = ET.parse(path)
    parents = {c: p for p in tree.iter() for c in p}
    element = next(e for e in tree.iter(f"{{{ns['q']}}}Code") if e.get("name") == code.label)
    target = next(e for e in tree.iter(f"{{{ns['q']}}}Code") if e.get("name") == other.label)
    element.find("q:Description", ns).text = "A sharper definition."
    parents[element].remove(element)
    target.append(element)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    merged = read_qdc(path, base=base)
    twin = merged.node(code.id)
    assert (twin.parent_id, twin.definition, twin.rules) == (other.id, "A sharper definition.", code.rules)
    assert twin.include == code.include and merged.version != base.version  # include was not in the file: kept

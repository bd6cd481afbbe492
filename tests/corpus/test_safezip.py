"""Zip containers are checked before anything is inflated: bombs, traversal, member counts."""

import io
import zipfile

import pytest

from qualcode.errors import UnsafeArchiveError
from qualcode.corpus.safezip import ZipLimits, member_path_problem, open_zip


def make_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_not_a_zip_is_named_with_the_fix(tmp_path):
    path = tmp_path / "t.docx"
    path.write_text("I am plain text pretending to be Word")
    with pytest.raises(UnsafeArchiveError, match=r"t\.docx: not a valid \.docx file.*re-save"):
        open_zip(path, ".docx")


def test_zip_bomb_is_refused_from_its_declared_sizes(tmp_path):
    path = make_zip(tmp_path / "bomb.docx", {"word/document.xml": b"\0" * (20 * 1024 * 1024)})
    assert path.stat().st_size < 100_000  # tiny on disk
    with pytest.raises(UnsafeArchiveError, match=r"word/document\.xml.*zip bomb"):
        open_zip(path, ".docx")


def test_total_size_cap(tmp_path):
    members = {f"m{i}.txt": bytes(range(256)) * 4000 for i in range(5)}  # ~1 MB each, incompressible-ish
    path = make_zip(tmp_path / "big.zip", members, zipfile.ZIP_STORED)
    with pytest.raises(UnsafeArchiveError, match="in all, over the"):
        open_zip(path, ".zip", ZipLimits(max_total_bytes=3 * 1024 * 1024))


@pytest.mark.parametrize("name", ["../evil.txt", "a/../../evil.txt", "/etc/passwd", "C:/windows/x", "..\\evil.txt"])
def test_path_traversal_members_are_refused(tmp_path, name):
    assert member_path_problem(name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo(name), b"x")
    path = tmp_path / "trav.qdpx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UnsafeArchiveError, match="refusing to open"):
        open_zip(path, ".qdpx")


def test_too_many_members_and_nested_archives(tmp_path):
    path = make_zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(30)})
    with pytest.raises(UnsafeArchiveError, match="30 members"):
        open_zip(path, ".zip", ZipLimits(max_members=10))
    nested = make_zip(tmp_path / "nested.qdpx", {"inner.zip": b"PK..."})
    with pytest.raises(UnsafeArchiveError, match="nested archives"):
        open_zip(nested, ".qdpx", ZipLimits(allow_nested_archives=False))


def test_safe_zip_opens(tmp_path):
    path = make_zip(tmp_path / "ok.zip", {"Sources/a.txt": b"hello", "project.qde": b"<Project/>"})
    with open_zip(path, ".qdpx") as zf:
        assert sorted(zf.namelist()) == ["Sources/a.txt", "project.qde"]

"""Results that used to be silently wrong (exit 0), tracebacks on failing disks, and slow speaker handling."""

from __future__ import annotations

import csv

import qualcode

from .conftest import GOOD, MINIMAL_CODEBOOK, assert_clean, run_cli, study


def segments(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_western_text_in_cp1252_is_not_read_as_cp1250(tmp_path, warm):
    french = "Client: Très bien. Le médecin m'a orienté, c'était très utile. Où êtes-vous allé ? À côté.\n"
    icelandic = "Client: Ég fór til læknisins og hann vísaði mér á þjónustuna. Það var gott.\n"
    polish = "Klient: Lekarz skierował mnie do ośrodka. Było dobrze, dziękuję że pytacie.\n"
    folder = study(tmp_path / "s", {"fr.txt": french.encode("cp1252"), "is.txt": icelandic.encode("cp1252"),
                                    "pl.txt": polish.encode("cp1250")}, good=False)
    out = run_cli(["segments", folder, "--format", "csv", "-o", tmp_path / "seg.csv"])
    assert out.code == 0, str(out)
    texts = {row["source_id"]: row["text"] for row in segments(tmp_path / "seg.csv")}
    assert texts == {"fr": french[8:].strip(), "is": icelandic[8:].strip(), "pl": polish[8:].strip()}
    assert "fr.txt: warning: not UTF-8: read as cp1252 (letters such as è" in out.stderr  # the guess is said


def test_caption_cues_with_bad_times_keep_their_words(tmp_path, warm):
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Client>First words.\n\n"
           "00:00:05.000 --> 00:00:03.000\n<v Client>Backwards words.\n\n"
           "00:00:0x.000 --> 00:00:07.000\n<v Client>Malformed words.\n\n"
           "00:00:08.000 --> 00:00:09.000\n<v Interviewer>Last words.\n")
    srt = "1\n00:00:01,000 --> 00:00:02,000\nClient: One.\n\n2\n00:00:0x,000 --> 00:00:04,000\nClient: Two.\n"
    folder = study(tmp_path / "s", {"a.vtt": vtt, "b.srt": srt}, good=False)
    out = run_cli(["segments", folder, "--format", "csv", "-o", tmp_path / "seg.csv"])
    assert out.code == 0, str(out)
    text = " ".join(row["text"] for row in segments(tmp_path / "seg.csv"))
    for words in ("First words.", "Backwards words.", "Malformed words.", "Last words.", "One.", "Two."):
        assert words in text
    assert "a.vtt:6: warning: the cue ends before it starts" in out.stderr
    assert "a.vtt:9: warning: the cue time '00:00:0x.000 --> 00:00:07.000' is malformed; its words were kept" in out.stderr
    assert "b.srt:6: warning: the cue time" in out.stderr


def test_a_link_out_of_the_corpus_folder_is_not_followed(tmp_path, warm):
    secret = tmp_path / "secret.txt"
    secret.write_text("Client: my password is hunter2\n")
    folder = study(tmp_path / "s", {})
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "secret.txt").symlink_to(secret)
    out = run_cli(["segments", folder, "--format", "csv", "-o", tmp_path / "seg.csv"])
    assert_clean(out, 3, "passwd.txt", "outside the transcripts folder", "copy the file in")
    written = (tmp_path / "seg.csv").read_text()
    assert "root:" not in written and "hunter2" not in written and "referred me" in written


def test_markdown_output_escapes_html(tmp_path, warm):
    folder = study(tmp_path / "s", {
        "participants.csv": 'participant_id,group,label\nC1,<script>alert(1)</script>,<img src=x onerror=alert(2)>\n',
        "c1.txt": "Client: I was referred.\n",
        "sources.csv": "file,source_id,method,participants\nc1.txt,c1,interview,C1\n"}, good=False)
    out = run_cli(["summary", folder, "--format", "md", "-o", tmp_path / "s.md"])
    assert out.code == 0, str(out)
    text = (tmp_path / "s.md").read_text()
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_many_speakers_without_participants_csv_load_in_linear_time(tmp_path, warm):
    lines = "\n".join(f"P{i}: yes I think so." for i in range(20000)) + "\n"
    folder = study(tmp_path / "s", {"many.txt": lines}, good=False)
    out = run_cli(["summary", folder], seconds=60)  # was quadratic: minutes for this file
    assert out.code == 0, str(out)


def test_an_output_under_proc_or_on_a_full_disk_is_one_line(tmp_path, warm):
    folder = study(tmp_path / "s", {})
    out = run_cli(["segments", folder, "--format", "csv", "-o", "/proc/self/qualcode.csv"])
    assert_clean(out, 1, "/proc/self")
    big = study(tmp_path / "big", {"long.txt": "Client: " + "I was referred by my GP. " * 200000 + "\n"}, good=False)
    out = run_cli(["segments", big, "--format", "csv", "-o", tmp_path / "seg.csv"], file_mb=1)
    assert_clean(out, 1, "the file grew past the largest size allowed", "write the output elsewhere")
    assert not (tmp_path / "seg.csv").exists() and not list(tmp_path.glob(".seg*"))  # no half file, no temporary


def test_an_internal_error_is_one_line_with_the_saved_traceback(tmp_path, warm, monkeypatch):
    import qualcode.corpus.summary as summary_module

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(summary_module, "study_summary", broken, raising=False)
    monkeypatch.setattr(qualcode.Corpus, "summary", broken)
    folder = study(tmp_path / "s", {})
    out = run_cli(["summary", folder])
    assert out.code == 1 and not out.crashed and "Traceback" not in out.stderr, str(out)
    lines = [line for line in out.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "internal error in qualcode" in lines[0] and "Please report it" in lines[0]
    saved = lines[0].split("the full traceback is in ")[1].split(". Please")[0]
    assert "ZeroDivisionError: a bug" in open(saved).read()

"""A project: the people's work on a study, kept in one SQLite file next to the sources.

>>> p = qualcode.Project.init(tmp / "study", "codebooks/social_prescribing.yaml")   # codes the sources once
>>> table = p.codings()                    # every coding, with coding_id and status (suggested/accepted/...)
>>> p.accept(table.coding_id.iloc[0], coder="alice")["status"]
'accepted'
>>> p.undo(coder="alice")["action"]
'undo'

A machine coding (rule, meaning or model) is keyed by ``(source_id, start, end, code_id)``, so a decision on it
survives a re-run, a change to other codebook nodes, another engine or ``--jobs``. The rules are in
``docs/projects.md``. All SQL is in :mod:`.store`; this module speaks of codings, decisions and memos.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..coding.table import CODING_COLUMNS
from ..corpus.manifest import BACKUP_FOLDER, PROJECT_FILE
from ..errors import ProjectError, did_you_mean, listing
from .records import MEMO_KINDS, SYSTEM_CODER, coding_key, decision_row as _decision, human_row as _human, now
from .store import MACHINE_COLUMNS, SCHEMA_VERSION, Store

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook
    from ..corpus.corpus import Corpus

STATUSES = ("suggested", "accepted", "rejected", "human")
#: Columns :meth:`Project.codings` adds to the codings table.
DECISION_COLUMNS = ["coding_id", "status", "decided_by", "decided_at", "decision_memo", "version"]


def project_file(folder: str | Path) -> Path:
    return Path(folder) / PROJECT_FILE


def has_project(folder: str | Path) -> bool:
    """Whether ``folder`` holds a project file (without opening it)."""
    return Path(folder).is_dir() and project_file(folder).exists()


def find_project(folder: str | Path) -> "Project | None":
    """The project in ``folder`` if it has one (for commands that read through a project when one exists)."""
    path = Path(folder)
    return Project(path) if path.is_dir() and project_file(path).exists() else None


@dataclass
class ProjectStatus:
    """What :meth:`Project.status` reports: counts, pending review per code, decisions per coder, what is aside."""

    path: Path
    codebook: str
    sources: int
    changed_sources: list[str]
    new_sources: list[str]
    origins: dict[str, int]
    per_code: "pd.DataFrame"
    per_coder: "pd.DataFrame"
    aside: "pd.DataFrame"
    orphaned: dict[str, int] = field(default_factory=dict)
    retired: dict[str, int] = field(default_factory=dict)
    stale_decisions: int = 0

    def lines(self) -> list[str]:
        out = [f"Project {self.path} (codebook {self.codebook})",
               f"{self.sources} source(s); codings by origin: "
               + (", ".join(f"{k} {v:,}" for k, v in self.origins.items()) or "none")]
        if self.changed_sources or self.new_sources:
            out.append(f"Changed on disk since the last run: {listing(self.changed_sources) if self.changed_sources else 'none'}; "
                       f"new: {listing(self.new_sources) if self.new_sources else 'none'}. "
                       "`qualcode run` codes them again and re-anchors the codings on changed ones.")
        if self.stale_decisions:
            out.append(f"{self.stale_decisions:,} decision(s) are on codings the rules no longer suggest (kept; an "
                       "accepted one stays a human coding, a rejected one applies again if the coding returns).")
        for code_id, n in self.retired.items():
            out.append(f"Code {code_id!r} is retired: its {n:,} decision(s) and human coding(s) are kept.")
        for code_id, n in self.orphaned.items():
            out.append(f"Code {code_id!r} is not in the codebook: {n:,} decision(s) and human coding(s) on it are kept "
                       "but left out of the analysis (put the code back, or merge it: Project.merge_code).")
        if len(self.aside):
            out.append(f"{len(self.aside):,} coding(s) could not be re-anchored after their source changed and are "
                       "kept aside (`qualcode project export` writes them to aside.csv):")
            for row in self.aside.head(20).itertuples(index=False):
                out.append(f"  {row.source_id} / {row.coder} / {row.code_id}: {row.quote[:70]!r} ({row.reason})")
        return out


class Project:
    """The project of the study in ``folder``: its codebook, the machine codings of the last run, and the
    people's decisions, hand codings, memos and history (see ``docs/projects.md``).

    >>> import shutil; folder = shutil.copytree("transcripts_sample", tmp / "study")
    >>> p = qualcode.Project.init(folder, "codebooks/social_prescribing.yaml")     # codes the sources once
    >>> first = p.codings().coding_id.iloc[0]
    >>> p.reject(first, coder="alice", memo="about a buddy scheme")["status"]
    'rejected'
    >>> p.undo(coder="alice")["action"], p.codings().status.iloc[0]
    ('undo', 'suggested')
    >>> p.close()
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = project_file(self.folder)
        if not self.folder.is_dir():
            raise ProjectError(f"{self.folder}: no such folder; give the folder of transcripts that holds the project.")
        if not self.path.exists():
            raise ProjectError(f"{self.folder} is not a qualcode project (it has no {PROJECT_FILE}); make one with "
                               f"`qualcode init {self.folder} -c <codebook.yaml>` (Python: qualcode.Project.init).")
        self.store = Store(self.path, backups_hint=self._backup_hint())
        self._codebook = None
        self._codebook_text = None

    def __repr__(self) -> str:
        return f"<Project {self.path}>"

    def _repr_html_(self) -> str:
        """In Jupyter: the status, with pending review per code and decisions per coder."""
        import html

        from ..writers.tables import html_table

        status = self.status()
        lines = "".join(f"<p>{html.escape(line)}</p>" for line in status.lines())
        return (lines + "<h4>Pending review per code</h4>" + html_table(status.per_code.head(15))
                + ("<h4>Per coder</h4>" + html_table(status.per_coder) if len(status.per_coder) else ""))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self.store.close()

    def _backup_hint(self) -> str:
        backups = sorted((self.folder / BACKUP_FOLDER).glob("*.db"))
        return f" (the newest is {backups[-1]})" if backups else ""

    # -- making a project ---------------------------------------------------------------------------
    @classmethod
    def init(cls, folder: str | Path, codebook: "str | Path | Codebook", force: bool = False, *,
             corpus: "Corpus | None" = None, codings: "pd.DataFrame | None" = None, jobs: int = 1,
             unit: str = "turn") -> "Project":
        """Make the project of ``folder`` with ``codebook`` and code its sources once (or use ``codings``).

        On an existing project this changes its codebook (refused, unless ``force``, when decisions or human
        codings would be left on codes the new codebook lacks) and codes the sources again.
        """
        from ..codebook.model import Codebook
        from ..version import __version__

        folder = Path(folder)
        book = codebook if isinstance(codebook, Codebook) else Codebook.from_yaml(codebook)
        if not folder.is_dir():
            raise ProjectError(f"{folder}: no such folder; give the folder of transcripts the project is for.")
        if project_file(folder).exists():
            project = cls(folder)
            project.set_codebook(book, force=force)
        else:
            if corpus is None:
                from ..corpus.loading import load_corpus

                corpus = load_corpus(folder)
            Store.create(project_file(folder), {
                "qualcode_version": __version__, "schema": str(SCHEMA_VERSION), "created": now(),
                "codebook": book.to_string(), "codebook_name": book.name, "codebook_version": book.version,
                "unit": unit}).close()
            project = cls(folder)
        project.refresh(corpus, codings, jobs=jobs)
        return project

    @property
    def codebook(self) -> "Codebook":
        """The project's codebook (its text is stored in the project)."""
        text = self.store.meta().get("codebook", "")
        if self._codebook is None or text != self._codebook_text:
            from ..codebook.model import Codebook

            self._codebook = Codebook.from_string(text, name=f"{self.path.name}:codebook")
            self._codebook_text = text
        return self._codebook

    def set_codebook(self, codebook: "str | Path | Codebook", *, force: bool = False,
                     merged: dict[str, str] | None = None, coder: str = SYSTEM_CODER) -> None:
        """Use ``codebook`` from now on. Decisions and human codings on codes it lacks would be orphaned:
        refused unless ``force`` (they are then kept, reported by ``status`` and left out of the analysis), or
        unless ``merged`` maps each such code to the one it was merged into (they follow the merge)."""
        from ..codebook.model import Codebook

        book = codebook if isinstance(codebook, Codebook) else Codebook.from_yaml(codebook)
        merged = dict(merged or {})
        for old, new in merged.items():
            if new not in book.nodes:
                raise ProjectError(f"merge {old!r} -> {new!r}: {new!r} is not in codebook {book.name!r}"
                                   f"{did_you_mean(new, book.nodes)}")
        in_use = self.store.code_ids_in_use()
        orphaned = {c: n for c, n in in_use.items() if c not in book.nodes and c not in merged}
        if orphaned and not force:
            total = sum(orphaned.values())
            shared = len(set(book.nodes) & set(self.codebook.nodes))
            raise ProjectError(
                f"codebook {book.name!r} ({len(book.nodes)} nodes, {shared} shared with the project's "
                f"{self.codebook.name!r}) lacks code(s) {listing(sorted(orphaned))}: {total:,} decision(s) and human "
                f"coding(s) would be orphaned. Use the codebook that keeps those ids, say where a code went "
                f"(merged={{old: new}}), or pass --force to keep them aside from the analysis."
            )
        with self.store.change(coder, "codebook", f"codebook {self.codebook.name} {self.codebook.version} -> "
                               f"{book.name} {book.version}", now(), allow_empty=True) as change:
            self.store.set_meta({"codebook": book.to_string(), "codebook_name": book.name,
                                 "codebook_version": book.version})
            for old, new in merged.items():
                self._move_code(change, old, new, book)
        self._codebook = None

    def merge_code(self, old: str, into: str, *, coder: str) -> int:
        """Move every decision and human coding on ``old`` to ``into`` (after the codebook merged them); undoable."""
        book = self.codebook
        self._check_code(into)
        with self.store.change(coder, "merge", f"merge code {old} into {into}", now()) as change:
            return self._move_code(change, old, into, book)

    def _move_code(self, change, old: str, new: str, book) -> int:
        moved = 0
        for row in self.store.by_field("decision", "code_id", old):
            data = self._relabel(json.loads(row["row"]), new, book)
            key = coding_key(row["source_id"], row["start"], row["end"], new)
            change.put("decision", (row["coding_id"], row["coder"]), None)
            change.put("decision", (key, row["coder"]), {**row, "coding_id": key, "code_id": new,
                                                         "row": json.dumps({**data, "coding_id": key})})
            moved += 1
        for row in self.store.by_field("human", "code_id", old):
            data = self._relabel(json.loads(row["row"]), new, book)
            change.put("human", (row["coding_id"],), {**row, "code_id": new, "row": json.dumps(data)})
            moved += 1
        return moved

    @staticmethod
    def _relabel(data: dict, code_id: str, book) -> dict:
        node = book.nodes[code_id]
        return {**data, "code_id": node.id, "code": node.label, "theme_id": node.theme_id,
                "theme": book.nodes[node.theme_id].label, "subtheme_id": node.subtheme_id,
                "subtheme": book.nodes[node.subtheme_id].label if node.subtheme_id else None}

    # -- the sources and the machine codings --------------------------------------------------------
    def refresh(self, corpus: "Corpus | None" = None, codings: "pd.DataFrame | None" = None, *, jobs: int = 1) -> dict:
        """Read the sources again, re-anchor the people's codings on sources whose text changed, and store the
        machine codings (``codings``, or the local coder's with the project's codebook). Returns
        ``{"reanchored": n, "aside": n}``."""
        from ..human.codings import _turn_index

        if corpus is None:
            from ..corpus.loading import load_corpus

            corpus = load_corpus(self.folder)
        if codings is None:
            from ..coding.coder import apply_codebook

            codings = apply_codebook(corpus, self.codebook, unit=self.store.meta().get("unit", "turn"), jobs=jobs).codings
        stored = {s["source_id"]: s for s in self.store.sources()}
        stamp = now()
        sources, turns, stamps, keep = [], [], {}, set()
        index = None
        for source in corpus:
            text = source.text
            sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
            stamps[source.source_id] = _stamp(self.folder, source.path)
            if source.source_id in stored and stored[source.source_id]["text_sha"] == sha:
                keep.add(source.source_id)
                continue
            sources.append({"source_id": source.source_id, "file": stamps[source.source_id], "text_sha": sha,
                            "length": len(text), "text": text, "updated": stamp})
            index = index if index is not None else _turn_index(corpus)
            for record in index.get(source.source_id, ([], []))[1]:
                turns.append((source.source_id, record["segment_id"], record["start"], record["end"],
                              record["participant_id"], record["group"], record["label"], source.method))
        changed = {s["source_id"] for s in sources if s["source_id"] in stored}
        present = {source.source_id for source in corpus}
        machine = _machine_rows(codings)
        with self.store.change(SYSTEM_CODER, "re-anchor", "re-anchor codings after sources changed", stamp,
                               allow_empty=True) as change:
            self.store.replace_sources(sources, turns, keep)
            self.store.set_stamps(stamps)
            self.store.replace_machine_codings(machine)
            self.store.set_blob("machine_codings", _machine_blob(machine))
            result = self._reanchor(change, changed, present, stamp)
            if change.items:
                change.what = (f"re-anchor codings after {listing(sorted(changed))} changed: {result['reanchored']} "
                               f"moved, {result['aside']} kept aside")
            self.store.set_meta({"refreshed": stamp})
        return result

    def _reanchor(self, change, changed: set[str], present: set[str], stamp: str) -> dict:
        from ..human.codings import fold, locate_quote

        result = {"reanchored": 0, "aside": 0}
        folded: dict[str, tuple] = {}
        for kind in ("decision", "human"):
            rows = self.store.rows(kind, "aside IS NOT NULL") + [
                r for sid in sorted(changed) for r in self.store.by_field(kind, "source_id", sid) if r["aside"] is None]
            for row in rows:
                sid = row["source_id"]
                if sid not in present:
                    if row["aside"] is None:
                        change.put(kind, _key(kind, row), {**row, "aside": f"source {sid} is no longer in the folder"})
                        result["aside"] += 1
                    continue
                text = self.store.source_text(sid)
                if sid not in folded:
                    folded[sid] = fold(text)
                spans = locate_quote(text, row["quote"], folded[sid])
                if not spans:
                    if row["aside"] is None:
                        change.put(kind, _key(kind, row), {**row, "aside": f"quote not found after {sid} changed ({stamp[:10]})"})
                        result["aside"] += 1
                    continue
                start, end = min(spans, key=lambda s: abs(s[0] - row["start"]))
                data = {**json.loads(row["row"]), **self._place(sid, start, end, text)}
                new = {**row, "start": start, "end": end, "aside": None}
                if kind == "decision":
                    key = coding_key(sid, start, end, row["code_id"])
                    data["coding_id"] = key
                    change.put(kind, _key(kind, row), None)
                    change.put(kind, (key, row["coder"]), {**new, "coding_id": key, "row": json.dumps(data)})
                else:
                    change.put(kind, _key(kind, row), {**new, "row": json.dumps(data)})
                result["reanchored"] += 1
        return result

    def _place(self, source_id: str, start: int, end: int, text: str) -> dict:
        turn = self.store.turn_at(source_id, start) or {}
        return {"source_id": source_id, "start": start, "end": end, "text": text[start:end],
                "segment_id": turn.get("segment_id"), "participant_id": turn.get("participant_id"),
                "group": turn.get("group"), "label": turn.get("label"), "method": turn.get("method")}

    # -- reading --------------------------------------------------------------------------------------
    def codings(self, coder: str | None = None, status: str | None = None,
                source_id: str | None = None) -> "pd.DataFrame":
        """The codings table with every decision applied: the codings-table columns plus ``coding_id``,
        ``status`` (suggested/accepted/rejected/human), ``decided_by``, ``decided_at``, ``decision_memo`` and
        ``version`` (the history entry that last changed the coding; pass it back as ``expected``).

        A machine coding shows the latest decision on it by anyone (or by ``coder``, if given); an accepted
        coding stays even when no rule suggests it any more. Codings kept aside are not here (see ``status()``).
        With ``source_id``: only that source's codings, read from the database for that source alone (what a
        page about one source of a large project needs).
        """
        import pandas as pd

        if status is not None and status not in STATUSES:
            raise ProjectError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}.")
        if source_id is None:
            machine = self._machine_frame()
            texts = self.store.texts()
        else:
            source_id = str(source_id)
            text = self.store.source_text(source_id)
            if text is None:
                raise ProjectError(f"no source {source_id!r} in the project"
                                   f"{did_you_mean(source_id, [s['source_id'] for s in self.store.sources()])}")
            columns, rows = self.store.machine_codings_of(source_id)
            data = dict(zip(columns, map(list, zip(*rows)))) if rows else {c: [] for c in columns}
            dtypes = {c: "str" for c in MACHINE_COLUMNS}  # as the whole table reads them (see _machine_frame)
            dtypes.update(start="int64", end="int64", score="float64")
            machine = pd.DataFrame(data, columns=columns).astype(dtypes)
            texts = {source_id: text}
        machine["text"] = [texts.get(sid, "")[a:b] for sid, a, b in
                           zip(machine["source_id"].tolist(), machine["start"].tolist(), machine["end"].tolist())]
        latest: dict[str, tuple] = {}
        for row in self.store.decision_states(coder, source_id):  # oldest first: the latest decision wins
            latest[row[0]] = row
        states = pd.DataFrame(list(latest.values()), columns=["coding_id", "decided_by", "status", "decision_memo",
                                                              "decided_at", "version"])
        machine = machine.merge(states, on="coding_id", how="left", sort=False)
        machine["status"] = machine["status"].fillna("suggested")
        machine["version"] = machine["version"].fillna(0)
        known = set(machine["coding_id"].tolist())
        lost = [d for d in latest.values() if d[0] not in known and d[2] == "accepted"]
        stored = self.store.decision_rows([d[0] for d in lost]) if lost else {}
        extra = []
        for coding_id, who, state, memo, at, version in lost:
            extra.append({**json.loads(stored[(coding_id, who)]), "status": "accepted", "decided_by": who,
                          "decided_at": at, "decision_memo": memo, "version": version})
        human = self.store.human_rows(coder=coder, source_id=source_id)
        for row in human:
            extra.append({**json.loads(row["row"]), "coding_id": row["coding_id"], "status": "human",
                          "decided_by": row["coder"], "decided_at": row["created"], "decision_memo": row["memo"],
                          "version": row["change_id"]})
        out_columns = CODING_COLUMNS + DECISION_COLUMNS
        frame = machine.reindex(columns=out_columns)
        if extra:
            frame = pd.concat([frame, pd.DataFrame(extra).reindex(columns=out_columns)], ignore_index=True)
        frame = frame.astype({"start": "int64", "end": "int64", "score": "float64", "version": "int64"})
        if status is not None:
            frame = frame[frame.status == status].reset_index(drop=True)
        return frame

    def _machine_frame(self) -> "pd.DataFrame":
        """The machine codings of the last run (without their text), from the compact copy stored with them."""
        import io
        import zlib

        import pandas as pd

        blob = self.store.blob("machine_codings")
        if blob is None:
            columns, rows = self.store.machine_codings()
            data = dict(zip(columns, map(list, zip(*rows)))) if rows else {c: [] for c in columns}
            return pd.DataFrame(data, columns=columns)
        dtypes = {c: "str" for c in MACHINE_COLUMNS}
        dtypes.update(start="int64", end="int64", score="float64")
        return pd.read_csv(io.BytesIO(zlib.decompress(blob)), dtype=dtypes, keep_default_na=False, na_values=[""])

    def analysis_codings(self, coder: str | None = None) -> "pd.DataFrame":
        """The codings the analysis reads: suggestions nobody rejected (as the machine coded them), accepted
        codings as the accepting coder's human codings, and hand codings; only codes in the codebook.
        With ``coder``: only that coder's accepted and hand codings (their codings, for agreement)."""
        if coder is None:
            frame = self.codings()
        else:
            frame = self.codings(coder=coder)
            frame = frame[frame.status.isin(["accepted", "human"])]
        frame = frame[frame.status != "rejected"].copy()
        accepted = frame.status == "accepted"
        frame.loc[accepted, "coder"] = frame.loc[accepted, "decided_by"]
        frame.loc[accepted, "origin"] = "human"
        frame = frame[frame.code_id.isin(list(self.codebook.nodes))]
        return frame[CODING_COLUMNS + ["coding_id", "status"]].reset_index(drop=True)

    def training_codings(self) -> "tuple[pd.DataFrame, pd.DataFrame]":
        """What a :class:`~qualcode.Suggester` learns from: ``(positives, negatives)``, the accepted and hand
        codings of every coder, and the codings people rejected (and nobody accepted)."""
        from ..coding.table import check_codings

        table = self.codings()
        book = set(self.codebook.nodes)
        table = table[table.code_id.isin(list(book))]
        positives = table[table.status.isin(["accepted", "human"])].copy()
        accepted = positives.status == "accepted"
        positives.loc[accepted, "coder"] = positives.loc[accepted, "decided_by"]
        positives["origin"] = "human"
        negatives = table[table.status == "rejected"]
        return (check_codings(positives[CODING_COLUMNS], "project codings"),
                check_codings(negatives[CODING_COLUMNS], "rejected codings"))

    def coders(self) -> list[str]:
        """People who decided or coded, in name order."""
        names = {r[0] for r in self.store.decision_counts()} | {r[0] for r in self.store.human_counts()}
        return sorted(names)

    def memos(self) -> "pd.DataFrame":
        """The memos table (``memo_id, kind, target, coder, text, created, source_id, start, end, code_id``)."""
        import pandas as pd

        from .store import MEMO_COLUMNS

        rows = self.store.rows("memo")
        columns = [c for c in MEMO_COLUMNS if c != "change_id"]
        frame = pd.DataFrame(rows, columns=MEMO_COLUMNS).reindex(columns=columns).astype({"start": "Int64", "end": "Int64"})
        return frame.sort_values("created", kind="stable").reset_index(drop=True)

    def history(self, coder: str | None = None, since: str | None = None) -> "pd.DataFrame":
        """The history, oldest first: ``change_id, at, coder, action, what, before, after, reverts`` (JSON)."""
        import pandas as pd

        if since is not None:
            _check_since(since)
        rows = []
        for entry in self.store.history(coder, since):
            items = json.loads(entry["items"])
            rows.append({"change_id": entry["change_id"], "at": entry["at"], "coder": entry["coder"],
                         "action": entry["action"], "what": entry["what"],
                         "before": json.dumps([i["before"] for i in items], ensure_ascii=False),
                         "after": json.dumps([i["after"] for i in items], ensure_ascii=False),
                         "reverts": entry["reverts"]})
        frame = pd.DataFrame(rows, columns=["change_id", "at", "coder", "action", "what", "before", "after", "reverts"])
        return frame.astype({"change_id": "int64", "reverts": "Int64"})

    def aside(self) -> "pd.DataFrame":
        """Codings and decisions that could not be re-anchored after their source changed (kept, not dropped)."""
        import pandas as pd

        rows = [{"kind": "decision", "coding_id": r["coding_id"], "coder": r["coder"], "source_id": r["source_id"],
                 "start": r["start"], "end": r["end"], "code_id": r["code_id"], "status": r["status"],
                 "quote": r["quote"], "reason": r["aside"]} for r in self.store.rows("decision", "aside IS NOT NULL")]
        rows += [{"kind": "human", "coding_id": r["coding_id"], "coder": r["coder"], "source_id": r["source_id"],
                  "start": r["start"], "end": r["end"], "code_id": r["code_id"], "status": "human",
                  "quote": r["quote"], "reason": r["aside"]} for r in self.store.rows("human", "aside IS NOT NULL")]
        return pd.DataFrame(rows, columns=["kind", "coding_id", "coder", "source_id", "start", "end", "code_id",
                                           "status", "quote", "reason"])

    def status(self) -> ProjectStatus:
        """Sources, codings by origin, pending review per code, decisions per coder, and what needs attention."""
        import pandas as pd

        book = self.codebook
        stored = self.store.sources()
        changed, seen = [], set()
        for source in stored:
            file = source["file"] or ""
            path, _, stamp = file.rpartition("|")
            seen.add(path)
            if path and _quick_stamp(self.folder, path) != file:
                changed.append(source["source_id"])
        from ..corpus.loading import discover_files

        new = [f for f in discover_files(self.folder) if f not in seen] if stored else []
        origins: dict[str, int] = {}
        per_code: dict[str, dict] = {}
        for code_id, origin, n, decided in self.store.machine_counts():
            origins[origin] = origins.get(origin, 0) + n
            entry = per_code.setdefault(code_id, {"code_id": code_id, "suggested": 0, "pending": 0})
            entry["suggested"] += n
            entry["pending"] += n - decided
        per_coder = {}
        stale = 0
        for coder, status, n, gone, aside in self.store.decision_counts():
            per_coder.setdefault(coder, {"coder": coder, "accepted": 0, "rejected": 0, "human": 0})[status] = n
            stale += gone or 0
        for coder, n, aside in self.store.human_counts():
            per_coder.setdefault(coder, {"coder": coder, "accepted": 0, "rejected": 0, "human": 0})["human"] = n
            origins["human"] = origins.get("human", 0) + n
        accepted = sum(v["accepted"] for v in per_coder.values())
        if accepted:
            origins["accepted"] = accepted
        code_frame = pd.DataFrame(list(per_code.values()), columns=["code_id", "suggested", "pending"])
        code_frame.insert(1, "code", [book.nodes[c].label if c in book.nodes else "(not in codebook)"
                                      for c in code_frame.code_id])
        in_use = self.store.code_ids_in_use()
        return ProjectStatus(
            path=self.path, codebook=f"{book.name} {book.version}", sources=len(stored), changed_sources=changed,
            new_sources=new, origins=origins, per_code=code_frame.sort_values("pending", ascending=False, kind="stable"),
            per_coder=pd.DataFrame(list(per_coder.values()), columns=["coder", "accepted", "rejected", "human"]),
            aside=self.aside(), orphaned={c: n for c, n in sorted(in_use.items()) if c not in book.nodes},
            retired={c: n for c, n in sorted(in_use.items()) if c in book.nodes and book.nodes[c].status == "retired"},
            stale_decisions=stale)

    def source_counts(self) -> "pd.DataFrame":
        """Per source with codings: ``codings`` (not rejected), ``waiting`` (suggested, not yet decided) and
        ``coded_turns`` (turns holding a coding not rejected), counted in the database over the codings
        :meth:`codings` shows, without reading them (the overview of a large project needs only these)."""
        import pandas as pd

        return pd.DataFrame(self.store.source_counts(),
                            columns=["source_id", "codings", "waiting", "coded_turns"]).astype(
            {"codings": "int64", "waiting": "int64", "coded_turns": "int64"})

    def waiting(self, *, code: str | None = None, origin: str | None = None, offset: int = 0,
                limit: int | None = None) -> "pd.DataFrame":
        """The suggestions nobody has decided yet (the rows ``codings(status="suggested")`` gives), most
        informative first (a calibrated score nearest 0.5 first, then a rule coding with one matched term, ...;
        then in reading order), as ``coding_id``, ``source_id``, ``start``, ``code_id``, ``origin`` and
        ``score``: read from the database without the rest of the table (what the review queue shows).
        ``code``: that node and its descendants; ``offset``/``limit``: a slice of that order."""
        import pandas as pd

        ids = None
        if code is not None:
            node_id = self._check_code(code)
            ids = [node_id, *(n.id for n in self.codebook.descendants(node_id))]
        rows = self.store.undecided(origin=origin, code_ids=ids, offset=offset, limit=limit)
        return pd.DataFrame(rows, columns=["coding_id", "source_id", "start", "code_id", "origin", "score"]).astype(
            {"start": "int64", "score": "float64"})

    def waiting_counts(self, *, origin: str | None = None) -> dict[str, int]:
        """code_id -> how many suggestions of that code (of ``origin``, if given) nobody has decided yet."""
        out: dict[str, int] = {}
        for code_id, row_origin, n, decided in self.store.machine_counts():
            if (origin is None or row_origin == origin) and n > decided:
                out[code_id] = out.get(code_id, 0) + n - decided
        return out

    def source_of(self, coding_id: str) -> str | None:
        """The source of coding ``coding_id`` as :meth:`codings` shows it, looked up by its id alone; ``None``
        when :meth:`codings` does not show it (no such coding, kept aside, or a decision on a coding no rule
        suggests any more that was not an acceptance)."""
        coding_id = str(coding_id)
        machine = self.store.machine_coding(coding_id)
        if machine is not None:
            return machine["source_id"]
        human = self.store.get("human", (coding_id,))
        if human is not None:
            return human["source_id"] if human["aside"] is None else None
        decisions = [d for d in self.store.by_field("decision", "coding_id", coding_id) if d["aside"] is None]
        latest = max(decisions, key=lambda d: d["change_id"]) if decisions else None
        return json.loads(latest["row"]).get("source_id") if latest and latest["status"] == "accepted" else None

    def origin_counts(self) -> "pd.DataFrame":
        """``origin``, ``status``, ``codings``: how many of the codings :meth:`codings` shows have each origin and
        status, counted in the database."""
        import pandas as pd

        return pd.DataFrame(self.store.origin_status_counts(), columns=["origin", "status", "codings"]).astype(
            {"codings": "int64"})

    # -- decisions ------------------------------------------------------------------------------------
    def _state(self, coding_id: str) -> tuple[str, int]:
        decisions = self.store.by_field("decision", "coding_id", coding_id)
        decisions = [d for d in decisions if d["aside"] is None]
        if decisions:
            last = max(decisions, key=lambda d: d["change_id"])
            return last["status"], last["change_id"]
        human = self.store.get("human", (coding_id,))
        if human is not None:
            return "human", human["change_id"]
        return "suggested", 0

    def _check_expected(self, coding_id: str, expected) -> None:
        if expected is None:
            return
        status, version = self._state(coding_id)
        seen = version if isinstance(expected, int) and not isinstance(expected, bool) else status
        if seen != expected:
            from ..errors import ProjectConflictError

            raise ProjectConflictError(f"coding {coding_id} was changed since you saw it (expected {expected!r}, now "
                                       f"{status} at version {version}); reload and decide again.")

    def _machine(self, coding_id: str, texts: dict | None = None) -> dict:
        row = self.store.machine_coding(coding_id)
        if row is not None:
            sid = row["source_id"]
            text = texts.setdefault(sid, self.store.source_text(sid) or "") if texts is not None else \
                self.store.source_text(sid) or ""
            row["text"] = text[row["start"]:row["end"]]
            return {c: row.get(c) for c in ["coding_id", *CODING_COLUMNS]}
        if row is None:
            for decision in self.store.by_field("decision", "coding_id", coding_id):
                return json.loads(decision["row"])
            if self.store.get("human", (coding_id,)) is not None:
                raise ProjectError(f"coding {coding_id} is a human coding; change it with recode, not accept/reject.")
            raise ProjectError(f"no coding {coding_id!r} in {self.path}; the ids are in the coding_id column of "
                               "Project.codings() (`qualcode project export` writes them).")
        return row

    def accept(self, coding_id: str, *, coder: str, memo: str | None = None, expected=None) -> dict:
        """``coder`` accepts machine coding ``coding_id`` (it becomes their coding); returns the decision."""
        return self._decide("accepted", coding_id, coder, memo, expected)

    def reject(self, coding_id: str, *, coder: str, memo: str | None = None, expected=None) -> dict:
        """``coder`` rejects machine coding ``coding_id``; it stays rejected through later runs."""
        return self._decide("rejected", coding_id, coder, memo, expected)

    def _decide(self, status: str, coding_id: str, coder: str, memo, expected) -> dict:
        _check_coder(coder)
        row = self._machine(str(coding_id))
        verb = status[:-2]
        with self.store.change(coder, verb, f"{verb} {row['code_id']} on {row['source_id']} "
                               f"{row['start']}-{row['end']}", now()) as change:
            self._check_expected(str(coding_id), expected)
            decision = _decision(row, coder, status, memo, change.at)
            change.put("decision", (row["coding_id"], coder), decision)
        return self.store.get("decision", (row["coding_id"], coder))

    def decide_many(self, status: str, *, coder: str, code: str | None = None, source: str | None = None,
                    min_score: float | None = None, coding_ids: list[str] | None = None, memo: str | None = None) -> int:
        """Accept or reject (``status``) many machine codings in one change (undone together); codings ``coder``
        already decided the same way are left alone. Returns how many decisions were made."""
        _check_coder(coder)
        if status not in ("accepted", "rejected"):
            raise ProjectError(f"status {status!r}: use accepted or rejected.")
        code_id = self._check_code(code) if code is not None else None
        if source is not None and self.store.source_text(source) is None:
            raise ProjectError(f"no source {source!r} in the project{did_you_mean(source, [s['source_id'] for s in self.store.sources()])}")
        ids = list(coding_ids or []) or self.store.machine_ids(code_id=code_id, source_id=source, min_score=min_score)
        if coding_ids:
            ids = [str(i) for i in ids]
        if not ids:
            raise ProjectError("no machine coding matches (check --code, --source and --min-score against "
                               "`qualcode status`).")
        what = f"{status[:-2]} {len(ids):,} coding(s)" + "".join(
            f" {k} {v}" for k, v in (("code", code_id), ("source", source), ("score >=", min_score)) if v is not None)
        made, texts = 0, {}
        with self.store.change(coder, status[:-2], what, now(), allow_empty=True) as change:
            for coding_id in ids:
                row = self._machine(coding_id, texts)
                current = self.store.get("decision", (coding_id, coder))
                if current is not None and current["status"] == status and current["aside"] is None:
                    continue
                change.put("decision", (coding_id, coder), _decision(row, coder, status, memo, change.at))
                made += 1
        return made

    # -- hand codings ---------------------------------------------------------------------------------
    def _check_code(self, code: str) -> str:
        book = self.codebook
        node_id = book.resolve(str(code))
        if node_id is None:
            raise ProjectError(f"code {code!r} is not in the project's codebook {book.name!r}{book.suggest(str(code))}")
        return node_id

    def _human_row(self, source_id: str, start: int, end: int, code_id: str, coder: str) -> dict:
        text = self.store.source_text(source_id)
        if text is None:
            raise ProjectError(f"no source {source_id!r} in the project"
                               f"{did_you_mean(source_id, [s['source_id'] for s in self.store.sources()])}")
        try:
            start, end = int(start), int(end)
        except (TypeError, ValueError):
            raise ProjectError(f"offsets {start!r}-{end!r} are not whole numbers.") from None
        if not 0 <= start < end <= len(text):
            raise ProjectError(f"offsets {start}-{end} are outside source {source_id} (0-{len(text)}) or empty; "
                               "offsets count characters of the source's text from 0.")
        node_id = self._check_code(code_id)
        data = {c: None for c in CODING_COLUMNS}
        data.update(self._relabel({}, node_id, self.codebook))
        data.update(self._place(source_id, start, end, text))
        data.update({"coder": coder, "origin": "human", "score": 1.0, "evidence": "",
                     "codebook_version": self.codebook.version})
        return data

    def code(self, source_id: str, start: int, end: int, code_id: str, *, coder: str, memo: str | None = None,
             coding_id: str | None = None, created: str | None = None) -> str:
        """``coder`` codes ``[start, end)`` of ``source_id`` with ``code_id``; returns the new coding's id."""
        _check_coder(coder)
        data = self._human_row(source_id, start, end, code_id, coder)
        coding_id = coding_id or "h" + uuid.uuid4().hex[:15]
        with self.store.change(coder, "code", f"code {data['code_id']} on {source_id} {data['start']}-{data['end']}",
                               now()) as change:
            change.put("human", (coding_id,), _human(coding_id, data, coder, memo, created or change.at),
                       expected=None)
        return coding_id

    def code_many(self, spans, code_id: str, *, coder: str, memo: str | None = None,
                  what: str | None = None) -> list[str]:
        """``coder`` codes every ``(source_id, start, end)`` of ``spans`` with ``code_id`` in one change (one
        history entry, undone together). A span this coder has already coded with this code is not repeated.
        Every span is checked before anything is written. Returns the new codings' ids (empty: no change)."""
        _check_coder(coder)
        node_id = self._check_code(code_id)
        have = {(r["source_id"], int(r["start"]), int(r["end"])) for r in self.store.by_field("human", "code_id", node_id)
                if r["coder"] == coder and r["aside"] is None}
        rows, seen = [], set()
        for source_id, start, end in spans:
            data = self._human_row(str(source_id), start, end, node_id, coder)
            key = (data["source_id"], int(data["start"]), int(data["end"]))
            if key not in have and key not in seen:
                seen.add(key)
                rows.append(data)
        if not rows:
            return []
        ids = []
        with self.store.change(coder, "code", what or f"code {node_id} on {len(rows)} passages", now()) as change:
            for data in rows:
                coding_id = "h" + uuid.uuid4().hex[:15]
                change.put("human", (coding_id,), _human(coding_id, data, coder, memo, change.at), expected=None)
                ids.append(coding_id)
        return ids

    def recode(self, coding_id: str, code_id: str, *, coder: str, expected=None) -> str:
        """Give coding ``coding_id`` the code ``code_id``: a human coding changes its code; a machine coding is
        rejected and ``coder`` codes its span with ``code_id`` (one change). Returns the coding's id."""
        _check_coder(coder)
        node_id = self._check_code(code_id)
        human = self.store.get("human", (str(coding_id),))
        with self.store.change(coder, "recode", f"recode {coding_id} as {node_id}", now()) as change:
            self._check_expected(str(coding_id), expected)
            if human is not None:
                data = self._relabel(json.loads(human["row"]), node_id, self.codebook)
                change.put("human", (human["coding_id"],), {**human, "code_id": node_id, "row": json.dumps(data)})
                return human["coding_id"]
            row = self._machine(str(coding_id))
            change.put("decision", (row["coding_id"], coder), _decision(row, coder, "rejected", f"recoded as {node_id}",
                                                                         change.at))
            data = self._human_row(row["source_id"], row["start"], row["end"], node_id, coder)
            new_id = "h" + uuid.uuid4().hex[:15]
            change.put("human", (new_id,), _human(new_id, data, coder, None, change.at), expected=None)
            return new_id

    def uncode(self, coding_id: str, *, coder: str) -> None:
        """Remove human coding ``coding_id`` (undoable; the history keeps it)."""
        _check_coder(coder)
        human = self.store.get("human", (str(coding_id),))
        if human is None:
            raise ProjectError(f"no human coding {coding_id!r}; machine codings are rejected, not removed.")
        with self.store.change(coder, "uncode", f"remove coding {coding_id}", now()) as change:
            change.put("human", (human["coding_id"],), None)

    # -- memos ----------------------------------------------------------------------------------------
    def memo(self, text: str, *, coder: str, source: str | None = None, participant: str | None = None,
             code: str | None = None, coding: str | None = None, memo_id: str | None = None,
             created: str | None = None) -> str:
        """Write a memo on the project (no target), a source, a participant, a code or a coding; returns its id."""
        _check_coder(coder)
        if not str(text).strip():
            raise ProjectError("an empty memo; write its text.")
        targets = [(k, v) for k, v in (("source", source), ("participant", participant), ("code", code),
                                      ("coding", coding)) if v is not None]
        if len(targets) > 1:
            raise ProjectError("a memo is on one thing: give at most one of source, participant, code, coding.")
        kind, target = targets[0] if targets else ("project", "")
        row = {"memo_id": memo_id or "m" + uuid.uuid4().hex[:15], "kind": kind, "target": str(target), "coder": coder,
               "text": str(text), "created": created, "source_id": None, "start": None, "end": None, "code_id": None}
        if kind == "source":
            if self.store.source_text(target) is None:
                raise ProjectError(f"no source {target!r} in the project"
                                   f"{did_you_mean(target, [s['source_id'] for s in self.store.sources()])}")
            row["source_id"] = target
        elif kind == "code":
            row["target"] = row["code_id"] = self._check_code(target)
        elif kind == "coding":
            located = self._locate(str(target))
            row.update(located)
        elif kind == "participant":
            known = self.store.conn.execute("SELECT 1 FROM turns WHERE participant_id = ? LIMIT 1", (target,)).fetchone()
            if known is None:
                raise ProjectError(f"no participant {target!r} speaks in the project's sources.")
        with self.store.change(coder, "memo", f"memo on {kind} {target}".rstrip(), now()) as change:
            row["created"] = row["created"] or change.at
            change.put("memo", (row["memo_id"],), row, expected=None)
        return row["memo_id"]

    def _locate(self, coding_id: str) -> dict:
        human = self.store.get("human", (coding_id,))
        row = human if human is not None else self._machine(coding_id)
        return {"source_id": row["source_id"], "start": row["start"], "end": row["end"], "code_id": row["code_id"]}

    # -- undo and redo --------------------------------------------------------------------------------
    def _stacks(self, coder: str) -> tuple[list[int], list[int]]:
        undo, redo = [], []
        for entry in self.store.history(coder=coder):
            if entry["action"] == "undo":
                redo.append(undo.pop())
            elif entry["action"] == "redo":
                undo.append(redo.pop())
            elif entry["action"] not in ("codebook", "re-anchor"):
                undo.append(entry["change_id"])
                redo.clear()
        return undo, redo

    def undo(self, *, coder: str) -> dict:
        """Undo ``coder``'s last change that is not undone yet (a new history entry); returns that entry."""
        return self._walk(coder, "undo")

    def redo(self, *, coder: str) -> dict:
        """Redo ``coder``'s last undone change; returns the new history entry."""
        return self._walk(coder, "redo")

    def _walk(self, coder: str, action: str) -> dict:
        _check_coder(coder)
        with self.store.change(coder, action, "", now()) as change:
            undo, redo = self._stacks(coder)
            stack = undo if action == "undo" else redo
            if not stack:
                raise ProjectError(f"{coder} has nothing to {action}" + (
                    " (no changes of theirs, or all undone)." if action == "undo" else " (nothing was undone since "
                    "their last change)."))
            entry = self.store.history_entry(stack[-1])
            items = json.loads(entry["items"])
            first, second = ("after", "before") if action == "undo" else ("before", "after")
            for item in (reversed(items) if action == "undo" else items):
                change.put(item["kind"], tuple(item["key"]), _no_version(item[second]), expected=_no_version(item[first]))
            change.what = f"{action} #{entry['change_id']}: {entry['what']}"
            change.reverts = entry["change_id"]
        return self.history(coder=coder).iloc[-1].to_dict()

    # -- files ----------------------------------------------------------------------------------------
    def import_codings(self, path: str | Path, coder: str | None = None, *, strict: bool = False) -> dict:
        """Bring codings in: a human-codings file (csv/xlsx), a codings table, a REFI-QDA project (.qdpx), or
        the files ``project export`` writes (human codings, ``decisions.csv``, ``memos.csv``). One change
        (undone together). Returns counts ``{"human": n, "decisions": n, "memos": n, "skipped": [...]}``."""
        from .files import import_file

        return import_file(self, Path(path), coder=coder, strict=strict)

    def export(self, folder: str | Path, *, force: bool = False) -> list[Path]:
        """Write everything as plain files into ``folder`` (see ``docs/projects.md``); returns the paths."""
        from .files import export_project

        return export_project(self, Path(folder), force=force)

    def backup(self, path: str | Path | None = None) -> Path:
        """A consistent copy of the project through SQLite's online backup (safe while others write).
        Default: ``<folder>/qualcode-backups/qualcode-project-<UTC time>.db``."""
        if path is None:
            path = self.folder / BACKUP_FOLDER / f"qualcode-project-{now().replace(':', '').replace('.', '-')}.db"
        path = Path(path)
        if path.exists():
            raise ProjectError(f"{path} exists; give a new file name for the backup.")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        self.store.backup(tmp)
        tmp.replace(path)
        return path


# -- helpers ---------------------------------------------------------------------------------------------
def _stamp(folder: Path, path: Path) -> str:
    """The file's path in the folder, size and modification time: enough to notice it changed without reading it."""
    path = Path(path)
    try:
        rel = path.resolve().relative_to(Path(folder).resolve()).as_posix()
    except ValueError:
        rel = str(path)
    try:
        st = (Path(folder) / rel).stat()
        return f"{rel}|{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        return f"{rel}|missing"


def _quick_stamp(folder: Path, rel: str) -> str:
    try:
        st = os.stat(os.path.join(folder, rel))
        return f"{rel}|{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        return f"{rel}|missing"


def _key(kind: str, row: dict) -> tuple:
    return (row["coding_id"], row["coder"]) if kind == "decision" else (row["coding_id"],)


def _no_version(row: dict | None) -> dict | None:
    return None if row is None else {k: v for k, v in row.items() if k != "change_id"}


def _check_coder(coder: str) -> None:
    if not coder or not str(coder).strip():
        raise ProjectError("say who you are: give a coder name (--coder alice).")
    if str(coder) == SYSTEM_CODER:
        raise ProjectError(f"{SYSTEM_CODER!r} is the name qualcode records its own changes under; choose another coder name.")


def _check_since(since: str) -> None:
    try:
        dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        raise ProjectError(f"--since {since!r}: give a date or time as 2026-12-01 or 2026-12-01T09:30.") from None


def _machine_blob(rows: list[tuple]) -> bytes:
    """The machine codings as compressed CSV: read back in one C-level pass (``Project.codings`` at 250,000
    codings), where the table serves lookups of one coding."""
    import csv
    import io
    import zlib

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MACHINE_COLUMNS)
    writer.writerows(rows)
    return zlib.compress(buffer.getvalue().encode("utf-8"), 1)


def _machine_rows(codings) -> list[tuple]:
    """Codings-table rows as tuples in the machine table's column order, each with its coding id."""
    if codings is None or len(codings) == 0:
        return []
    frame = codings[codings.origin != "human"] if "origin" in codings.columns else codings
    if "score" in frame.columns:  # one row per span and code: the best-scoring origin, in the coder's order
        best = frame.sort_values("score", ascending=False, kind="stable")
        frame = frame.loc[best.drop_duplicates(["source_id", "start", "end", "code_id"]).index.sort_values()]
    lists = {c: frame[c].tolist() if c in frame.columns else [None] * len(frame) for c in MACHINE_COLUMNS[1:]}
    ids = [coding_key(s, a, b, c) for s, a, b, c in zip(lists["source_id"], lists["start"], lists["end"], lists["code_id"])]
    starts = [int(v) for v in lists["start"]]
    ends = [int(v) for v in lists["end"]]
    scores = [None if v is None or v != v else float(v) for v in lists["score"]]
    lists.update(start=starts, end=ends, score=scores)
    return list(zip(ids, *(lists[c] for c in MACHINE_COLUMNS[1:])))


"""The project database: every SQL statement qualcode runs, the schema version and its forward migrations.

One SQLite file per project (:data:`~qualcode.corpus.manifest.PROJECT_FILE`, next to the sources), opened
through the standard library's :mod:`sqlite3` in WAL mode with foreign keys on and a busy timeout; every
write is one ``BEGIN IMMEDIATE`` transaction, so two processes writing at once queue instead of losing a
change, and a process killed mid-write leaves the file as it was before that transaction.

Tables (schema version :data:`SCHEMA_VERSION`)::

    meta            key, value                      schema version, qualcode version, codebook text, ...
    blobs           name, data                      machine_codings: the same rows as compressed CSV, for reading all
    sources         source_id, file, text_sha, length, text, updated
    turns           source_id, segment_id, start, end, participant_id, grp, label, method
    machine_codings coding_id + the codings-table columns but text  replaced by each run (recomputed; the
                                                                text is sliced from the source's)
    decisions       coding_id, coder, status, memo, decided_at, source_id, start, end, code_id, quote,
                    row (JSON), aside, change_id                one per (machine coding, coder)
    human_codings   coding_id, coder, source_id, start, end, code_id, quote, created, memo, row (JSON),
                    aside, change_id
    memos           memo_id, kind, target, coder, text, created, source_id, start, end, code_id, change_id
    history         change_id, at, coder, action, what, items (JSON), reverts   append-only (triggers)

Everything above this module speaks of decisions, codings and memos, never of SQL.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from ..errors import ProjectConflictError, ProjectError

#: The schema this qualcode writes; a file with a larger number was made by a newer qualcode.
SCHEMA_VERSION = 1
#: Seconds a writer waits for another writer's transaction before giving up.
BUSY_TIMEOUT = 60.0

MACHINE_COLUMNS = [
    "coding_id", "source_id", "segment_id", "participant_id", "group", "label", "method", "start", "end",
    "code_id", "code", "theme_id", "theme", "subtheme_id", "subtheme", "coder", "origin", "score", "evidence",
    "codebook_version",
]
DECISION_COLUMNS = ["coding_id", "coder", "status", "memo", "decided_at", "source_id", "start", "end", "code_id",
                    "quote", "row", "aside", "change_id"]
HUMAN_COLUMNS = ["coding_id", "coder", "source_id", "start", "end", "code_id", "quote", "created", "memo", "row",
                 "aside", "change_id"]
MEMO_COLUMNS = ["memo_id", "kind", "target", "coder", "text", "created", "source_id", "start", "end", "code_id",
                "change_id"]
HISTORY_COLUMNS = ["change_id", "at", "coder", "action", "what", "items", "reverts"]
TURN_COLUMNS = ["source_id", "segment_id", "start", "end", "participant_id", "group", "label", "method"]

#: What each kind of object is stored in, and its key columns.
OBJECTS = {
    "decision": ("decisions", ("coding_id", "coder"), DECISION_COLUMNS),
    "human": ("human_codings", ("coding_id",), HUMAN_COLUMNS),
    "memo": ("memos", ("memo_id",), MEMO_COLUMNS),
}


def _q(name: str) -> str:
    return '"' + name + '"'


def _cols(columns) -> str:
    return ", ".join(_q(c) for c in columns)


#: version -> the statements that take a version-1 database to it. Never edit a released entry: add one.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
        "CREATE TABLE blobs (name TEXT PRIMARY KEY, data BLOB NOT NULL)",
        "CREATE TABLE sources (source_id TEXT PRIMARY KEY, file TEXT, text_sha TEXT NOT NULL, length INTEGER NOT NULL,"
        " text TEXT NOT NULL, updated TEXT NOT NULL)",
        "CREATE TABLE turns (source_id TEXT NOT NULL REFERENCES sources(source_id) ON DELETE CASCADE,"
        ' segment_id TEXT, start INTEGER NOT NULL, "end" INTEGER NOT NULL, participant_id TEXT, "group" TEXT,'
        " label TEXT, method TEXT)",
        "CREATE INDEX turns_source ON turns(source_id, start)",
        "CREATE TABLE machine_codings (coding_id TEXT PRIMARY KEY, source_id TEXT NOT NULL, segment_id TEXT,"
        ' participant_id TEXT, "group" TEXT, label TEXT, method TEXT, start INTEGER NOT NULL, "end" INTEGER NOT NULL,'
        " code_id TEXT NOT NULL, code TEXT, theme_id TEXT, theme TEXT, subtheme_id TEXT, subtheme TEXT,"
        " coder TEXT, origin TEXT, score REAL, evidence TEXT, codebook_version TEXT)",
        "CREATE INDEX machine_code ON machine_codings(code_id, origin, score)",  # status and bulk decisions: no table scan
        "CREATE TABLE history (change_id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, coder TEXT NOT NULL,"
        " action TEXT NOT NULL, what TEXT NOT NULL, items TEXT NOT NULL,"
        " reverts INTEGER REFERENCES history(change_id))",
        "CREATE INDEX history_coder ON history(coder, change_id)",
        "CREATE TRIGGER history_no_update BEFORE UPDATE ON history"
        " BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END",
        "CREATE TRIGGER history_no_delete BEFORE DELETE ON history"
        " BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END",
        "CREATE TABLE decisions (coding_id TEXT NOT NULL, coder TEXT NOT NULL,"
        " status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')), memo TEXT, decided_at TEXT NOT NULL,"
        ' source_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, code_id TEXT NOT NULL,'
        " quote TEXT NOT NULL, row TEXT NOT NULL, aside TEXT,"
        " change_id INTEGER NOT NULL REFERENCES history(change_id), PRIMARY KEY (coding_id, coder))",
        "CREATE INDEX decisions_code ON decisions(code_id)",
        "CREATE INDEX decisions_coder ON decisions(coder, status, coding_id, aside, change_id)",
        "CREATE INDEX decisions_aside ON decisions(aside) WHERE aside IS NOT NULL",
        "CREATE TABLE human_codings (coding_id TEXT PRIMARY KEY, coder TEXT NOT NULL, source_id TEXT NOT NULL,"
        ' start INTEGER NOT NULL, "end" INTEGER NOT NULL, code_id TEXT NOT NULL, quote TEXT NOT NULL,'
        " created TEXT NOT NULL, memo TEXT, row TEXT NOT NULL, aside TEXT,"
        " change_id INTEGER NOT NULL REFERENCES history(change_id))",
        "CREATE INDEX human_source ON human_codings(source_id)",
        "CREATE INDEX human_aside ON human_codings(aside) WHERE aside IS NOT NULL",
        "CREATE TABLE memos (memo_id TEXT PRIMARY KEY, kind TEXT NOT NULL"
        " CHECK (kind IN ('project', 'source', 'participant', 'code', 'coding')), target TEXT NOT NULL,"
        ' coder TEXT NOT NULL, text TEXT NOT NULL, created TEXT NOT NULL, source_id TEXT, start INTEGER, "end" INTEGER,'
        " code_id TEXT, change_id INTEGER NOT NULL REFERENCES history(change_id))",
    ],
}


def _can_write(path: Path) -> bool:
    """Whether this process can write the project file and make files beside it (tried, not guessed from the
    mode bits: root ignores those, but not a read-only mount or an immutable folder)."""
    probe = path.parent / f".qualcode-write-probe-{os.getpid()}"
    try:
        probe.touch()
        probe.unlink()
        with open(path, "r+b"):
            pass
    except OSError:
        return False
    return True


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:  # immutable: no -wal/-shm files can be made in a read-only folder, and nobody can write here
        uri = Path(path).resolve().as_uri() + "?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Store:
    """An open project database. Reads return plain rows (dicts); writes happen inside :meth:`change`."""

    def __init__(self, path: str | Path, *, backups_hint: str = "", new_meta: dict[str, str] | None = None):
        self.path = Path(path)
        self.readonly = not _can_write(self.path)
        self._hint = backups_hint
        try:
            self.conn = _connect(self.path, readonly=self.readonly)
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if not self.readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                # WAL + NORMAL: a committed change survives any crash of the process; only a power cut or an
                # OS crash can lose the last few commits (never corrupting the file). FULL would fsync each one.
                self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)
        if version > SCHEMA_VERSION:
            from ..version import __version__

            made_by = self._meta_value("qualcode_version") or "a newer qualcode"
            self.conn.close()
            raise ProjectError(
                f"{self.path}: this project was made by qualcode {made_by} (project schema {version}); this is "
                f"qualcode {__version__}, which reads project schema {SCHEMA_VERSION} and older. Upgrade qualcode "
                "(pip install -U qualcode) to open it; nothing was changed."
            )
        if version < SCHEMA_VERSION:
            if version == 0 and not self._meta_exists() and new_meta is None:
                self.conn.close()
                raise ProjectError(f"{self.path}: an SQLite file, but not a qualcode project; move it away and "
                                   "run `qualcode init`.")
            self._migrate(version, new_meta)

    def _damaged(self, exc: Exception):
        raise ProjectError(
            f"{self.path}: the project database is damaged or not a database ({exc}). Nothing was changed. Restore "
            f"it from a backup{self._hint} (`qualcode project backup` writes one), or move the file away and run "
            "`qualcode init` again."
        ) from None

    def _meta_exists(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        return row is not None

    def _meta_value(self, key: str) -> str | None:
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        return row[0] if row else None

    def _migrate(self, version: int, new_meta: dict[str, str] | None = None) -> None:
        self._check_writable("upgrade the project's schema")
        with self.transaction():
            now = self.conn.execute("PRAGMA user_version").fetchone()[0]
            for step in range(now + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    self.conn.execute(statement)
            if new_meta:
                self.set_meta(new_meta)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @classmethod
    def create(cls, path: str | Path, meta: dict[str, str]) -> "Store":
        """Make a new project database at ``path`` (which must not exist) holding ``meta``."""
        path = Path(path)
        probe = path.parent / f".qualcode-write-probe-{os.getpid()}"
        try:
            probe.touch()
            probe.unlink()
        except OSError:
            raise ProjectError(f"{path.parent}: the folder is read-only, so the project file {path.name} (and "
                               "SQLite's -wal/-shm files) cannot be made there; make the folder writable.") from None
        conn = _connect(path)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.close()
        return cls(path, new_meta=meta)

    def close(self) -> None:
        self.conn.close()

    # -- transactions ------------------------------------------------------------------------------
    def _check_writable(self, doing: str) -> None:
        if self.readonly:
            raise ProjectError(f"{self.path.parent}: the project folder (or {self.path.name}) is read-only, so "
                               f"qualcode cannot {doing}; SQLite needs to write the project file and its -wal/-shm "
                               "files there. Make the folder writable, or copy the project somewhere writable.")

    @contextmanager
    def transaction(self):
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on an exception): one atomic, durable write."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                self.readonly = True
                self._check_writable("write to it")
            raise ProjectError(f"{self.path}: the project is busy ({exc}); another qualcode has held it for "
                               f"{BUSY_TIMEOUT:.0f} s. Try again when it has finished.") from None
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self.conn.execute("ROLLBACK")
                raise ProjectError(f"{self.path}: the change could not be saved ({exc}); nothing was changed.") from None

    @contextmanager
    def change(self, coder: str, action: str, what: str, at: str, reverts: int | None = None, *,
               allow_empty: bool = False):
        """A change by ``coder``: yields a :class:`Change` whose :meth:`Change.put` calls are recorded, with
        their before and after states, as one append-only history entry, all in one transaction. The
        entry's ``what`` and ``reverts`` may be set on the Change before the block ends. With
        ``allow_empty``, a block that puts nothing commits its other writes and records no entry."""
        self._check_writable(f"record this {action}")
        with self.transaction():
            self.conn.execute("PRAGMA defer_foreign_keys = ON")  # the entry is written last, with its items
            last = self.conn.execute("SELECT max(change_id) FROM history").fetchone()[0] or 0
            seq = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'history'").fetchone()
            change = Change(self, max(last, seq[0] if seq else 0) + 1, at, what, reverts)
            yield change
            if not change.items:
                if allow_empty:
                    return
                raise ProjectError(f"nothing to {action}: {what}")
            self.conn.execute(
                "INSERT INTO history (change_id, at, coder, action, what, items, reverts) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (change.change_id, at, coder, action, change.what, json.dumps(change.items, ensure_ascii=False),
                 change.reverts))

    # -- objects (decisions, human codings, memos) ---------------------------------------------------
    def get(self, kind: str, key: tuple) -> dict | None:
        table, keys, columns = OBJECTS[kind]
        where = " AND ".join(f"{_q(k)} = ?" for k in keys)
        row = self.conn.execute(f"SELECT {_cols(columns)} FROM {table} WHERE {where}", key).fetchone()
        return dict(zip(columns, row)) if row else None

    def _put(self, kind: str, key: tuple, row: dict | None) -> None:
        table, keys, columns = OBJECTS[kind]
        where = " AND ".join(f"{_q(k)} = ?" for k in keys)
        self.conn.execute(f"DELETE FROM {table} WHERE {where}", key)
        if row is not None:
            self.conn.execute(f"INSERT INTO {table} ({_cols(columns)}) VALUES ({', '.join('?' * len(columns))})",
                              [row.get(c) for c in columns])

    def rows(self, kind: str, where: str = "", args: tuple = ()) -> list[dict]:
        table, _, columns = OBJECTS[kind]
        sql = f"SELECT {_cols(columns)} FROM {table}" + (f" WHERE {where}" if where else "")
        return [dict(zip(columns, r)) for r in self.conn.execute(sql, args)]

    def by_field(self, kind: str, field: str, value) -> list[dict]:
        return self.rows(kind, f"{_q(field)} = ?", (value,))

    def count(self, kind: str, where: str = "", args: tuple = ()) -> int:
        table = OBJECTS[kind][0]
        return self.conn.execute(f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else ""), args).fetchone()[0]

    # -- meta ------------------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta"))

    def set_meta(self, values: dict[str, str]) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(values.items()))

    # -- sources, turns and machine codings (recomputed state, not history) ----------------------------
    def sources(self, with_text: bool = False) -> list[dict]:
        columns = ["source_id", "file", "text_sha", "length", "updated"] + (["text"] if with_text else [])
        return [dict(zip(columns, r)) for r in self.conn.execute(f"SELECT {_cols(columns)} FROM sources ORDER BY source_id")]

    def source_text(self, source_id: str) -> str | None:
        row = self.conn.execute("SELECT text FROM sources WHERE source_id = ?", (source_id,)).fetchone()
        return row[0] if row else None

    def turn_at(self, source_id: str, start: int) -> dict | None:
        row = self.conn.execute(
            f"SELECT {_cols(TURN_COLUMNS)} FROM turns WHERE source_id = ? AND start <= ? ORDER BY start DESC LIMIT 1",
            (source_id, start)).fetchone()
        return dict(zip(TURN_COLUMNS, row)) if row else None

    def replace_sources(self, sources: list[dict], turns: list[tuple], keep: set[str] = frozenset()) -> None:
        """Inside a transaction: the sources (with their text) and turns as they are now. Sources in ``keep`` are
        unchanged (only their file stamp is updated); ``sources`` and ``turns`` hold the others."""
        known = [r[0] for r in self.conn.execute("SELECT source_id FROM sources")]
        gone = [(sid,) for sid in known if sid not in keep]
        self.conn.executemany("DELETE FROM turns WHERE source_id = ?", gone)
        self.conn.executemany("DELETE FROM sources WHERE source_id = ?", gone)
        self.conn.executemany("INSERT INTO sources (source_id, file, text_sha, length, text, updated) "
                              "VALUES (:source_id, :file, :text_sha, :length, :text, :updated)", sources)
        self.conn.executemany(f"INSERT INTO turns ({_cols(TURN_COLUMNS)}) VALUES ({', '.join('?' * len(TURN_COLUMNS))})",
                              turns)

    def replace_machine_codings(self, rows) -> None:
        """Inside a transaction: the machine codings of the latest run (an iterable of tuples in MACHINE_COLUMNS order)."""
        self.conn.execute("DELETE FROM machine_codings")
        self.conn.executemany(
            f"INSERT OR IGNORE INTO machine_codings ({_cols(MACHINE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(MACHINE_COLUMNS))})", rows)

    def set_blob(self, name: str, data: bytes) -> None:
        self.conn.execute("INSERT OR REPLACE INTO blobs (name, data) VALUES (?, ?)", (name, data))

    def blob(self, name: str) -> bytes | None:
        row = self.conn.execute("SELECT data FROM blobs WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_stamps(self, stamps: dict[str, str]) -> None:
        self.conn.executemany("UPDATE sources SET file = ? WHERE source_id = ?", [(v, k) for k, v in stamps.items()])

    def texts(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT source_id, text FROM sources"))

    def decision_states(self, coder: str | None = None, source_id: str | None = None) -> list[tuple]:
        """(coding_id, coder, status, memo, decided_at, change_id) of every decision not kept aside (of
        ``coder``, on ``source_id``, if given)."""
        clauses, args = ["aside IS NULL"], []
        for column, value in (("coder", coder), ("source_id", source_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        sql = ("SELECT coding_id, coder, status, memo, decided_at, change_id FROM decisions WHERE "
               + " AND ".join(clauses) + " ORDER BY change_id")
        return self.conn.execute(sql, args).fetchall()

    def human_rows(self, coder: str | None = None, source_id: str | None = None) -> list[dict]:
        """The hand codings not kept aside (of ``coder``, in ``source_id``, if given)."""
        clauses, args = ["aside IS NULL"], []
        for column, value in (("coder", coder), ("source_id", source_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        return self.rows("human", " AND ".join(clauses), tuple(args))

    def decision_rows(self, coding_ids: list[str]) -> dict[tuple, str]:
        """(coding_id, coder) -> the stored coding (JSON) of those decisions."""
        out = {}
        for i in range(0, len(coding_ids), 500):
            chunk = coding_ids[i:i + 500]
            sql = f"SELECT coding_id, coder, row FROM decisions WHERE coding_id IN ({', '.join('?' * len(chunk))})"
            out.update({(a, b): r for a, b, r in self.conn.execute(sql, chunk)})
        return out

    def machine_codings(self, where: str = "", args: tuple = ()) -> tuple[list[str], list[tuple]]:
        sql = f"SELECT {_cols(MACHINE_COLUMNS)} FROM machine_codings" + (f" WHERE {where}" if where else "")
        return MACHINE_COLUMNS, self.conn.execute(sql, args).fetchall()

    def machine_codings_of(self, source_id: str) -> tuple[list[str], list[tuple]]:
        """The machine codings of one source (a page of a large project reads these, not the whole table)."""
        return self.machine_codings("source_id = ?", (source_id,))

    def machine_coding(self, coding_id: str) -> dict | None:
        row = self.conn.execute(f"SELECT {_cols(MACHINE_COLUMNS)} FROM machine_codings WHERE coding_id = ?",
                                (coding_id,)).fetchone()
        return dict(zip(MACHINE_COLUMNS, row)) if row else None

    def machine_ids(self, *, code_id: str | None = None, source_id: str | None = None,
                    min_score: float | None = None) -> list[tuple[str, float]]:
        clauses, args = [], []
        for column, value in (("code_id", code_id), ("source_id", source_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if min_score is not None:
            clauses.append("score >= ?")
            args.append(min_score)
        sql = "SELECT coding_id FROM machine_codings" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        return [r[0] for r in self.conn.execute(sql + " ORDER BY source_id, start, code_id", args)]

    def machine_counts(self) -> list[tuple]:
        """(code_id, origin, codings, decided) per code and origin."""
        counts = {(c, o): [c, o, n, 0] for c, o, n in self.conn.execute(
            "SELECT code_id, origin, count(*) FROM machine_codings GROUP BY code_id, origin")}
        for c, o, n in self.conn.execute(
                "SELECT m.code_id, m.origin, count(*) FROM"
                " (SELECT DISTINCT coding_id FROM decisions WHERE aside IS NULL) d "
                "JOIN machine_codings m ON m.coding_id = d.coding_id GROUP BY m.code_id, m.origin"):
            counts[(c, o)][3] = n
        return [tuple(v) for _, v in sorted(counts.items())]

    def decision_counts(self) -> list[tuple]:
        """(coder, status, decisions, on codings no longer suggested, aside)."""
        return self.conn.execute(
            "SELECT d.coder, d.status, count(*), sum(NOT EXISTS (SELECT 1 FROM machine_codings m "
            "WHERE m.coding_id = d.coding_id)), sum(d.aside IS NOT NULL) FROM decisions d INDEXED BY decisions_coder "
            "GROUP BY d.coder, d.status ORDER BY d.coder, d.status").fetchall()

    #: The codings ``Project.codings()`` shows, as (source_id, segment_id, origin, status): each machine coding
    #: with the latest decision on it by anyone (``suggested`` if none), an accepted coding no rule suggests any
    #: more, and each hand coding; nothing kept aside. Counted here, the overview need not read the table.
    _SHOWN = (
        "WITH last AS (SELECT d.coding_id, d.status, d.row FROM decisions d JOIN (SELECT coding_id,"
        " max(change_id) AS change_id FROM decisions WHERE aside IS NULL GROUP BY coding_id) l"
        " ON l.coding_id = d.coding_id AND l.change_id = d.change_id WHERE d.aside IS NULL),"
        " shown AS (SELECT m.source_id, m.segment_id, m.origin, coalesce(last.status, 'suggested') AS status"
        " FROM machine_codings m LEFT JOIN last ON last.coding_id = m.coding_id"
        " UNION ALL SELECT json_extract(row, '$.source_id'), json_extract(row, '$.segment_id'),"
        " json_extract(row, '$.origin'), 'accepted' FROM last WHERE status = 'accepted'"
        " AND NOT EXISTS (SELECT 1 FROM machine_codings m WHERE m.coding_id = last.coding_id)"
        " UNION ALL SELECT json_extract(row, '$.source_id'), json_extract(row, '$.segment_id'),"
        " json_extract(row, '$.origin'), 'human' FROM human_codings WHERE aside IS NULL) "
    )

    def source_counts(self) -> list[tuple]:
        """(source_id, codings not rejected, codings waiting for review, turns with a coding not rejected)."""
        return self.conn.execute(
            self._SHOWN + "SELECT source_id, sum(status != 'rejected'), sum(status = 'suggested'),"
            " count(DISTINCT CASE WHEN status != 'rejected' THEN segment_id END) FROM shown"
            " GROUP BY source_id ORDER BY source_id").fetchall()

    #: Most informative first: a calibrated score (0-1: coding by meaning, the Suggester) is least certain near
    #: 0.5; a rule coding's score counts its matched terms (1, 2, ...) and one match is the least certain of
    #: those, after the uncertain calibrated ones; no score last. Then in reading order.
    REVIEW_ORDER = ("CASE WHEN score IS NULL THEN 1.0 WHEN score <= 1 THEN abs(score - 0.5)"
                    " ELSE 0.5 + 0.5 * (1 - 1.0 / score) END, source_id, start, coding_id")

    def undecided(self, *, origin: str | None = None, code_ids=None, offset: int = 0,
                  limit: int | None = None) -> list[tuple]:
        """(coding_id, source_id, start, code_id, origin, score) of the machine codings with no decision (one
        kept aside does not count), of ``origin`` and ``code_ids`` if given, in :data:`REVIEW_ORDER`."""
        clauses = ["NOT EXISTS (SELECT 1 FROM decisions d WHERE d.coding_id = m.coding_id AND d.aside IS NULL)"]
        args: list = []
        if origin is not None:
            clauses.append("origin = ?")
            args.append(origin)
        if code_ids is not None:
            code_ids = list(code_ids)
            clauses.append(f"code_id IN ({', '.join('?' * len(code_ids))})")
            args += code_ids
        sql = (f"SELECT coding_id, source_id, start, code_id, origin, score FROM machine_codings m WHERE "
               f"{' AND '.join(clauses)} ORDER BY {self.REVIEW_ORDER} LIMIT ? OFFSET ?")
        return self.conn.execute(sql, [*args, -1 if limit is None else int(limit), max(0, int(offset))]).fetchall()

    def origin_status_counts(self) -> list[tuple]:
        """(origin, status, codings) of the codings ``Project.codings()`` shows."""
        return self.conn.execute(self._SHOWN + "SELECT origin, status, count(*) FROM shown GROUP BY origin, status"
                                 " ORDER BY origin, status").fetchall()

    def human_counts(self) -> list[tuple]:
        return self.conn.execute("SELECT coder, count(*), sum(aside IS NOT NULL) FROM human_codings "
                                 "GROUP BY coder ORDER BY coder").fetchall()

    def code_ids_in_use(self) -> dict[str, int]:
        """code_id -> decisions + human codings on it."""
        counts: dict[str, int] = {}
        for table in ("decisions", "human_codings"):
            for code_id, n in self.conn.execute(f"SELECT code_id, count(*) FROM {table} GROUP BY code_id"):
                counts[code_id] = counts.get(code_id, 0) + n
        return counts

    # -- history ---------------------------------------------------------------------------------------
    def history(self, coder: str | None = None, since: str | None = None) -> list[dict]:
        clauses, args = [], []
        if coder is not None:
            clauses.append("coder = ?")
            args.append(coder)
        if since is not None:
            clauses.append("at >= ?")
            args.append(since)
        sql = f"SELECT {_cols(HISTORY_COLUMNS)} FROM history" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        return [dict(zip(HISTORY_COLUMNS, r)) for r in self.conn.execute(sql + " ORDER BY change_id", args)]

    def history_entry(self, change_id: int) -> dict | None:
        row = self.conn.execute(f"SELECT {_cols(HISTORY_COLUMNS)} FROM history WHERE change_id = ?", (change_id,)).fetchone()
        return dict(zip(HISTORY_COLUMNS, row)) if row else None

    # -- backup ----------------------------------------------------------------------------------------
    def backup(self, target: Path) -> None:
        """SQLite's online backup into ``target`` (a new file), consistent even while others write."""
        dest = sqlite3.connect(str(target))
        try:
            self.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()

    def integrity(self) -> str:
        return self.conn.execute("PRAGMA quick_check").fetchone()[0]


class Change:
    """The objects one history entry changes, each with its state before and after."""

    def __init__(self, store: Store, change_id: int, at: str, what: str, reverts: int | None):
        self.store, self.change_id, self.items = store, change_id, []
        self.at, self.what, self.reverts = at, what, reverts

    def put(self, kind: str, key: tuple, after: dict | None, *, expected: dict | None | str = "any") -> None:
        """Set object ``kind``/``key`` to ``after`` (None deletes it), recording its state before.

        ``expected``: the state the caller believes it is changing; if the stored state differs, the
        whole change is refused (:class:`ProjectConflictError`).
        """
        before = self.store.get(kind, key)
        if expected != "any" and _plain(before) != _plain(expected):
            raise ProjectConflictError(_conflict(kind, key, before))
        if after is not None:
            after = {**after, "change_id": self.change_id}
        self.store._put(kind, key, after)
        self.items.append({"kind": kind, "key": list(key), "before": before, "after": after})


def _plain(row: dict | None) -> dict | None:
    return None if row is None else {k: v for k, v in row.items() if k != "change_id"}


def _conflict(kind: str, key: tuple, now: dict | None) -> str:
    name = {"decision": "the decision on coding", "human": "human coding", "memo": "memo"}[kind]
    state = "it no longer exists" if now is None else f"change #{now.get('change_id')} changed it"
    return f"{name} {key[0]} was changed since (by another coder or tab): {state}. Reload and decide again."

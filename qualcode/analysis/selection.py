"""Choosing and ordering what a report shows, from the codings table alone.

Every report (theme table, framework matrix, excerpts, Word and HTML documents) starts here:

- :func:`select_codings` checks the columns, keeps the chosen coders/origins, leaves out codings of
  retired nodes and warns when the codings come from another codebook version;
- :func:`outline` gives the themes and sub-themes in codebook order, numbered ``1``, ``1.1``, ...;
- :func:`group_sizes` gives the participant groups and their sizes, the denominators of prevalence.

All of them are pure functions of DataFrames, so notebooks and other back ends can reuse them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from ..coding.table import NO_GROUP, ORIGINS, check_codings
from ..errors import CodingsError



def _as_list(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    values = [str(v) for v in value]
    return values or None


def _filter(frame, column: str, wanted: list[str] | None, name: str, allowed=None):
    if wanted is None:
        return frame
    if allowed is not None:
        bad = [w for w in wanted if w not in allowed]
        if bad:
            raise CodingsError(f"unknown {column} {', '.join(map(repr, bad))}; use one of {', '.join(allowed)}.")
    present = frame[column].dropna().astype(str)
    missing = [w for w in wanted if w not in set(present)]
    if missing and len(missing) == len(wanted) and len(frame):
        known = ", ".join(sorted(set(present))[:20]) or "none"
        raise CodingsError(
            f"{name}: no codings with {column} {', '.join(map(repr, missing))}; the {column}s there are: {known}."
        )
    return frame[frame[column].astype(str).isin(wanted)]


def select_codings(codings, codebook=None, *, coder=None, origin=None, name: str = "codings"):
    """The codings a report should show.

    Checks the required columns (naming any that are missing), keeps only ``coder`` and ``origin``
    (a value or a list; e.g. ``origin="human"``), and with a ``codebook`` leaves out codings of retired
    nodes and warns (``UserWarning``) if the codings were made with another codebook version or name
    codes the codebook does not have. Returns a new DataFrame with a clean integer index.
    """
    frame = check_codings(codings, name)
    frame = _filter(frame, "coder", _as_list(coder), name)
    frame = _filter(frame, "origin", _as_list(origin), name, allowed=ORIGINS)
    if codebook is not None and len(frame):
        frame = _against_codebook(frame, codebook, name)
    return frame.reset_index(drop=True)


def _against_codebook(frame, codebook, name: str):
    versions = sorted({str(v) for v in frame["codebook_version"].dropna().unique()} - {""})
    other = [v for v in versions if v != str(codebook.version)]
    if other:
        warnings.warn(
            f"{name}: the codings were made with codebook version {', '.join(other)}, but {codebook.name!r} is "
            f"version {codebook.version}; counts use the codings as they are. Re-run `qualcode code` with this "
            "codebook to recode, or pass the codebook version that made them.",
            UserWarning, stacklevel=3,
        )
    ids = {str(v) for v in frame["code_id"].dropna().unique()}
    unknown = sorted(i for i in ids if i not in codebook.nodes)
    if unknown:
        shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        warnings.warn(
            f"{name}: {len(unknown)} code id(s) are not in codebook {codebook.name!r}: {shown}; they are shown "
            "after the codebook's themes. Add them to the codebook or recode.",
            UserWarning, stacklevel=3,
        )
    retired = retired_ids(codebook)
    if retired:
        gone = frame["code_id"].isin(retired) | frame["theme_id"].isin(retired) | frame["subtheme_id"].isin(retired)
        if gone.any():
            ids = ", ".join(sorted(set(frame.loc[gone, "code_id"].astype(str)))[:10])
            # a census of the codings (one row per distinct values, ``_rows`` codings each) counts its rows
            count = int(frame.loc[gone, "_rows"].sum()) if "_rows" in frame.columns else int(gone.sum())
            warnings.warn(
                f"{name}: {count} coding(s) of retired codes ({ids}) are left out of the reports.",
                UserWarning, stacklevel=3,
            )
            frame = frame[~gone]
    return frame


def retired_ids(codebook) -> frozenset:
    """The ids of retired nodes and of every node below one: reports leave their codings out."""
    return frozenset(i for i, node in codebook.nodes.items()
                     if node.status == "retired" or any(a.status == "retired" for a in codebook.ancestors(i)))


def _text(value) -> str:
    if value is None or value != value:
        return ""
    return str(value)


def _carried_numbers(codings) -> dict:
    """``{theme_id: "2", (theme_id, subtheme_id): "2.3"}`` from the codings' ``number`` column (the
    numbers of the codebook that coded them); empty when the codings carry none."""
    if "number" not in codings.columns:
        return {}
    out: dict = {}
    rows = codings[["theme_id", "subtheme_id", "number"]].dropna(subset=["number"]).drop_duplicates()
    for theme_id, sub_id, number in rows.itertuples(index=False):
        number, theme_id, sub_id = _text(number), _text(theme_id), _text(sub_id)
        if not number or not theme_id:
            continue
        out.setdefault(theme_id, number.split(".")[0])
        if sub_id and "." in number:
            out.setdefault((theme_id, sub_id), number)
    return out


def _number_key(number) -> tuple:
    """Sorts ``"2"`` before ``"10"``, and carried numbers before none."""
    if not number:
        return (1,)
    return (0, *[int(p) if p.isdigit() else 0 for p in str(number).split(".")])


def outline(codings, codebook=None):
    """The themes and sub-themes a report lists, in order, as a DataFrame.

    Columns: ``number`` (``"1"``, ``"1.1"``), ``level`` (``theme`` or ``sub-theme``), ``theme_id``,
    ``subtheme_id`` (``""`` on theme rows), ``theme``, ``subtheme``, ``definition``. With a codebook:
    its active themes and sub-themes in codebook order (candidates only where coded; retired never),
    then any theme or sub-theme the codings name that the codebook lacks. Without one: themes and
    sub-themes in the codings, numbered as the codebook that coded them numbered them (the codings'
    ``number`` column), so a report agrees with or without the codebook; rows with no number follow, by label.
    """
    import pandas as pd

    themes: list[dict] = []  # {id, label, definition, subs: [{id, label, definition}]}
    index: dict[str, dict] = {}
    coded = {str(v) for column in ("theme_id", "subtheme_id") for v in codings[column].dropna().unique()}

    def add_theme(theme_id, label, definition=""):
        if theme_id not in index:
            index[theme_id] = {"id": theme_id, "label": label or theme_id, "definition": definition, "subs": [], "ids": set()}
            themes.append(index[theme_id])
        return index[theme_id]

    def add_sub(theme, sub_id, label, definition=""):
        if sub_id not in theme["ids"]:
            theme["ids"].add(sub_id)
            theme["subs"].append({"id": sub_id, "label": label or sub_id, "definition": definition})

    if codebook is not None:
        for theme in codebook.themes:
            if theme.status == "retired" or (theme.status == "candidate" and theme.id not in coded):
                continue
            entry = add_theme(theme.id, theme.label, theme.definition)
            for sub in codebook.children(theme.id):
                if sub.status == "retired" or (sub.status == "candidate" and sub.id not in coded):
                    continue
                add_sub(entry, sub.id, sub.label, sub.definition)
    carried = _carried_numbers(codings) if codebook is None else {}
    pairs = codings[["theme_id", "theme", "subtheme_id", "subtheme"]].drop_duplicates()
    pairs = pairs.assign(_t=pairs["theme"].map(_text).str.casefold(), _s=pairs["subtheme"].map(_text).str.casefold())
    pairs = pairs.assign(
        _tn=[_number_key(carried.get(_text(t))) for t in pairs["theme_id"]],
        _sn=[_number_key(carried.get((_text(t), _text(u)))) for t, u in zip(pairs["theme_id"], pairs["subtheme_id"])],
    )
    for row in pairs.sort_values(["_tn", "_t", "_sn", "_s", "theme_id"], kind="stable").itertuples(index=False):
        theme_id = _text(row.theme_id)
        if not theme_id:
            continue
        entry = add_theme(theme_id, _text(row.theme))
        sub_id = _text(row.subtheme_id)
        if sub_id:
            add_sub(entry, sub_id, _text(row.subtheme))
    rows = []
    used = {carried[t["id"]] for t in themes if t["id"] in carried}
    next_theme = max([int(n) for n in used if n.isdigit()] + [0])
    for theme in themes:
        number = carried.get(theme["id"])
        if number is None:  # numbered by the codebook that coded it, or after those
            next_theme += 1
            number = str(next_theme)
        rows.append({"number": number, "level": "theme", "theme_id": theme["id"], "subtheme_id": "",
                     "theme": theme["label"], "subtheme": "", "definition": theme["definition"]})
        taken = [carried[(theme["id"], sub["id"])].rsplit(".", 1)[-1] for sub in theme["subs"]
                 if (theme["id"], sub["id"]) in carried]
        next_sub = max([int(n) for n in taken if n.isdigit()] + [0])
        for sub in theme["subs"]:
            sub_number = carried.get((theme["id"], sub["id"]))
            if sub_number is None or not sub_number.startswith(number + "."):
                next_sub += 1
                sub_number = f"{number}.{next_sub}"
            rows.append({"number": sub_number, "level": "sub-theme", "theme_id": theme["id"], "subtheme_id": sub["id"],
                         "theme": theme["label"], "subtheme": sub["label"], "definition": sub["definition"]})
    columns = ["number", "level", "theme_id", "subtheme_id", "theme", "subtheme", "definition"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class GroupSizes:
    """Participant groups in report order, with their sizes (the prevalence denominators).

    ``basis`` is ``"study"`` when the sizes come from the study (a summary or participants table) and
    ``"coded"`` when they are only the participants who were coded at least once.
    """

    sizes: dict = field(default_factory=dict)
    basis: str = "coded"
    notes: tuple = ()

    @property
    def groups(self) -> list[str]:
        return list(self.sizes)


def _sizes_from(participants) -> dict[str, int]:
    if isinstance(participants, dict):
        return {str(k): int(v) for k, v in participants.items()}
    columns = set(participants.columns)
    if {"participant_id", "group"} <= columns:
        frame = participants.dropna(subset=["participant_id"])
        groups = frame["group"].map(lambda g: _text(g) or NO_GROUP)
        return {str(g): int(n) for g, n in frame.groupby(groups, sort=False)["participant_id"].nunique().items()}
    if {"group", "participants"} <= columns:
        rows = participants[participants["group"].astype(str) != "Total"]
        try:
            return {str(g): int(n) for g, n in zip(rows["group"], rows["participants"])}
        except (TypeError, ValueError):
            raise CodingsError("the summary's 'participants' column must hold whole numbers.") from None
    raise CodingsError(
        "group sizes need a study summary (columns group, participants; from `qualcode summary`) or a "
        f"participants table (columns participant_id, group); got columns {', '.join(map(str, participants.columns))}."
    )


def group_sizes(codings, participants=None) -> GroupSizes:
    """The groups of ``codings`` and their sizes.

    ``participants`` may be the study summary (``corpus.summary()``), the participants table
    (``corpus.participants``) or a ``{group: size}`` dict. Without it the sizes are the numbers of
    coded participants, and the notes say so: prevalence is then "% of coded participants".
    """
    coded_people = codings[["participant_id", "group"]].dropna(subset=["participant_id"])
    names = {g: _text(g) or NO_GROUP for g in coded_people["group"].dropna().unique()}
    coded_groups = coded_people["group"].map(names).fillna(NO_GROUP)  # each distinct group's name worked out once
    coded = {str(g): int(n) for g, n in coded_people.groupby(coded_groups, sort=False)["participant_id"].nunique().items()}
    return sizes_of(coded, participants)


def sizes_of(coded: dict, participants=None) -> GroupSizes:
    """:func:`group_sizes` from ``coded``: ``{group: coded participants}`` in the order the groups first
    appear in the codings (however that was counted)."""
    if participants is None:
        note = ("Percentages are of the participants coded at least once in each group (the codings alone do not "
                "give group sizes); give the corpus or the study summary for % of all participants.")
        return GroupSizes(coded, "coded", (note,) if coded else ())
    study = _sizes_from(participants)
    sizes = {g: n for g, n in study.items()}
    notes = ["Percentages are of each group's participants in the study."]
    missing = [g for g in coded if g not in sizes]
    for group in missing:
        sizes[group] = coded[group]
    if missing:
        notes.append(f"No study size for group(s) {', '.join(missing)}: their percentages are of coded participants.")
    larger = [g for g in coded if g in study and coded[g] > study[g]]
    if larger:
        for group in larger:
            sizes[group] = coded[group]
        notes.append(
            f"The codings have more participants than the study size for {', '.join(larger)}; the coded number is "
            "used. Check that the summary belongs to these codings."
        )
    return GroupSizes(sizes, "study", tuple(notes))


def read_summary(path):
    """Read a study summary file (csv, xlsx or json, as ``qualcode summary`` writes it) for group sizes."""
    from pathlib import Path

    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise CodingsError(f"{path}: no such summary file; write one with `qualcode summary FOLDER -o summary.csv`.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            from ..writers.cells import unescape_frame

            frame = unescape_frame(pd.read_csv(path, encoding="utf-8-sig"))
        elif suffix == ".xlsx":
            frame = pd.read_excel(path, sheet_name=0)
        elif suffix == ".json":
            frame = pd.read_json(path, orient="records")
        else:
            raise CodingsError(f"{path}: a summary is read from .csv, .xlsx or .json; change the suffix.")
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CodingsError(f"{path}: cannot read this summary ({exc}).") from None
    missing = [c for c in ("group", "participants") if c not in frame.columns]
    if missing:
        raise CodingsError(
            f"{path}: missing column(s) {', '.join(missing)}; a study summary has the columns group and "
            "participants (write it with `qualcode summary FOLDER -o summary.csv`)."
        )
    _sizes_from(frame)  # whole numbers, or a clear error
    return frame

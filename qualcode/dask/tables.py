"""Theme tables and framework-matrix counts of a Dask codings frame, computed on the cluster.

>>> codings = qualcode.code("big_corpus/", cb, engine="dask", output="out/codings.parquet")  # doctest: +SKIP
>>> qualcode.theme_table(codings, cb, summary)               # the same table as on the pandas frame  # doctest: +SKIP
>>> qualcode.framework_matrix(codings, cb, cells="count")    # doctest: +SKIP

:func:`qualcode.theme_table` and :func:`qualcode.framework_matrix` (``cells="count"``) come here when given a
Dask DataFrame. The numbers, the order and the exemplar quotes equal those of the computed pandas frame.
Only small tables reach the driver. There are three passes over the codings; in each, every partition
gives small partial tables that are merged pairwise in a tree on the cluster:

1. **Census**: codings per distinct (coder, origin, codebook version, code, theme, sub-theme). It is enough
   for :func:`~qualcode.analysis.selection.select_codings`' filters and warnings and for the outline.
2. **Who and where**: the distinct (node, group, participant) and (group, participant) pairs, counted at the
   root of the tree (a worker; what comes back is a count per node and group); and where each group and
   each source first appears, and at which node a source is first coded (report orders follow the codings').
3. **Passages and exemplar candidates**: distinct passages and sources per node, counted per partition and
   summed. That is exact because a source lives in one partition, as in the datasets qualcode writes (one
   batch of whole sources per part); where a source spans partitions, these counts are made after a Dask
   shuffle on ``source_id``. And per sub-theme, the best passage of each participant under the ranking of
   :mod:`qualcode.analysis.exemplars`, and of those the best N (N = the number of sub-themes). That is all
   :func:`~qualcode.analysis.exemplars.choose_exemplars` needs: a sub-theme's pick is the best passage of the
   best-ranked participant not yet quoted, and at most N - 1 are quoted before it. With a matrix, this pass
   also counts passages per (participant or source, node) and finds where each row first appears.

A passage (``source_id, start, end``) is assumed to have one participant, group and label in all its
codings, as every codings table qualcode writes does.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..coding.table import NO_GROUP

CENSUS = ["coder", "origin", "codebook_version", "code_id", "theme_id", "theme", "subtheme_id", "subtheme"]
_ROW_BITS = 40  # a row's position: partition << 40 | row within the partition
_NO_NODE = 1 << 62  # the first node of a source with no excerpts
_RANK = ["_wnode", "_outside", "_negscore", "_unreadable", "_distance", "_srank", "start", "end"]


@dataclass
class DistributedTables:
    """What :func:`distributed_tables` computed: the theme table, and the matrix when asked for."""

    themes: object
    order: object
    sizes: object
    groups: list  # the groups in report order, with NO_GROUP where some excerpt has no group
    versions: list
    coders: list
    sources: int
    participants: int
    codings: int
    matrix: object = None

    def info(self, codebook=None, **options):
        """A :class:`~qualcode.reports.info.ReportInfo` for title pages (``title``, ``study``, ``date``)."""
        from ..reports.info import info_of

        return info_of(self.versions, self.coders, self.sources, self.participants, self.codings, codebook,
                       **options)


@dataclass(frozen=True)
class _Spec:
    """What each partition needs to select and normalise its codings (small; sent with every task)."""

    coder: tuple | None
    origin: tuple | None
    retired: frozenset
    node_of: dict  # (theme_id, subtheme_id) -> index in the outline
    wanted_of: dict  # (theme_id, subtheme_id) -> index among the nodes that get an exemplar
    text: bool  # keep the text columns (for exemplars and attributions)


# -- per partition (these run on the workers) ---------------------------------------------------------
def _objects(frame, name: str, missing=""):
    from ..analysis.excerpts import strings

    if name not in frame.columns:
        return [missing] * len(frame)
    return strings(frame[name], missing)


def _census_part(frame):
    import pandas as pd

    table = pd.DataFrame({c: pd.Series(_objects(frame, c, None), dtype=object) for c in CENSUS})
    return _census_sum(table.assign(_rows=1))


def _census_sum(frame):
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.groupby(CENSUS, dropna=False, sort=False)["_rows"].sum().reset_index()


def _select_rows(frame, spec: _Spec):
    """The rows :func:`~qualcode.analysis.selection.select_codings` keeps (coders, origins, retired nodes)."""
    for column, wanted in (("coder", spec.coder), ("origin", spec.origin)):
        if wanted is not None:
            frame = frame[frame[column].astype(str).isin(wanted)] if column in frame.columns else frame.iloc[:0]
    if spec.retired and len(frame):
        gone = frame["code_id"].isin(spec.retired) | frame["theme_id"].isin(spec.retired)
        if "subtheme_id" in frame.columns:
            gone |= frame["subtheme_id"].isin(spec.retired)
        frame = frame[~gone]
    return frame


def _normal_part(frame, spec: _Spec, partition_info=None):
    """A partition's selected codings as plain Python strings (as :func:`~qualcode.analysis.excerpts.excerpts_of`
    reads them), with the node index and the row's position in the whole table."""
    import numpy as np
    import pandas as pd

    from ..errors import CodingsError

    number = (partition_info or {}).get("number", 0)
    frame = _select_rows(frame, spec)
    themes, subs = _objects(frame, "theme_id"), _objects(frame, "subtheme_id")
    unknown = len(spec.node_of)
    try:
        starts, ends = frame["start"].to_numpy(dtype="int64"), frame["end"].to_numpy(dtype="int64")
    except (TypeError, ValueError):
        raise CodingsError("codings: 'start' and 'end' must be whole numbers (character offsets).") from None
    columns = {
        "source_id": _objects(frame, "source_id"),
        "participant_id": _objects(frame, "participant_id", None),
        "group": [g or NO_GROUP for g in _objects(frame, "group")],
        "label": _objects(frame, "label"),
        "theme_id": themes,
        "subtheme_id": subs,
    }
    if spec.text:
        for name in ("method", "segment_id", "text"):
            columns[name] = _objects(frame, name)
    out = pd.DataFrame({k: pd.Series(v, dtype=object, index=frame.index) for k, v in columns.items()})
    out["start"], out["end"] = starts, ends
    if spec.text:
        score = frame["score"] if "score" in frame.columns else pd.Series(np.nan, index=frame.index)
        out["score"] = pd.to_numeric(score, errors="coerce").to_numpy(dtype="float64")
    keys = list(zip(themes, subs))
    out["_node"] = np.array([spec.node_of.get(k, unknown) if k[0] else -1 for k in keys], dtype="int64")
    out["_wnode"] = np.array([spec.wanted_of.get(k, -1) if k[0] else -1 for k in keys], dtype="int64")
    out["_pos"] = (np.int64(number) << _ROW_BITS) + np.arange(len(frame), dtype="int64")
    return out


def _normal_meta(text: bool):
    import pandas as pd

    names = ["source_id", "participant_id", "group", "label", "theme_id", "subtheme_id"]
    if text:
        names += ["method", "segment_id", "text"]
    meta = {n: pd.Series(dtype=object) for n in names}
    meta |= {"start": pd.Series(dtype="int64"), "end": pd.Series(dtype="int64")}
    if text:
        meta["score"] = pd.Series(dtype="float64")
    meta |= {n: pd.Series(dtype="int64") for n in ("_node", "_wnode", "_pos")}
    return pd.DataFrame(meta)


def _words_keys(frame):
    """The ranking columns of :mod:`qualcode.analysis.exemplars` for each row (``words`` and the sort keys)."""
    import numpy as np

    from ..analysis.exemplars import IDEAL_WORDS, MAX_WORDS, MIN_WORDS, _readable

    texts = frame["text"].tolist()
    words = np.array([len(t.split()) for t in texts], dtype="int64")
    return frame.assign(
        words=words,
        _outside=~((words >= MIN_WORDS) & (words <= MAX_WORDS)),
        _negscore=-np.nan_to_num(frame["score"].to_numpy(dtype="float64")),
        _unreadable=np.array([not _readable(t) for t in texts], dtype=bool),
        _distance=np.abs(words - IDEAL_WORDS),
        _who=[p if p is not None else "\0nobody" for p in frame["participant_id"].tolist()],
    )


def _best(frame, keep: int):
    """Per node, the best row of each participant (``_who``), then the best ``keep`` of those."""
    if frame.empty:
        return frame
    frame = frame.sort_values(_RANK, kind="stable")
    frame = frame.drop_duplicates(["_wnode", "_who"])
    return frame.groupby("_wnode", sort=False).head(keep)


def _firsts(frame, keys: list[str], by: list[str]):
    """Per ``keys``, the row that comes first by ``by`` (only the key and order columns)."""
    frame = frame[keys + by]
    if frame.empty:
        return frame
    return frame.sort_values(by, kind="stable").drop_duplicates(keys)


def _distinct_counts(frame, keys: list[str], of: list[str], name: str):
    """How many distinct ``of`` each ``keys`` group has, as a frame ``keys + [name]``."""
    if frame.empty:
        return frame[keys].assign(**{name: 0}).iloc[:0]
    return frame[keys + of].drop_duplicates().groupby(keys, sort=False).size().rename(name).reset_index()


def _summed(frames, keys: list[str]):
    import pandas as pd

    frame = pd.concat(frames, ignore_index=True)
    if frame.empty:
        return frame
    return frame.groupby(keys, sort=False).sum().reset_index()


def _deduped(frames):
    import pandas as pd

    return pd.concat(frames, ignore_index=True).drop_duplicates()


# A pass maps every partition to a dict of small partial tables and merges them pairwise in a tree on the
# cluster (fan-in 8); only the root's result comes to the driver. Merging is exact for every table: sums of
# per-partition counts (of things that never span partitions: passages, once sources are in one
# partition each), unions, minima and "best N" selections under a total order.
_FAN_IN = 8


def _map_reduce(parts, chunk, merge, finish=None, merge_kwargs=None, **kwargs):
    """``finish(merge(... merge([chunk(part, i, **kwargs), ...]) ...))`` as one Dask Delayed."""
    from dask import delayed

    level = [delayed(chunk, pure=True)(part, i, **kwargs) for i, part in enumerate(parts)]
    while len(level) > 1:
        level = [delayed(merge, pure=True)(level[i : i + _FAN_IN], **(merge_kwargs or {}))
                 for i in range(0, len(level), _FAN_IN)]
    return delayed(finish or _same, pure=True)(level[0])


def _same(value):
    return value


# -- pass 1: who was coded where, and where groups and sources first appear -----------------------------
def _people_chunk(frame, index: int, spec: _Spec):
    frame = _normal_part(frame, spec, {"number": index})
    excerpts = frame[frame["_node"] >= 0]
    people = excerpts[excerpts["participant_id"].notna()]
    coded = frame[frame["participant_id"].notna()]
    sources = frame.groupby("source_id", sort=False).agg(pos=("_pos", "min"))
    sources["node"] = excerpts.groupby("source_id", sort=False)["_node"].min()
    sources = sources.fillna({"node": _NO_NODE}).astype({"node": "int64"}).assign(parts=1).reset_index()
    return {
        "people": people[["theme_id", "subtheme_id", "group", "participant_id"]].drop_duplicates(),
        "coded": coded[["group", "participant_id"]].drop_duplicates(),
        "group_pos": coded.groupby("group", sort=False)["_pos"].min().reset_index(),
        "sources": sources,
        "groups": excerpts[["group"]].drop_duplicates(),
    }


def _people_merge(partials: list[dict]) -> dict:
    import pandas as pd

    out = {name: _deduped([p[name] for p in partials]) for name in ("people", "coded", "groups")}
    group_pos = pd.concat([p["group_pos"] for p in partials], ignore_index=True)
    out["group_pos"] = group_pos.groupby("group", sort=False)["_pos"].min().reset_index()
    sources = pd.concat([p["sources"] for p in partials], ignore_index=True)
    out["sources"] = sources.groupby("source_id", sort=False).agg(
        pos=("pos", "min"), node=("node", "min"), parts=("parts", "sum")).reset_index()
    return out


def _people_finish(merged: dict) -> dict:
    """Count distinct participants where the whole table of them is (a worker), and send back counts."""
    people, coded = merged["people"], merged["coded"]
    themes = people[["theme_id", "group", "participant_id"]].drop_duplicates()
    return {
        "sub_participants": _distinct_counts(people, ["theme_id", "subtheme_id"], ["participant_id"], "n"),
        "sub_groups": _distinct_counts(people, ["theme_id", "subtheme_id", "group"], ["participant_id"], "n"),
        "theme_participants": _distinct_counts(themes, ["theme_id"], ["participant_id"], "n"),
        "theme_groups": _distinct_counts(themes, ["theme_id", "group"], ["participant_id"], "n"),
        "coded": _distinct_counts(coded, ["group"], ["participant_id"], "n"),
        "participants": int(coded["participant_id"].nunique()),
        "group_pos": merged["group_pos"],
        "sources": merged["sources"],
        "groups": set(merged["groups"]["group"]),
    }


# -- pass 2: passages per node, exemplar candidates, matrix cells ------------------------------------------
def _ranked(frame, sources):
    """The excerpt rows of ``frame`` with their source's rank and first position (``sources`` indexed by id)."""
    frame = frame[frame["_node"] >= 0]
    return frame.assign(_srank=frame["source_id"].map(sources["_srank"]).astype("int64"),
                        _srcpos=frame["source_id"].map(sources["_srcpos"]).astype("int64"))


def _passage_partials(excerpts, matrix) -> dict:
    """Counts that are sums over partitions when no source spans two: passages and sources per node, and
    the matrix's passages per (row, node)."""
    passage = ["source_id", "start", "end"]
    sub = _distinct_counts(excerpts, ["theme_id", "subtheme_id"], passage, "excerpts")
    sub = sub.merge(_distinct_counts(excerpts, ["theme_id", "subtheme_id"], ["source_id"], "sources"),
                    on=["theme_id", "subtheme_id"], how="left")
    theme = _distinct_counts(excerpts, ["theme_id"], passage, "excerpts")
    theme = theme.merge(_distinct_counts(excerpts, ["theme_id"], ["source_id"], "sources"), on="theme_id", how="left")
    out = {"sub": sub, "theme": theme}
    if matrix is not None:
        rows, columns = matrix
        node = ["theme_id"] if columns == "theme" else ["theme_id", "subtheme_id"]
        if rows == "participant":
            people = excerpts[excerpts["participant_id"].notna()]
            out["cells"] = _distinct_counts(people, ["group", "label", "participant_id", *node], passage, "n")
        else:
            out["cells"] = _distinct_counts(excerpts, ["source_id", *node], ["start", "end"], "n")
    return out


def _passages_merge(partials: list[dict]) -> dict:
    out = {"sub": _summed([p["sub"] for p in partials], ["theme_id", "subtheme_id"]),
           "theme": _summed([p["theme"] for p in partials], ["theme_id"])}
    if "cells" in partials[0]:
        cells = [p["cells"] for p in partials]
        out["cells"] = _summed(cells, [c for c in cells[0].columns if c != "n"])
    return out


_PARTICIPANT_ROW = (["group", "label", "participant_id"], ["_node", "_srcpos", "start", "end"])
_SOURCE_ROW = (["source_id", "attribution"], ["_node", "start", "end"])


def _second_chunk(frame, index: int, spec: _Spec, sources, keep: int, matrix, passages: bool):
    from ..analysis.excerpts import attribution

    excerpts = _ranked(_normal_part(frame, spec, {"number": index}), sources)
    out = _passage_partials(excerpts, matrix) if passages else {}
    if keep:
        out["candidates"] = _best(_words_keys(excerpts[excerpts["_wnode"] >= 0]), keep)
    if matrix is not None:
        if matrix[0] == "participant":
            out["rows"] = _firsts(excerpts[excerpts["participant_id"].notna()], *_PARTICIPANT_ROW)
        else:
            who = [attribution(*v) for v in zip(excerpts["label"].tolist(), excerpts["participant_id"].tolist(),
                                                 excerpts["group"].tolist(), excerpts["method"].tolist())]
            out["rows"] = _firsts(excerpts.assign(attribution=who), *_SOURCE_ROW)
    return out


def _second_merge(partials: list[dict], keep: int, matrix, passages: bool) -> dict:
    import pandas as pd

    out = _passages_merge(partials) if passages else {}
    if keep:
        out["candidates"] = _best(pd.concat([p["candidates"] for p in partials], ignore_index=True), keep)
    if matrix is not None:
        row = _PARTICIPANT_ROW if matrix[0] == "participant" else _SOURCE_ROW
        out["rows"] = _firsts(pd.concat([p["rows"] for p in partials], ignore_index=True), *row)
    return out


def _shuffled_chunk(frame, index: int, sources, matrix):
    return _passage_partials(_ranked(frame, sources), matrix)


# -- the driver --------------------------------------------------------------------------------------
def _census(codings):
    """Codings per distinct :data:`CENSUS` values (column ``_rows``): a small pandas frame."""
    import pandas as pd

    meta = pd.DataFrame({**{c: pd.Series(dtype=object) for c in CENSUS}, "_rows": pd.Series(dtype="int64")})
    present = [c for c in CENSUS if c in codings.columns]
    census = codings[present].reduction(_census_part, aggregate=_census_sum, combine=_census_sum, meta=meta)
    return census.compute()


def distributed_tables(codings, codebook=None, participants=None, *, coder=None, origin=None, matrix=None,
                       name: str = "codings", exemplars: bool = True) -> DistributedTables:
    """The theme table (and, with ``matrix=(rows, columns)``, the framework matrix of counts) of a Dask
    codings frame; see the module doc. The arguments are those of :func:`qualcode.theme_table`."""
    import dask

    from ..coding.table import ORIGINS, check_codings
    from ..analysis.matrix import check_options
    from ..analysis.selection import _against_codebook, _as_list, _filter, outline, retired_ids, sizes_of
    from ..analysis.themes import assemble, with_mixed_methods

    if matrix is not None:
        check_options(matrix[0], matrix[1], "count")
    check_codings(codings._meta, name)  # names every missing column, as for a pandas frame
    census = _census(codings)
    coders, origins = _as_list(coder), _as_list(origin)
    census = _filter(census, "coder", coders, name)
    census = _filter(census, "origin", origins, name, allowed=ORIGINS)
    retired: frozenset = frozenset()
    if codebook is not None and len(census):
        census = _against_codebook(census, codebook, name)
        retired = retired_ids(codebook)
    census = census.reset_index(drop=True)
    order = outline(census, codebook)
    node_of = {(t, s): i for i, (t, s) in enumerate(zip(order.theme_id, order.subtheme_id))}
    with_subs = set(order.loc[order.level == "sub-theme", "theme_id"])
    wanted = [(r.theme_id, r.subtheme_id) for r in order.itertuples(index=False)
              if r.level == "sub-theme" or r.theme_id not in with_subs]
    keep = len(wanted) if exemplars else 0
    text = bool(keep) or (matrix is not None and matrix[0] == "source")
    spec = _Spec(None if coders is None else tuple(coders), None if origins is None else tuple(origins), retired,
                 node_of, {k: i for i, k in enumerate(wanted)}, False)
    columns = [c for c in codings.columns if c in _NEEDED]
    light = codings[[c for c in columns if c not in _TEXT]]
    (first,) = dask.compute(_map_reduce(light.to_delayed(), _people_chunk, _people_merge, _people_finish, spec=spec))

    coded = dict(zip(first["coded"]["group"], first["coded"]["n"]))
    group_order = first["group_pos"].sort_values("_pos", kind="stable")["group"]
    sizes = sizes_of({g: int(coded.get(g, 0)) for g in group_order}, participants)
    groups = sizes.groups + ([NO_GROUP] if NO_GROUP in first["groups"] else [])
    sources = _source_ranks(first["sources"])
    spanning = bool(len(first["sources"])) and int(first["sources"]["parts"].max()) > 1

    from dask import delayed

    shared = delayed(sources.set_index("source_id"), pure=True)
    text_spec = _Spec(spec.coder, spec.origin, retired, node_of, spec.wanted_of, text)
    frame = codings[columns] if text else light
    options = {"keep": keep, "matrix": matrix, "passages": not spanning}
    lazy = {"second": _map_reduce(frame.to_delayed(), _second_chunk, _second_merge, merge_kwargs=options,
                                  spec=text_spec, sources=shared, **options)}
    if spanning:  # a source in several partitions: count passages after putting each source in one partition
        normal = light.map_partitions(_normal_part, spec, meta=_normal_meta(False)).shuffle("source_id")
        lazy["shuffled"] = _map_reduce(normal.to_delayed(), _shuffled_chunk, _passages_merge, sources=shared,
                                       matrix=matrix)
    values = dict(zip(lazy, dask.compute(*lazy.values())))
    second = values["second"]
    counted = values.get("shuffled", second)
    counts = _node_counts(counted, first, sizes.groups)
    picked = _pick(second["candidates"], order) if keep else {}
    themes = assemble(order, counts, sizes, picked, nothing_coded=int(counted["sub"]["excerpts"].sum()) == 0)
    themes = with_mixed_methods(themes, _methods_census(codings, spec))
    return DistributedTables(
        themes=themes, order=order, sizes=sizes, groups=groups,
        versions=sorted({v for v in census["codebook_version"].dropna().astype(str)}),
        coders=sorted({v for v in census["coder"].dropna().astype(str)}),
        sources=len(first["sources"]), participants=first["participants"], codings=int(census["_rows"].sum()),
        matrix=None if matrix is None else _matrix(counted["cells"], second["rows"], sources, order, groups, census,
                                                   *matrix),
    )


def _methods_part(frame, spec: _Spec):
    """Who spoke in which source by which method, among a partition's selected codings (for the notes on values
    whose sources mix methods, as :func:`qualcode.analysis.themes.table_of` makes them from the excerpts)."""
    from ..coding.table import NO_GROUP

    frame = _select_rows(frame, spec)
    frame = frame[frame["theme_id"].notna() & (frame["theme_id"].astype(str) != "")]
    groups = [NO_GROUP if g is None or g != g or g == "" else str(g) for g in frame["group"].tolist()]
    return frame[["source_id", "participant_id", "method"]].assign(group=groups).drop_duplicates()


def _methods_census(codings, spec: _Spec):
    """:func:`_methods_part` of every partition, computed on the cluster (small: one row per participant and
    source); ``None`` when the codings have no ``method`` column."""
    import dask
    import pandas as pd

    columns = ["source_id", "participant_id", "group", "method", "theme_id", "subtheme_id", "code_id", "coder", "origin"]
    if "method" not in codings.columns:
        return None
    parts = [dask.delayed(_methods_part)(part, spec) for part in codings[[c for c in columns if c in codings.columns]]
             .to_delayed()]
    return pd.concat(dask.compute(*parts), ignore_index=True).drop_duplicates()


_NEEDED = {"source_id", "segment_id", "participant_id", "group", "label", "method", "start", "end", "text",
           "code_id", "theme_id", "subtheme_id", "coder", "origin", "score"}
_TEXT = {"text", "segment_id", "method", "score"}


def _node_counts(counted: dict, first: dict, groups: list[str]):
    """The frame :func:`qualcode.analysis.themes.node_counts` gives, from the passes' counts."""
    import pandas as pd

    from ..analysis.themes import _g

    def indexed(frame, keys):
        return {tuple(k): int(n) for *k, n in frame[[*keys, frame.columns[-1]]].itertuples(index=False, name=None)}

    wanted = set(groups)
    rows = {}
    for level, keys in (("theme", ["theme_id"]), ("sub", ["theme_id", "subtheme_id"])):
        passages = counted[level]
        for row in passages.itertuples(index=False):
            node = (row.theme_id, "") if level == "theme" else (row.theme_id, row.subtheme_id)
            if node in rows:  # passages coded at a theme itself: the theme's row counts them
                continue
            rows[node] = {"theme_id": node[0], "subtheme_id": node[1], "excerpts": int(row.excerpts),
                          "sources": int(row.sources), "participants": 0, **{_g(g): 0 for g in groups},
                          "_level": level}
        for key, n in indexed(first[f"{level}_participants"], keys).items():
            node = (key[0], "") if level == "theme" else key
            if node in rows and rows[node]["_level"] == level:
                rows[node]["participants"] = n
        for key, n in indexed(first[f"{level}_groups"], [*keys, "group"]).items():
            node = (key[0], "") if level == "theme" else key[:2]
            if key[-1] in wanted and node in rows and rows[node]["_level"] == level:
                rows[node][_g(key[-1])] = n
    columns = ["theme_id", "subtheme_id", "excerpts", "sources", "participants", *map(_g, groups)]
    return pd.DataFrame([{k: v for k, v in r.items() if k != "_level"} for r in rows.values()], columns=columns)


def _source_ranks(sources):
    """Sources with excerpts: ``_srank`` orders them as :func:`~qualcode.analysis.exemplars.choose_exemplars` does
    (by the first node they are coded at, then by where they first appear); ``_srcpos`` is that place."""
    frame = sources[sources["node"] < _NO_NODE].sort_values(["node", "pos"], kind="stable").reset_index(drop=True)
    frame = frame.assign(_srank=range(len(frame)), _srcpos=frame["pos"])
    return frame[["source_id", "_srank", "_srcpos"]].astype({"source_id": object, "_srank": "int64", "_srcpos": "int64"})


def _pick(candidates, order) -> dict:
    """:func:`~qualcode.analysis.exemplars.choose_exemplars` over the candidates, given in the global source order."""
    from ..analysis.excerpts import attribution, location
    from ..analysis.exemplars import choose_exemplars

    if candidates.empty:
        return {}
    frame = candidates.sort_values(["_srank", "start", "end"], kind="stable").reset_index(drop=True)
    frame["attribution"] = [attribution(*v) for v in zip(frame.label, frame.participant_id, frame.group, frame.method)]
    frame["location"] = [location(*v) for v in zip(frame.source_id, frame.segment_id, frame.method, frame.start,
                                                   frame.end)]
    return choose_exemplars(frame, order)


def _matrix(cells, found, sources, order, groups: list[str], census, rows: str, columns: str):
    """The framework matrix of counts (as :func:`~qualcode.analysis.matrix.matrix_of` builds it)."""
    import pandas as pd

    from ..analysis.matrix import matrix_columns, matrix_frame

    subs = census["subtheme_id"].map(lambda v: isinstance(v, str) and v != "")
    themes = census["theme_id"].map(lambda v: isinstance(v, str) and v != "")
    names = matrix_columns(order, set(census.loc[themes & ~subs, "theme_id"]), columns)
    cell_of = {}
    for *key, n in cells.itertuples(index=False, name=None):
        cell_of[(*key, "") if columns == "theme" else tuple(key)] = int(n)
    if rows == "participant":
        keys = ["group", "label", "participant_id"]
        found = found.sort_values(["_node", "_srcpos", "start", "end"], kind="stable").reset_index(drop=True)
        rank = {g: i for i, g in enumerate(groups)}
        first_seen = {p: i for i, p in enumerate(dict.fromkeys(found.participant_id))}
        found = found.assign(_g=found.group.map(lambda g: rank.get(g, len(rank))),
                             _p=found.participant_id.map(first_seen)).sort_values(["_g", "_p"], kind="stable")
        index = found[keys].astype(object)
    else:
        keys = ["source_id"]
        srank = sources.set_index("source_id")["_srank"]
        found = found.assign(_srank=found.source_id.map(srank)).sort_values(["_srank", "_node", "start", "end"],
                                                                            kind="stable")
        who = found.groupby("source_id", sort=False)["attribution"].agg(lambda v: "; ".join(v))
        index = pd.DataFrame({"source_id": pd.Series(list(who.index), dtype=object)})
        index = index.assign(participants=index.source_id.map(who))
    return matrix_frame(index, keys, names, cell_of, rows=rows, cells="count", truncate=None)


# -- the table functions for a Dask codings frame (chosen by qualcode.engines) ----------------------
def theme_table(codings, codebook=None, participants=None, *, coder=None, origin=None, compact: bool = False):
    """:func:`qualcode.analysis.themes.theme_table` of a Dask codings frame, computed on the cluster."""
    from ..analysis.themes import compact_table

    table = distributed_tables(codings, codebook, participants, coder=coder, origin=origin).themes
    return compact_table(table) if compact else table


def framework_matrix(codings, codebook=None, *, rows: str = "participant", columns: str = "theme",
                     cells: str = "both", truncate=200, participants=None, coder=None, origin=None):
    """:func:`qualcode.analysis.matrix.framework_matrix` of a Dask codings frame: counts only."""
    from ..analysis.matrix import check_options
    from ..errors import QualcodeError

    check_options(rows, columns, cells)
    if cells != "count":
        raise QualcodeError(
            f"a framework matrix with {cells!r} cells holds every excerpt, which a Dask codings frame is too big "
            "for; use cells='count', or compute() the codings you need (e.g. one group's) and pass that."
        )
    return distributed_tables(codings, codebook, participants, coder=coder, origin=origin,
                              matrix=(rows, columns), exemplars=False).matrix


def excerpt_table(codings, codebook=None, *, coder=None, origin=None):
    """Refused for a Dask codings frame, with what to do instead."""
    from ..errors import CodingsError

    raise CodingsError(
        "the excerpt table holds every coding, which a Dask codings frame is too big for; compute() the codings "
        "you need (e.g. one group's), or stream them from the dataset with qualcode.coding.dataset.iter_excerpts."
    )

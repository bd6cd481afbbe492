"""The distributed engine: ingest and code a corpus on a Dask cluster, with the results of a local run.

>>> run = apply_codebook_dask("big_corpus/", cb, output="out/codings.parquet")   # doctest: +SKIP
>>> run.codings            # a Dask DataFrame with the codings schema, reading the Parquet dataset  # doctest: +SKIP
>>> run.summary            # the study summary, from per-batch aggregates                           # doctest: +SKIP

The driver lists the files (it never opens a transcript), cuts the list into contiguous batches of about
``batch_mb`` MB and submits one task per batch (:func:`qualcode.coding.batches.run_batch`). A task reads its
files, segments and codes them, and writes its part of the codings dataset; without ``output`` the parts
stay in the workers' memory behind the returned Dask DataFrame. spaCy and the compiled codebook are built
once per worker process and cached there under a digest of the codebook, which is broadcast once; the
participants table is broadcast once too. Only small aggregates come back to the driver: load problems,
counts for the study summary and the coding report, and the participants a batch added (survey
respondents missing from participants.csv). Distinct counts (participants per group and per theme) are
computed on the cluster.

Same input, same output: concatenating the parts in order gives the local engine's table row for row.
Tasks that raise are retried (``retries``); a task lost with its worker is run again by Dask and replaces
its part whole. See :mod:`qualcode.coding.batches` for the (rare) batches that are re-run to match a sequential
load exactly.
"""

from __future__ import annotations

import logging
import os
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from ..coding.batches import (
    BatchResult,
    BatchSpec,
    CodebookPayload,
    Options,
    SharedInputs,
    conflicts,
    needs_keys,
    run_batch,
)
from ..codebook.model import Codebook
from ..errors import QualcodeError
from ..corpus.loading import check_loaded, no_participants_warning, plan_corpus
from ..corpus.model import Problem
from ..textio import DEFAULT_MAX_BYTES

INSTALL_HINT = 'the Dask engine needs Dask and distributed; install them with: pip install "qualcode[dask]"'
DEFAULT_BATCH_MB = 4.0
_MAX_FILES_PER_BATCH = 500


def require_dask():
    """Import Dask's DataFrame and distributed, or raise a :class:`QualcodeError` saying how to install them."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed
    except ImportError as exc:
        raise QualcodeError(f"{INSTALL_HINT} ({exc}).") from None
    return distributed


@contextmanager
def dask_client(scheduler: str | None = None, client=None, workers: int | None = None, log=None, keep: bool = False):
    """Yield a Dask ``Client``: ``client`` itself, one connected to ``scheduler`` (``tcp://host:8786``), the
    current default client, or one on a new local cluster of ``workers`` processes (default: one per core).

    A client this function made is closed on exit unless ``keep`` (then it stays the session's default).
    """
    distributed = require_dask()
    if client is not None:
        yield client
        return
    made, cluster = None, None
    if scheduler:
        try:
            made = distributed.Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise QualcodeError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); check the address "
                                "(tcp://host:8786) and that the scheduler is running.") from None
    else:
        try:
            made = distributed.default_client()
            keep = True  # someone else's client: never close it
        except ValueError:
            count = workers or os.cpu_count() or 1
            cluster = distributed.LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                                               dashboard_address=":0", silence_logs=logging.ERROR)
            made = distributed.Client(cluster)
            if log:
                log(f"started a local Dask cluster of {count} worker process(es)")
    if log:
        link = dashboard_link(made, local=cluster is not None)
        if link:
            log(f"Dask dashboard: {link}")
    try:
        yield made
    finally:
        if not keep:
            made.close()
            if cluster is not None:
                cluster.close()


def dashboard_link(client, local: bool = False) -> str | None:
    """The dashboard URL of ``client``'s scheduler, or ``None`` when it serves none (a local cluster
    serves a working dashboard only where bokeh is installed)."""
    import importlib.util

    if local and importlib.util.find_spec("bokeh") is None:
        return None
    try:
        if "dashboard" not in client.scheduler_info().get("services", {}):
            return None
        return client.dashboard_link
    except Exception:  # noqa: BLE001  (a link is a nicety; never fail a run for it)
        return None


def plan_batches(plan, batch_bytes: int, max_files: int = _MAX_FILES_PER_BATCH) -> list[BatchSpec]:
    """Cut ``plan.items`` into contiguous batches of about ``batch_bytes`` of source files each."""
    batches: list[BatchSpec] = []
    current, size = [], 0
    for item in plan.items:
        try:
            nbytes = (plan.root / item[0]).stat().st_size
        except OSError:
            nbytes = 0
        if current and (size + nbytes > batch_bytes or len(current) >= max_files):
            batches.append(BatchSpec(len(batches), current))
            current, size = [], 0
        current.append(item)
        size += nbytes
    if current:
        batches.append(BatchSpec(len(batches), current))
    return batches


@dataclass
class DaskCodingRun:
    """The result of :func:`apply_codebook_dask`."""

    codings: object  # dask DataFrame with the codings columns
    problems: list[Problem]
    warnings: list[str]
    codebook: Codebook
    summary: object  # DataFrame: the study summary
    path: Path | None = None  # the Parquet dataset, when written
    batches: int = 0
    reruns: int = 0
    _report: object = field(default=None, repr=False)

    @property
    def skipped(self) -> list[Problem]:
        """Problems that made a file be skipped."""
        return [p for p in self.problems if p.severity == "error"]

    def report(self):
        """The :class:`~qualcode.coding.report.CodingReport`, computed from per-batch aggregates."""
        return self._report


def _batch_error(spec: BatchSpec, exc: BaseException, retries: int) -> QualcodeError:
    files = [file for file, _ in spec.items]
    where = files[0] if len(files) == 1 else f"{files[0]} ... {files[-1]} ({len(files)} files)"
    return QualcodeError(f"batch {spec.index} ({where}) failed on a Dask worker after {retries} retries: "
                         f"{type(exc).__name__}: {exc}. Fix the cause (the message names it) and run again.")


def apply_codebook_dask(
    corpus_or_folder,
    codebook: Codebook,
    *,
    output: str | Path | None = None,
    force: bool = False,
    scheduler: str | None = None,
    client=None,
    workers: int | None = None,
    unit: str = "turn",
    include_researchers: bool = False,
    include_candidates: bool = False,
    long_turn_words: int = 200,
    by: str = "both",
    model: str | None = None,
    strict: bool = False,
    max_file_size: int = DEFAULT_MAX_BYTES,
    batch_mb: float = DEFAULT_BATCH_MB,
    retries: int = 2,
    progress=None,
    log=None,
) -> DaskCodingRun:
    """Load and code a folder (or a loaded corpus's folder) on Dask; see the module docstring.

    ``output`` (``*.parquet``) makes the workers write a partitioned Parquet dataset there, replacing an
    existing one only with ``force``; without it the codings stay in the cluster's memory. ``progress(done,
    total, item)`` is called as batches finish; ``log(message)`` receives the dashboard link and notes.
    """
    from ..coding.dataset import check_dataset_path, discard_dataset, finish_dataset, meta_frame, start_dataset
    from ..corpus.segments import check_unit

    distributed = require_dask()
    check_unit(unit)
    if output is not None:
        output = check_dataset_path(output, force)
    from ..corpus.corpus import Corpus

    if isinstance(corpus_or_folder, Corpus):
        plan = plan_corpus(corpus_or_folder.root)
        files = {source.meta.file for source in corpus_or_folder}
        plan.items = [item for item in plan.items if item[0] in files]
    else:
        plan = plan_corpus(corpus_or_folder)
    specs = {spec.index: spec for spec in plan_batches(plan, int(batch_mb * 1024 * 1024))}
    options = Options(unit, include_researchers, long_turn_words, max_file_size)
    from ..coding.coder import coders_for

    # Built here once to check the codebook and collect its warnings; each worker builds its own once.
    _, _, coder_warnings = coders_for(codebook, by, include_candidates=include_candidates, model=model)
    payload = CodebookPayload.of(codebook, include_candidates, by, model)
    shared = SharedInputs.of(plan)
    run_id = uuid.uuid4().hex[:8]
    work = start_dataset(output) if output is not None else None
    try:
        with dask_client(scheduler, client, workers, log, keep=output is None) as dask:
            # Inputs every batch shares go in as tasks, not scattered data: a worker that dies cannot lose
            # them (the scheduler can always recompute them), and each worker fetches them once.
            shared_f = dask.submit(_same, shared, key=f"qualcode-inputs-{run_id}")
            payload_f = dask.submit(_same, payload, key=f"qualcode-codebook-{run_id}")

            def submit(spec: BatchSpec):
                return dask.submit(run_batch, spec, shared_f, payload_f, options, None if work is None else str(work),
                                   key=f"qualcode-batch-{run_id}-{spec.index}-{spec.attempt}", retries=retries)

            futures, results, reruns = _run_batches(dask, distributed, specs, submit, progress, retries, log)
            ordered = [results[i] for i in sorted(results)]
            problems = list(plan.problems) + [p for r in ordered for p in r.problems]
            if plan.participants is None and any(r.sources for r in ordered):
                problems.insert(0, no_participants_warning(plan.root))
            check_loaded(plan.root, sum(len(r.sources) for r in ordered), problems, strict)
            if not any(r.participant_segments for r in ordered):
                raise QualcodeError(
                    "the corpus has no participant segments to code (only researcher turns or nothing at all); "
                    "check the speaker labels, or pass --include-researchers."
                )
            added = [row for r in ordered for row in r.added]
            groups = list(dict.fromkeys(
                ([] if plan.participants is None else list(plan.participants["group"])) + [row["group"] for row in added]
            ))
            run_warnings = _run_warnings(codebook, groups, include_candidates, by) + coder_warnings
            summary, report = _aggregates(dask, futures, ordered, groups, codebook)
            if work is not None:
                for future in futures.values():
                    future.release()
                path = finish_dataset(work, output, len(specs), force)
                work = None
                import dask.dataframe as dd

                codings = dd.read_parquet(str(path))
            else:
                import dask.dataframe as dd

                parts = [dask.submit(_codings_of, futures[i], key=f"qualcode-codings-{run_id}-{i}") for i in sorted(futures)]
                codings = dd.from_delayed(parts, meta=meta_frame(), verify_meta=False)
                path = None
    except BaseException:
        discard_dataset(work)
        raise
    for message in run_warnings:
        warnings.warn(message, stacklevel=2)
    return DaskCodingRun(codings, problems, run_warnings, codebook, summary, path, len(specs), reruns, report)


def _run_batches(dask, distributed, specs: dict, submit, progress, retries: int, log):
    """Run every batch, then re-run those that :func:`~qualcode.coding.batches.conflicts` names until none is left.

    Returns ``(futures, results, reruns)``; ``specs`` is updated with the specs that were re-run.
    """
    results: dict[int, BatchResult] = {}
    futures = {index: submit(spec) for index, spec in specs.items()}
    _wait(dask, distributed, futures, specs, results, progress, retries, len(specs))
    reruns = 0
    for _ in range(len(specs) + 1):  # each round makes at least one more batch exact
        _fill_keys(dask, futures, results)
        again = conflicts(specs, results)
        if not again:
            return futures, results, reruns
        if log:
            log(f"re-running {len(again)} batch(es) whose files name participants or source ids that earlier files added")
        reruns += len(again)
        redo = {}
        for spec in again:
            specs[spec.index] = spec
            futures[spec.index].release()
            futures[spec.index] = redo[spec.index] = submit(spec)
        _wait(dask, distributed, redo, specs, results, progress, retries, len(specs) + reruns)
    raise QualcodeError("the distributed load did not settle; run with the local engine.")  # pragma: no cover


def _same(value):
    return value


def _codings_of(result: BatchResult):
    return result.codings


def _took_of(result: BatchResult):
    return result.took


def _theme_people_of(result: BatchResult):
    return result.theme_people


def _wait(dask, distributed, futures: dict, specs: dict, results: dict, progress, retries: int, total: int) -> None:
    """Collect the (small) reports of ``futures`` as they finish, calling ``progress`` after each."""
    index_of = {future.key: index for index, future in futures.items()}
    reports = {dask.submit(BatchResult.report, future, key=f"{future.key}-report"): future.key for future in futures.values()}
    done = total - len(futures)
    for future in distributed.as_completed(list(reports)):
        index = index_of[reports[future]]
        try:
            results[index] = future.result()
        except QualcodeError:
            raise
        except Exception as exc:  # noqa: BLE001  (a worker-side failure after Dask's retries)
            raise _batch_error(specs[index], exc, retries) from exc
        finally:
            future.release()
        done += 1
        if progress:
            items = specs[index].items
            progress(done, total, items[-1][0] if items else "")


def _fill_keys(dask, futures: dict, results: dict) -> None:
    """Fetch the lookup keys of the batches that :func:`~qualcode.coding.batches.conflicts` must check (none
    unless some batch added participants), in one round trip."""
    wanted = needs_keys(results)
    if wanted:
        keys = dask.gather([dask.submit(BatchResult.keys, futures[i]) for i in wanted])
        for index, (pids, norms) in zip(wanted, keys):
            results[index].pids, results[index].norms = pids, norms


def _run_warnings(codebook: Codebook, groups: list, include_candidates: bool, by: str = "both") -> list[str]:
    from ..coding.coder import corpus_warnings

    # the warning that no node has rules comes from coders_for, as in a local run
    return corpus_warnings(codebook, SimpleNamespace(groups=groups))


def _aggregates(dask, futures: dict, ordered: list[BatchResult], groups: list, codebook: Codebook):
    """The study summary and the coding report: sums of per-batch counts on the driver, distinct
    participants (per group, per theme) counted on the cluster."""
    import dask.dataframe as dd
    import pandas as pd

    from ..coding.report import CodingReport
    from ..corpus.summary import summary_frame

    keys = sorted(futures)
    took = dd.from_delayed([dask.submit(_took_of, futures[i]) for i in keys],
                           meta=pd.DataFrame({"group": pd.Series(dtype=object), "participant_id": pd.Series(dtype=object)}),
                           verify_meta=False)
    theme_people = dd.from_delayed([dask.submit(_theme_people_of, futures[i]) for i in keys],
                                   meta=pd.DataFrame({"theme_id": pd.Series(dtype=object),
                                                      "participant_id": pd.Series(dtype=object)}),
                                   verify_meta=False)
    # Tree reductions into one small partition (at most one row per participant): no shuffle.
    took = took.drop_duplicates(split_out=1)
    per_group, everyone, per_theme_people = dask.compute([
        took.groupby("group", dropna=False).participant_id.count(),
        took.participant_id.count(),
        theme_people.drop_duplicates(split_out=1).groupby("theme_id").participant_id.count(),
    ], sync=True)
    counts: dict = {}
    total: dict = {}
    for result in ordered:
        for group, row in result.counts.items():
            slot = counts.setdefault(group, {})
            for column, value in row.items():
                slot[column] = slot.get(column, 0) + value
        for column, value in result.total.items():
            total[column] = total.get(column, 0) + value
    summary = summary_frame(groups, counts, total, per_group.to_dict(), int(everyone))
    themes = [n for n in codebook.themes if n.status != "retired"]
    rows = []
    for theme in themes:
        codings = sum(r.theme_counts.get(theme.id, [0, 0])[0] for r in ordered)
        segments = sum(r.theme_counts.get(theme.id, [0, 0])[1] for r in ordered)
        rows.append({"theme_id": theme.id, "theme": theme.label, "codings": codings, "segments": segments,
                     "participants": int(per_theme_people.get(theme.id, 0))})
    used = set().union(*(r.codes_used for r in ordered))
    report = CodingReport(
        segments=sum(r.segments for r in ordered),
        participant_segments=sum(r.participant_segments for r in ordered),
        coded_segments=sum(r.coded_segments for r in ordered),
        codings=sum(r.codings_count for r in ordered),
        per_theme=pd.DataFrame(rows, columns=["theme_id", "theme", "codings", "segments", "participants"]),
        unmatched=[n.id for n in codebook.active() if n.has_rules and n.id not in used],
    )
    return summary, report


def theme_aggregates(codings):
    """Per ``(group, theme, sub-theme, code, participant)``: ``codings``, ``segments`` and ``sources``
    counts, computed on the cluster from a Dask codings frame; the result is small (pandas).

    Theme tables and matrices are sums and distinct counts over this frame, so they need never load
    the codings themselves. A source lives in one partition, so per-partition counts add up exactly.
    """
    keys = ["group", "theme_id", "theme", "subtheme_id", "subtheme", "code_id", "code", "participant_id"]

    def per_partition(frame):
        grouped = frame.groupby([*keys, "source_id"], dropna=False, sort=False)
        return grouped.agg(codings=("segment_id", "size"), segments=("segment_id", "nunique")).reset_index()

    import pandas as pd

    meta = pd.DataFrame({**{k: pd.Series(dtype=object) for k in [*keys, "source_id"]},
                         "codings": pd.Series(dtype="int64"), "segments": pd.Series(dtype="int64")})
    parts = codings.map_partitions(per_partition, meta=meta)
    out = parts.groupby(keys, dropna=False).agg({"codings": "sum", "segments": "sum", "source_id": "count"})
    out = out.compute().rename(columns={"source_id": "sources"}).reset_index()
    return out.sort_values(keys, na_position="first", kind="stable").reset_index(drop=True)


def code(corpus_or_folder, codebook: Codebook, **options):
    """The codings of ``qualcode.code(..., engine="dask")``: a Dask DataFrame over the written dataset."""
    return apply_codebook_dask(corpus_or_folder, codebook, **options).codings

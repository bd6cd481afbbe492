"""The whole job: ingest a transcripts folder, code it with a codebook, and write every output.

>>> result = qualcode.run("transcripts_sample/", "codebooks/social_prescribing.yaml", "out/")   # doctest: +SKIP
>>> result.written            # {"codings": Path("out/codings.csv"), ...}                        # doctest: +SKIP

The outputs (:data:`~qualcode.reports.run_outputs.OUTPUTS`) go into one folder, which is created if missing. If any of them
already exists, nothing is done unless ``force=True``. The tables are computed once; then each
document is built and written atomically in turn (never a half-written file), so only one large
document is in memory at a time.
"""

from __future__ import annotations

from pathlib import Path

from .engines import entry
from .errors import QualcodeError
from .output import StagedFolder, remove_stale_temporaries
from .reports.run_outputs import (OUTPUTS, STEPS, RunResult, by_outputs, check_outputs, make_output_folder, prepare,
                                  write_outputs)

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from .codebook.model import Codebook


def run(folder: str | Path, codebook: "str | Path | Codebook | None", out_dir: str | Path, *, force: bool = False,
        by: str = "both", model: str | None = None, unit: str = "turn", include_researchers: bool = False,
        include_candidates: bool = False, long_turn_words: int = 200, jobs: int = 1, strict: bool = False,
        max_file_size: int = 50 * 1024 * 1024, title: str | None = None, study: str | None = None,
        progress: "Callable[[int, int, str], None] | None" = None, engine: str = "local",
        report_by: "list | None" = None, **dask_options) -> RunResult:
    """Ingest ``folder``, code it with ``codebook`` (a path or :class:`~qualcode.Codebook`), write
    every output (:data:`~qualcode.reports.run_outputs.OUTPUTS`) into ``out_dir``; return a :class:`RunResult`.

    ``by``: ``rules``, ``meaning`` or ``both`` (the default; see :func:`qualcode.coding.coder.combine`);
    ``model``: a local sentence-transformers folder for coding by meaning.

    ``progress(done, total, step)`` is called as each step (:data:`STEPS`) starts; the write step
    reports each output as ``write:<name>``. ``jobs`` processes code the segments and write the outputs.

    When ``folder`` holds a project (``qualcode init``, :class:`qualcode.Project`), the run uses the project's
    codebook (``codebook=None``; a different one is checked and adopted as ``Project.set_codebook`` does), stores
    the new machine codings in the project (re-anchoring people's codings on changed sources), and reports
    from :meth:`~qualcode.Project.analysis_codings`: suggestions nobody rejected, accepted codings and hand
    codings, each with its ``coding_id`` and ``status``.

    ``engine="dask"`` runs the job on a Dask cluster (:func:`qualcode.dask.run.run_dask`, which takes
    ``scheduler``, ``client``, ``workers``, ``batch_mb`` and ``log``) and writes :data:`qualcode.dask.run.OUTPUTS`;
    the engine is chosen through :data:`qualcode.engines.ENGINES`.

    >>> result = qualcode.run("transcripts_sample/", "codebooks/social_prescribing.yaml", tmp / "out")
    >>> sorted(p.name for p in (tmp / "out").iterdir())[:3]
    ['analysis.xlsx', 'codings.csv', 'excerpts_by_group.docx']
    """
    options = dict(force=force, by=by, model=model, unit=unit, include_researchers=include_researchers,
                   include_candidates=include_candidates, long_turn_words=long_turn_words, strict=strict,
                   max_file_size=max_file_size, title=title, study=study, progress=progress)
    if engine == "local":
        return run_local(folder, codebook, out_dir, jobs=jobs, report_by=report_by, **options, **dask_options)
    if report_by:
        raise QualcodeError("report_by (--by ATTRIBUTE) works with the local engine: the Dask codings dataset holds no "
                            "attribute columns. Run the breakdowns afterwards with `qualcode themes --by`.")
    from .project import has_project

    if has_project(folder):
        raise QualcodeError(f"{folder} holds a project (people's decisions and hand codings), which a run with "
                            "--engine dask does not read yet; run it on this machine (--jobs N), or copy the "
                            "transcripts without qualcode-project.db to run them on Dask.")
    if codebook is None:
        raise QualcodeError("give the codebook (-c codebook.yaml).")
    return entry(engine, "run")(folder, codebook, out_dir, **options, **dask_options)


def run_local(folder: str | Path, codebook: "str | Path | Codebook | None", out_dir: str | Path, *, force: bool = False,
              by: str = "both", model: str | None = None, unit: str = "turn", include_researchers: bool = False,
              include_candidates: bool = False,
              long_turn_words: int = 200, jobs: int = 1, strict: bool = False, max_file_size: int = 50 * 1024 * 1024,
              title: str | None = None, study: str | None = None,
              progress: "Callable[[int, int, str], None] | None" = None, report_by: "list | None" = None,
              **dask_options) -> RunResult:
    """:func:`run` on this machine, with ``jobs`` processes; ``report_by`` adds a theme table (csv, Word) and a
    comparison (xlsx) per attribute (:func:`~qualcode.reports.run_outputs.by_outputs`)."""
    if dask_options:
        raise QualcodeError(f"{', '.join(sorted(dask_options))}: only with engine='dask'.")
    from .codebook.model import Codebook
    from .coding.coder import apply_codebook, check_by
    from .corpus.loading import load_corpus
    from .corpus.segments import check_unit
    from .project import find_project

    def step(name: str) -> None:
        if progress:
            progress(STEPS.index(name.split(":")[0]), len(STEPS), name)

    out_dir = Path(out_dir)
    check_unit(unit)
    check_by(by)
    planned = check_outputs(out_dir, force, {**OUTPUTS, **by_outputs(report_by)})
    project = find_project(folder)
    if project is None and codebook is None:
        raise QualcodeError(f"{folder} has no project, so give the codebook (-c codebook.yaml), or make a project "
                            f"with `qualcode init {folder} -c codebook.yaml`.")
    book = codebook if isinstance(codebook, Codebook) or codebook is None else Codebook.from_yaml(codebook)
    if project is not None:
        if book is not None and book.to_string() != project.codebook.to_string():
            project.set_codebook(book)
        book = project.codebook
    make_output_folder(out_dir)
    step("read")
    corpus = load_corpus(folder, strict=strict, max_file_size=max_file_size)
    if report_by:
        check_report_by(corpus, report_by)
    step("code")
    coded = apply_codebook(corpus, book, by=by, model=model, unit=unit, include_researchers=include_researchers,
                           include_candidates=include_candidates, long_turn_words=long_turn_words, jobs=jobs)
    codings = coded.codings
    if project is not None:
        with project:
            project.refresh(corpus, codings)
            codings = project.analysis_codings()
    step("tables")
    tables = prepare(codings, book, corpus.summary(), title=title, study=study or Path(folder).resolve().name,
                     report_by=report_by, participants=corpus if report_by else None)
    remove_stale_temporaries(out_dir, [path.name for path in planned.values()])  # of runs killed before
    with StagedFolder(out_dir) as staging:  # the old set of outputs, or the new one: never a mix
        staged = {name: staging / path.name for name, path in planned.items()}
        write_outputs(tables, staged, force=force, step=step, jobs=jobs)
    written = dict(planned)
    return RunResult(written, corpus, codings, tables["themes"], coded.report(), list(coded.warnings),
                     list(corpus.problems))




def check_report_by(corpus, report_by) -> None:
    """Refuse, before coding, an attribute the corpus does not have (naming the closest and those it has)."""
    from .analysis.attributes import MAX_VALUES, check_by
    from .corpus.attributes import participant_table

    table = participant_table(corpus)
    for item in report_by:
        check_by(table, item, max_values=MAX_VALUES, what="this corpus")

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
from .reports.run_outputs import STEPS, RunResult, check_outputs, make_output_folder, prepare, write_outputs

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from .codebook.model import Codebook


def run(folder: str | Path, codebook: "str | Path | Codebook", out_dir: str | Path, *, force: bool = False,
        by: str = "both", model: str | None = None, unit: str = "turn", include_researchers: bool = False,
        include_candidates: bool = False, long_turn_words: int = 200, jobs: int = 1, strict: bool = False,
        max_file_size: int = 50 * 1024 * 1024, title: str | None = None, study: str | None = None,
        progress: "Callable[[int, int, str], None] | None" = None, engine: str = "local",
        **dask_options) -> RunResult:
    """Ingest ``folder``, code it with ``codebook`` (a path or :class:`~qualcode.Codebook`), write
    every output (:data:`~qualcode.reports.run_outputs.OUTPUTS`) into ``out_dir``; return a :class:`RunResult`.

    ``by``: ``rules``, ``meaning`` or ``both`` (the default; see :func:`qualcode.coding.coder.combine`);
    ``model``: a local sentence-transformers folder for coding by meaning.

    ``progress(done, total, step)`` is called as each step (:data:`STEPS`) starts; the write step
    reports each output as ``write:<name>``. ``jobs`` processes code the segments and write the outputs.

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
        return run_local(folder, codebook, out_dir, jobs=jobs, **options, **dask_options)
    return entry(engine, "run")(folder, codebook, out_dir, **options, **dask_options)


def run_local(folder: str | Path, codebook: "str | Path | Codebook", out_dir: str | Path, *, force: bool = False,
              by: str = "both", model: str | None = None, unit: str = "turn", include_researchers: bool = False, include_candidates: bool = False,
              long_turn_words: int = 200, jobs: int = 1, strict: bool = False, max_file_size: int = 50 * 1024 * 1024,
              title: str | None = None, study: str | None = None,
              progress: "Callable[[int, int, str], None] | None" = None, **dask_options) -> RunResult:
    """:func:`run` on this machine, with ``jobs`` processes."""
    if dask_options:
        raise QualcodeError(f"{', '.join(sorted(dask_options))}: only with engine='dask'.")
    from .codebook.model import Codebook
    from .coding.coder import apply_codebook, check_by
    from .corpus.loading import load_corpus
    from .corpus.segments import check_unit

    def step(name: str) -> None:
        if progress:
            progress(STEPS.index(name.split(":")[0]), len(STEPS), name)

    out_dir = Path(out_dir)
    check_unit(unit)
    check_by(by)
    planned = check_outputs(out_dir, force)
    book = codebook if isinstance(codebook, Codebook) else Codebook.from_yaml(codebook)
    make_output_folder(out_dir)
    step("read")
    corpus = load_corpus(folder, strict=strict, max_file_size=max_file_size)
    step("code")
    coded = apply_codebook(corpus, book, by=by, model=model, unit=unit, include_researchers=include_researchers,
                           include_candidates=include_candidates, long_turn_words=long_turn_words, jobs=jobs)
    step("tables")
    tables = prepare(coded.codings, book, corpus.summary(), title=title, study=study or Path(folder).resolve().name)
    remove_stale_temporaries(out_dir, [path.name for path in planned.values()])  # of runs killed before
    with StagedFolder(out_dir) as staging:  # the old set of outputs, or the new one: never a mix
        staged = {name: staging / path.name for name, path in planned.items()}
        write_outputs(tables, staged, force=force, step=step, jobs=jobs)
    written = dict(planned)
    return RunResult(written, corpus, coded.codings, tables["themes"], coded.report(), list(coded.warnings),
                     list(corpus.problems))



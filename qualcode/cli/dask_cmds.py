"""``qualcode code --engine dask``: the rendering of a distributed coding run (the library does the work)."""

from __future__ import annotations

from pathlib import Path

from .common import err_console, exit_for, print_report, progress_bar, report_problems, wrote


def code_on_dask(folder: Path, book, output: Path | None, *, scheduler: str | None, workers: int | None,
                 batch_mb: float, force: bool, strict: bool, max_file_size: float, **options) -> None:
    """Run :func:`qualcode.dask.engine.apply_codebook_dask`, show its progress, problems and report."""
    import warnings

    from ..dask.engine import apply_codebook_dask, require_dask
    from ..coding.dataset import check_dataset_path
    from ..errors import QualcodeError

    require_dask()
    if output is None:
        raise QualcodeError("--engine dask writes a partitioned Parquet dataset; give one with -o, "
                            "e.g. -o out/codings.parquet.")
    check_dataset_path(output, force)

    def log(message: str) -> None:
        err_console.print(message, highlight=False, soft_wrap=True)

    with progress_bar("Coding on Dask (batches)") as progress, warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        run = apply_codebook_dask(
            folder, book, output=output, force=force, scheduler=scheduler, workers=workers, batch_mb=batch_mb,
            strict=strict, max_file_size=int(max_file_size * 1024 * 1024), progress=progress, log=log, **options,
        )
    report_problems(run.problems)
    for message in run.warnings:
        err_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)
    report = run.report()
    wrote(run.path, f"{report.codings:,} codings in {run.batches} part(s), a Parquet dataset")
    print_report(report)
    exit_for(run)

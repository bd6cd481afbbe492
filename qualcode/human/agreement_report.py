"""Writing an :class:`~qualcode.human.agreement.AgreementReport` to docx, xlsx, csv or md.

:data:`AGREEMENT_WRITERS` maps a format to its writer. csv writes two files: the per-code table (with the
overall rows) at ``path`` and the disagreements next to it as ``<stem>-disagreements.csv``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import QualcodeError
from ..output import atomic_write, check_writable

STAT_COLUMNS = ("agreement", "kappa", "alpha", "char_agreement", "char_kappa")


def table(report, *, percent: bool = False):
    """The per-code table with the coders' names in the column headers (``only Alice``)."""
    frame = report.per_code.copy()
    if len(report.coders) == 2:
        a, b = report.coders
        frame = frame.rename(columns={"only_a": f"only {a}", "only_b": f"only {b}"})
    if percent:
        for column in ("agreement", "char_agreement"):
            frame[column] = frame[column].map(lambda v: "" if v != v else f"{100 * v:.1f}%")
        for column in ("kappa", "alpha", "char_kappa"):
            frame[column] = frame[column].map(lambda v: "" if v != v else f"{v:.2f}")
        frame = frame.rename(columns={"agreement": "% agreement", "char_agreement": "% agreement (characters)",
                                      "char_kappa": "kappa (characters)", "band": "band (Landis & Koch)",
                                      "alpha_band": "alpha band (Krippendorff)"})
    else:
        for column in STAT_COLUMNS:
            frame[column] = frame[column].round(4)
    return frame.drop(columns=["code_id"]) if percent else frame


def summary_lines(report) -> list[str]:
    pooled = report.overall.iloc[0]
    lines = [
        f"Coders: {', '.join(report.coders)}. Unit: {report.unit}; compared at the {report.level} level.",
        f"{int(pooled['units']) // max(int(pooled['codes']), 1):,} units in {int(pooled['sources'])} sources, "
        f"{int(pooled['codes'])} codes. A unit counts as coded with a code when any coding of it overlaps the unit.",
        f"All codes pooled: {100 * pooled['agreement']:.1f}% agreement, kappa {pooled['kappa']:.2f} "
        f"({pooled['band'] or 'n/a'}), Krippendorff's alpha {pooled['alpha']:.2f} ({pooled['alpha_band'] or 'n/a'}).",
    ]
    return lines + list(report.notes)


def _disagreement_view(report):
    frame = report.disagreements
    return frame[["code", "source_id", "label", "coded_by", "not_coded_by", "excerpt"]].rename(
        columns={"source_id": "source", "label": "speaker"})


def _docx(report, path: Path) -> None:
    import docx

    from ..writers.word import add_table, clean

    document = docx.Document()
    document.add_heading("Inter-coder agreement", level=1)
    for line in summary_lines(report):
        document.add_paragraph(clean(line))
    document.add_heading("Agreement per code", level=2)
    add_table(document, table(report, percent=True), font_pt=8)
    document.add_heading("Disagreements", level=2)
    if report.disagreements.empty:
        document.add_paragraph("The coders agree on every unit.")
    view = _disagreement_view(report)
    for code, part in view.groupby("code", sort=False):
        document.add_heading(clean(code), level=3)
        add_table(document, part.drop(columns=["code"]), widths_cm=[2.5, 2.5, 2.5, 2.5, 8], font_pt=8)
    document.save(path)


def _xlsx(report, path: Path) -> None:
    import pandas as pd

    from ..writers.tables import write_sheets

    write_sheets({"agreement per code": table(report), "disagreements": report.disagreements,
                  "notes": pd.DataFrame({"note": summary_lines(report)})}, path)


def _md(report, path: Path) -> None:
    from ..writers.tables import markdown, md_text

    parts = ["# Inter-coder agreement", "", *map(md_text, summary_lines(report)), "", "## Agreement per code", "",
             markdown(table(report, percent=True)), "", "## Disagreements", ""]
    if report.disagreements.empty:
        parts.append("The coders agree on every unit.")
    for code, part in _disagreement_view(report).groupby("code", sort=False):
        parts += [f"### {md_text(code)}", "", markdown(part.drop(columns=["code"])), ""]
    path.write_text("\n".join(str(p) for p in parts) + "\n", encoding="utf-8")


def disagreements_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}-disagreements{path.suffix}")


#: Format name -> writer(report, path).
AGREEMENT_WRITERS = {"docx": _docx, "xlsx": _xlsx, "md": _md, "csv": None}


def write_agreement(report, path, fmt: str | None = None, *, force: bool = False) -> list[Path]:
    """Write ``report`` to ``path`` (format from ``fmt`` or the suffix); return the files written."""
    path = Path(path)
    fmt = fmt or {"markdown": "md"}.get(path.suffix.lower().lstrip("."), path.suffix.lower().lstrip("."))
    if fmt not in AGREEMENT_WRITERS:
        raise QualcodeError(f"{path}: agreement reports are written as {', '.join(AGREEMENT_WRITERS)}; "
                            "change the suffix or --format.")
    if fmt == "csv":
        second = disagreements_path(path)
        check_writable(path, force)
        check_writable(second, force)
        from ..writers.cells import write_csv

        first = atomic_write(path, lambda tmp: write_csv(table(report), tmp), force=force)
        return [first, atomic_write(second, lambda tmp: write_csv(report.disagreements, tmp), force=force)]
    return [atomic_write(path, lambda tmp: AGREEMENT_WRITERS[fmt](report, tmp), force=force)]

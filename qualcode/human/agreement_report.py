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


#: The key figures per code in the Word report, with their headers in words and column widths (cm).
_KEY_FIGURES = [("code", "Code", 5.8), ("theme", "Theme", 4.8), ("both", "Coded by both", 2.0),
                ("only_a", "Only {a}", 2.2), ("only_b", "Only {b}", 2.2), ("agreement", "% agreement", 2.7),
                ("kappa", "Cohen's kappa", 2.0), ("band", "Agreement (Landis & Koch)", 4.0)]


def _key_figures(report):
    """One short row per code: who coded it, % agreement, kappa and its band in words."""
    import pandas as pd

    frame = report.per_code
    a, b = (report.coders + ["", ""])[:2]
    out = pd.DataFrame({
        header.format(a=a, b=b): (
            frame[column].map(lambda v: "" if v != v else f"{100 * v:.1f}%") if column == "agreement" else
            frame[column].map(lambda v: "" if v != v else f"{v:.2f}") if column == "kappa" else
            frame[column].map(lambda v: "" if v != v else f"{int(v):,}") if column in ("both", "only_a", "only_b") else
            frame[column].fillna("").astype(str)
        ) for column, header, _ in _KEY_FIGURES if column in frame.columns
    })
    return out, [w for column, _, w in _KEY_FIGURES if column in frame.columns]


def _docx(report, path: Path, *, title: str = "Inter-coder agreement", study: str = "") -> None:
    """A landscape methods-appendix report: a title page, the figures in words, a short table of key
    figures per code, and each code's disagreements with their excerpts."""
    from ..display import plural
    from ..version import __version__
    from ..writers.docx_layout import HEADER_FILL, new_document, page_break, text_width
    from ..writers.word import BodyWriter, add_table, clean

    class _Info:  # what the page layout needs to know of the report
        pass

    info = _Info()
    info.title, info.study = title, study
    document = new_document(info, landscape=True)
    body = BodyWriter(document)
    pooled = report.overall.iloc[0]
    body.paragraph(title, "Title")
    if study:
        body.paragraph(study, "Subtitle")
    facts = [("Coders", " and ".join(report.coders)), ("Unit", f"{report.unit}, compared at the {report.level} level"),
             ("Units compared", f"{int(pooled['units']) // max(int(pooled['codes']), 1):,} units in "
                                f"{plural(int(pooled['sources']), 'source')}"),
             ("Codes", f"{int(pooled['codes']):,}"), ("Date", _today()), ("Produced with", f"qualcode {__version__}")]
    for label, value in facts:
        body.paragraph([(f"{label}: ", {"bold": True}), (clean(value), {})])
    body.paragraph("For a methods appendix: how far two coders agreed, code by code, with the passages where "
                   "they did not.", "Note")
    body.flush()
    page_break(body)
    body.paragraph("Summary", "Heading 1")
    for line in summary_lines(report):
        body.paragraph(clean(line))
    body.paragraph("Kappa bands (Landis & Koch, 1977): below 0 poor, up to 0.20 slight, 0.21-0.40 fair, "
                   "0.41-0.60 moderate, 0.61-0.80 substantial, above 0.80 almost perfect. Krippendorff's alpha: "
                   "0.80 and above reliable, 0.667-0.80 tentative, below 0.667 unreliable.", "Note")
    body.paragraph("Agreement per code", "Heading 2")
    body.flush()
    figures, widths = _key_figures(report)
    scale = text_width(document.sections[0]) / sum(widths)
    add_table(document, figures, widths_cm=[w * scale for w in widths], font_pt=9, header_fill=HEADER_FILL)
    body = BodyWriter(document)
    body.paragraph("Disagreements", "Heading 1")
    if report.disagreements.empty:
        body.paragraph("The coders agree on every unit.")
    view = _disagreement_view(report)
    width = text_width(document.sections[0])
    for code, part in view.groupby("code", sort=False):
        body.paragraph(f"{clean(code)} ({plural(len(part), 'disagreement')})", "Heading 2")
        body.flush()
        shown = part.drop(columns=["code"]).rename(columns={"source": "Source", "speaker": "Speaker",
                                                            "coded_by": "Coded by", "not_coded_by": "Not coded by",
                                                            "excerpt": "Excerpt"})
        add_table(document, shown, widths_cm=[2.6, 3.4, 2.4, 2.4, width - 10.8], font_pt=9, header_fill=HEADER_FILL)
        body = BodyWriter(document)
    body.flush()
    document.save(path)


def _today() -> str:
    import datetime as dt

    day = dt.date.today()
    return f"{day.day} {day:%B %Y}"


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

"""REFI-QDA interoperability: projects (``.qdpx``) and codebooks (``.qdc``) shared with NVivo, ATLAS.ti,
MAXQDA and QualCoder.

>>> corpus, codebook, codings = qualcode.read_qdpx("project.qdpx")                   # doctest: +SKIP
>>> qualcode.write_qdpx(corpus, codebook, codings, "study.qdpx")                    # doctest: +SKIP
>>> qualcode.write_qdc(codebook, "codebook.qdc"); qualcode.read_qdc("codebook.qdc")  # doctest: +SKIP

Layer 4: imports the corpus, the codebook, coding, human coding, the writers and the base modules; never
analysis, reports, the notebook layer, Dask, the pipeline or the CLI.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import QualcodeError
from .qdc import import_qdc, read_qdc, write_qdc
from .report import RefiReport
from .memos import MEMO_COLUMNS, memos_frame
from .study import QdpxRead, import_qdpx, read_qdpx, read_study_extras
from .taguette import taguette_codebook, write_taguette_codebook
from .writer import read_codings_files, write_qdpx

#: File suffix -> importer writing qualcode files (a study folder, or codebook YAML).
IMPORTERS = {".qdpx": import_qdpx, ".qde": import_qdpx, ".qdc": import_qdc}


def import_refi(path, out, *, force: bool = False, base=None, **project_options) -> RefiReport:
    """Import a ``.qdpx``/``.qde`` project into study folder ``out``, or a ``.qdc`` codebook into YAML ``out``.

    ``project_options`` (``group_variable``, ``limits``, ``strict``) apply to projects only.
    """
    suffix = Path(path).suffix.lower()
    importer = IMPORTERS.get(suffix)
    if importer is None:
        raise QualcodeError(f"{path}: qualcode imports REFI-QDA projects (.qdpx, or a bare .qde) and codebooks (.qdc), "
                            f"not {suffix or 'files without a suffix'}.")
    if importer is import_qdc:
        if Path(out).suffix.lower() not in (".yaml", ".yml"):
            raise QualcodeError(f"{out}: a .qdc codebook is imported as YAML; name the output e.g. codebook.yaml.")
        return import_qdc(path, out, force=force, base=base)
    return importer(path, out, force=force, base=base, **project_options)


__all__ = ["IMPORTERS", "MEMO_COLUMNS", "QdpxRead", "RefiReport", "import_qdc", "import_qdpx", "import_refi",
           "memos_frame", "read_codings_files", "read_qdc", "read_qdpx", "read_study_extras", "taguette_codebook", "write_qdc", "write_qdpx", "write_taguette_codebook"]

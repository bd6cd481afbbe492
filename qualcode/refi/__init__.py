"""REFI-QDA interoperability: projects (``.qdpx``) and codebooks (``.qdc``) shared with NVivo, ATLAS.ti,
MAXQDA and QualCoder.

>>> corpus, codebook, codings = qualcode.read_qdpx("project.qdpx")                   # doctest: +SKIP
>>> qualcode.write_qdpx(corpus, codebook, codings, "study.qdpx")                    # doctest: +SKIP
>>> qualcode.write_qdc(codebook, "codebook.qdc"); qualcode.read_qdc("codebook.qdc")  # doctest: +SKIP
"""

from __future__ import annotations

from .qdc import read_qdc, write_qdc
from .report import RefiReport
from .study import import_qdpx, read_qdpx
from .writer import write_qdpx

__all__ = ["RefiReport", "import_qdpx", "read_qdc", "read_qdpx", "write_qdc", "write_qdpx"]

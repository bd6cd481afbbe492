"""qualcode: qualitative thematic analysis of interview, focus-group and survey transcripts.

>>> import qualcode
>>> corpus = qualcode.load_corpus("transcripts_sample/")   # doctest: +SKIP
>>> corpus.summary()                                        # doctest: +SKIP
"""

from __future__ import annotations

from .agreement import agreement
from .codebook import Codebook
from .codebook_diff import diff_codebooks
from .coding import apply_codebook, code
from .codings import read_codings_table, write_codings
from .corpus import Corpus
from .discovery import Discoverer, discover
from .errors import (
    CodebookError,
    CodingsError,
    ManifestError,
    NotFittedError,
    OutputExistsError,
    QualcodeError,
    SourceFormatError,
    UnsafeArchiveError,
)
from .human import read_codings
from .language import nlp
from .loading import CorpusError, load_corpus
from .merge import merge_codings, read_any_codings
from .suggest import Suggester
from .saturation import saturation

__version__ = "0.1.0"

#: REFI-QDA functions, imported on first use so that ``import qualcode`` stays fast.
_LAZY = {name: "qualcode.refi" for name in ("read_qdpx", "write_qdpx", "import_qdpx", "read_qdc", "write_qdc")}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")


__all__ = [
    "Codebook",
    "Suggester",
    "Corpus",
    "CorpusError",
    "Discoverer",
    "CodebookError",
    "CodingsError",
    "ManifestError",
    "NotFittedError",
    "OutputExistsError",
    "QualcodeError",
    "SourceFormatError",
    "UnsafeArchiveError",
    "agreement",
    "apply_codebook",
    "code",
    "diff_codebooks",
    "discover",
    "load_corpus",
    "merge_codings",
    "nlp",
    "read_any_codings",
    "import_qdpx",
    "read_codings",
    "read_codings_table",
    "read_qdc",
    "read_qdpx",
    "saturation",
    "write_codings",
    "write_qdc",
    "write_qdpx",
]

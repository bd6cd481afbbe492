"""qualcode: qualitative thematic analysis of interview, focus-group and survey transcripts.

>>> import qualcode
>>> corpus = qualcode.load_corpus("transcripts_sample/")   # doctest: +SKIP
>>> corpus.summary()                                        # doctest: +SKIP
"""

from __future__ import annotations

from .codebook import Codebook
from .coding import apply_codebook, code
from .codings import read_codings_table, write_codings
from .corpus import Corpus
from .excerpts import excerpt_table
from .matrix import framework_matrix
from .pipeline import run
from .themes import theme_table
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

__version__ = "0.1.0"

__all__ = [
    "Codebook",
    "Corpus",
    "CorpusError",
    "CodebookError",
    "CodingsError",
    "ManifestError",
    "NotFittedError",
    "OutputExistsError",
    "QualcodeError",
    "SourceFormatError",
    "UnsafeArchiveError",
    "apply_codebook",
    "code",
    "excerpt_table",
    "framework_matrix",
    "load_corpus",
    "nlp",
    "read_codings",
    "read_codings_table",
    "run",
    "theme_table",
    "write_codings",
]

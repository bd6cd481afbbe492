"""qualcode: qualitative thematic analysis of interview, focus-group and survey transcripts.

>>> import qualcode
>>> corpus = qualcode.load_corpus("transcripts_sample/")   # doctest: +SKIP
>>> corpus.summary()                                        # doctest: +SKIP
"""

from __future__ import annotations

from .corpus import Corpus
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
from .language import nlp
from .loading import CorpusError, load_corpus

__version__ = "0.1.0"

__all__ = [
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
    "load_corpus",
    "nlp",
]

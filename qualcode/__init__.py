"""qualcode: qualitative thematic analysis of interview, focus-group and survey transcripts.

>>> import qualcode
>>> corpus = qualcode.load_corpus("transcripts_sample/")
>>> codebook = qualcode.Codebook.from_yaml("codebooks/social_prescribing.yaml")
>>> codings = qualcode.code(corpus, codebook)              # the codings table: one row per (segment, code)
>>> table = qualcode.theme_table(codings, codebook, corpus.summary())
>>> codings.qc.excerpts("buddying", group="Clients").shape[0] > 0
True

In Jupyter, a corpus, a codebook and ``codings.qc`` show themselves as rich tables, and ``%load_ext
qualcode`` shows a :class:`QualcodeError` as one short message (see :mod:`qualcode.notebook.jupyter`). Plots are in
:mod:`qualcode.reports.plots` (also ``qualcode.plots``); the questions ``codings.qc`` answers are in
:mod:`qualcode.analysis.queries` (also ``qualcode.queries``). The README's "How the code is laid out" says
which subpackage holds what.

``import qualcode`` loads neither pandas, spaCy, scikit-learn nor matplotlib: each is imported by the first
function that needs it.
"""

from __future__ import annotations

from .analysis.saturation import saturation
from .codebook.diff import diff_codebooks
from .codebook.model import Codebook
from .coding.coder import apply_codebook
from .coding.booktest import codebook_test
from .coding.table import read_codings_table, write_codings
from .corpus.corpus import Corpus
from .corpus.loading import CorpusError, load_corpus
from .discovery.discoverer import Discoverer, discover
from .engines import code, excerpt_table, framework_matrix, theme_table
from .errors import (
    CodebookError,
    CodingsError,
    ManifestError,
    NotCodingsTableError,
    NotFittedError,
    OutputExistsError,
    ProjectError,
    QualcodeError,
    SourceFormatError,
    UnsafeArchiveError,
)
from .human.agreement import agreement
from .human.codings import read_codings
from .human.merge import merge_codings, read_any_codings
from .human.suggest import Suggester
from .language import nlp
from .notebook import pandas_hook as _pandas_hook  # the notebook layer: displays registered, DataFrame.qc below
from .pipeline import run
from .version import __version__

#: Names imported on first use, so that ``import qualcode`` stays fast: name -> module.
_LAZY = {
    **{name: "qualcode.refi" for name in ("read_qdpx", "write_qdpx", "import_qdpx", "read_qdc", "write_qdc")},
    **{name: "qualcode.reports.exports" for name in ("export_themes", "export_matrix", "export_excerpts")},
    **{name: "qualcode.codebook.edit" for name in ("merge_candidates", "add_node", "rename_node", "move_node",
                                                   "retire_node", "add_rule")},
    "search": "qualcode.analysis.search", "word_frequencies": "qualcode.analysis.words",
    "compare": "qualcode.analysis.compare",
    **{name: "qualcode.corpus.attributes" for name in ("with_attributes", "attribute_table")},
    **{name: "qualcode.reports.queries" for name in ("export_search", "export_words", "export_compare")},
    "Project": "qualcode.project",
}
#: Submodules reachable as attributes after ``import qualcode`` (imported on first use).
_SUBMODULES = {"plots": "qualcode.reports.plots", "queries": "qualcode.analysis.queries",
               "jupyter": "qualcode.notebook.jupyter", "embedding": "qualcode.embedding"}

_pandas_hook.install()  # DataFrame.qc, registered when pandas is first imported


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(_SUBMODULES[name])
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


def load_ipython_extension(ipython) -> None:
    """``%load_ext qualcode``: short error messages for QualcodeError (see :mod:`qualcode.notebook.jupyter`)."""
    from .notebook.jupyter import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython) -> None:
    """``%unload_ext qualcode``: full tracebacks again."""
    from .notebook.jupyter import unload_ipython_extension as unload

    unload(ipython)


__all__ = [
    "Codebook",
    "Suggester",
    "Corpus",
    "CorpusError",
    "Discoverer",
    "CodebookError",
    "CodingsError",
    "ManifestError",
    "NotCodingsTableError",
    "NotFittedError",
    "OutputExistsError",
    "Project",
    "ProjectError",
    "QualcodeError",
    "SourceFormatError",
    "UnsafeArchiveError",
    "add_node",
    "add_rule",
    "agreement",
    "attribute_table",
    "compare",
    "export_compare",
    "export_search",
    "export_words",
    "search",
    "with_attributes",
    "word_frequencies",
    "apply_codebook",
    "codebook_test",
    "code",
    "diff_codebooks",
    "discover",
    "excerpt_table",
    "export_excerpts",
    "export_matrix",
    "export_themes",
    "framework_matrix",
    "import_qdpx",
    "load_corpus",
    "merge_candidates",
    "merge_codings",
    "move_node",
    "nlp",
    "read_any_codings",
    "read_codings",
    "read_codings_table",
    "read_qdc",
    "read_qdpx",
    "rename_node",
    "retire_node",
    "run",
    "saturation",
    "theme_table",
    "write_codings",
    "write_qdc",
    "write_qdpx",
]

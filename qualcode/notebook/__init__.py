"""The notebook layer: how qualcode's objects show themselves in Jupyter, ``codings.qc``, and ``%load_ext qualcode``.

:mod:`.reprs` (the rich HTML displays; registered with :mod:`qualcode.display` when this package is
imported, which ``import qualcode`` does), :mod:`.accessor` (the ``DataFrame.qc`` accessor),
:mod:`.pandas_hook` (registers it when pandas is first imported), :mod:`.jupyter` (short error messages).

Layer 4: imports analysis, human coding, discovery, coding, the corpus, the codebook and the base modules;
never reports, REFI-QDA, Dask, the pipeline or the CLI. Importing this package loads no pandas.
"""

from ..display import register as _register
from .reprs import RENDERERS as _RENDERERS

for _kind, _render in _RENDERERS.items():
    _register(_kind, _render)

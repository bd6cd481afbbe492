"""Registers ``DataFrame.qc`` (:mod:`qualcode.notebook.accessor`) without importing pandas at ``import qualcode``.

If pandas is already imported, the accessor is registered at once. Otherwise a finder placed first on
``sys.meta_path`` waits for ``import pandas``, lets the normal finders load it, and registers the
accessor as soon as the pandas module has finished executing; then it removes itself. The cost to
``import qualcode`` is one small class and one list insertion.
"""

from __future__ import annotations

import sys


def _register() -> None:
    try:
        # Importing the module registers the accessor; if the module is what is importing pandas right
        # now, this returns the half-loaded module and its last line registers the accessor.
        import importlib

        importlib.import_module("qualcode.notebook.accessor")
    except Exception as exc:  # never let the accessor break ``import pandas``
        import warnings

        warnings.warn(f"qualcode could not register the DataFrame.qc accessor: {exc}", RuntimeWarning, stacklevel=2)


class _AfterPandas:
    """A one-shot meta path finder: for ``pandas``, the real spec with a loader that registers the accessor
    after it. (Not an ``importlib.abc.MetaPathFinder`` subclass: importing that costs more than the rest.)"""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "pandas":
            return None
        import importlib.util

        _uninstall()
        spec = importlib.util.find_spec("pandas")
        loader = getattr(spec, "loader", None) if spec else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        execute = loader.exec_module

        def exec_module(module):
            execute(module)
            _register()

        loader.exec_module = exec_module
        return spec


_FINDER = _AfterPandas()


def _uninstall() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def install() -> None:
    """Register the accessor now if pandas is loaded, else as soon as it is."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and hasattr(pandas, "DataFrame"):
        _register()
    elif _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)

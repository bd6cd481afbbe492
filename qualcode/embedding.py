"""The one place qualcode loads a sentence-embedding model (for coding by meaning and for the Suggester).

:func:`model` returns a cached :class:`Embedder` (built once per process; ``--jobs`` workers and Dask
workers each build their own once). The default is the static embedding model that the ``wordllama``
package ships inside its wheel (256 dimensions, about 16 MB of weights and its tokenizer): nothing is
downloaded, nothing is fetched from a model hub. A stronger model a user has installed locally, such as a
sentence-transformers model folder, is chosen with ``model(path)`` (``--model PATH`` on the CLI) or the
environment variable ``QUALCODE_EMBEDDING_MODEL``; it needs the ``sentence-transformers`` package.

>>> vectors = qualcode.embedding.model().embed(["The link worker referred me.", "The food was cold."])
>>> vectors.shape
(2, 256)
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from .errors import QualcodeError

DEFAULT_NAME = "wordllama-l2_supercat-256"


class Embedder:
    """A loaded model: :meth:`embed` turns texts into unit-length float32 rows; :attr:`name` names it."""

    def __init__(self, name: str, encode, dim: int):
        self.name, self._encode, self.dim = name, encode, dim

    def embed(self, texts, batch_size: int = 256):
        """A ``len(texts) x dim`` float32 array of unit-length vectors (zeros for empty texts)."""
        import numpy as np

        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Batches of similar length: the models pad each batch to its longest text.
        order = np.argsort([len(t) for t in texts], kind="stable")
        for lo in range(0, len(texts), batch_size):
            rows = order[lo : lo + batch_size]
            vectors = np.asarray(self._encode([texts[i] for i in rows]), dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            out[rows] = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        return out

    def __repr__(self) -> str:
        return f"<Embedder {self.name} ({self.dim} dimensions)>"


@functools.lru_cache(maxsize=None)
def model(path: str | None = None) -> Embedder:
    """The shared :class:`Embedder` (cached per process): the wordllama model shipped in its wheel, or
    the sentence-transformers model in the folder ``path`` (or ``QUALCODE_EMBEDDING_MODEL``)."""
    path = path or os.environ.get("QUALCODE_EMBEDDING_MODEL") or None
    if path:
        return _sentence_transformer(str(path))
    return _wordllama()


def _wordllama() -> Embedder:
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError:
        raise QualcodeError(
            "coding by meaning needs the 'wordllama' package (its wheel holds the embedding model); "
            "install it with `pip install wordllama`, or code by rules only (--by rules)."
        ) from None
    folder = Path(wordllama.__file__).parent
    try:
        # The loader looks for the tokenizer under cache_dir; the wheel keeps it in the package folder.
        loaded = WordLlama.load(config="l2_supercat", dim=256, cache_dir=folder, disable_download=True)
    except Exception as exc:  # noqa: BLE001 - any failure of a third-party loader becomes one clear message
        raise QualcodeError(
            f"the embedding model of the 'wordllama' package could not be loaded from {folder} ({exc}); "
            "reinstall it with `pip install --force-reinstall wordllama`, or code by rules only (--by rules)."
        ) from None
    version = getattr(wordllama, "__version__", "")
    name = DEFAULT_NAME + (f"@{version}" if version else "")
    return Embedder(name, _mean_pooler(loaded.embedding, loaded.tokenizer), int(loaded.embedding.shape[1]))


def _mean_pooler(table, tokenizer):
    """The mean of each text's token vectors, as wordllama's own ``embed`` computes it (its tokens, no special
    tokens), but as one sparse token-count matrix times the vector table: no batch padded to its longest
    text, no ``texts x tokens x dimensions`` array (about 1.8 times as fast; see docs/meaning.md)."""
    import itertools

    import numpy as np
    from scipy import sparse

    table = np.ascontiguousarray(table, dtype=np.float32)
    tokenizer.no_padding()
    # The same ids without each token's character offsets, which pooling never reads (tokenizers >= 0.20).
    encode_batch = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)

    def encode(texts):
        encoded = encode_batch(list(texts), add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(encoded))
        ids = np.fromiter(itertools.chain.from_iterable(e.ids for e in encoded), dtype=np.int64,
                          count=int(lengths.sum()))
        np.clip(ids, 0, table.shape[0] - 1, out=ids)  # as wordllama does with an id beyond its table
        starts = np.concatenate([[0], np.cumsum(lengths)])
        counts = sparse.csr_matrix((np.ones(len(ids), dtype=np.float32), ids, starts),
                                   shape=(len(encoded), table.shape[0]))
        return np.asarray(counts @ table) / np.maximum(lengths, 1)[:, None].astype(np.float32)

    return encode


def _sentence_transformer(path: str) -> Embedder:
    if not Path(path).exists():
        raise QualcodeError(f"{path}: no such model folder; give the folder of a sentence-transformers model "
                            "saved on this machine (--model), or leave --model out to use the built-in model.")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise QualcodeError(
            f"--model {path}: a local model folder needs the 'sentence-transformers' package; install it with "
            "`pip install sentence-transformers`, or leave --model out to use the built-in model."
        ) from None
    try:
        loaded = SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception as exc:  # noqa: BLE001
        raise QualcodeError(f"{path}: sentence-transformers could not load this model folder ({exc}); "
                            "check it holds a saved sentence-transformers model.") from None
    dim = int(loaded.get_sentence_embedding_dimension() or len(loaded.encode(["x"])[0]))
    return Embedder(f"st:{Path(path).name}", lambda texts: loaded.encode(list(texts), show_progress_bar=False), dim)


def model_name(path: str | None = None) -> str:
    """The name of the model :func:`model` loads, for coder names and reports."""
    return model(path).name

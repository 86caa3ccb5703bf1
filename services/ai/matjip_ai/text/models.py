"""The text models a running service holds: one embedder and one term analyser, loaded once at start-up."""

import os
from dataclasses import dataclass

from matjip_ai.domain.embedding import Embedder, TermAnalyzer


@dataclass(frozen=True)
class TextModels:
    embedder: Embedder
    analyzer: TermAnalyzer


def load_text_models() -> TextModels:
    """Load both (blocking, about a second). Run once at start-up, off the event loop."""
    # Belt and braces: nothing here talks to the Hugging Face Hub, and nothing must ever try to.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    limit_blas_threads()
    from matjip_ai.text.e5 import E5Embedder
    from matjip_ai.text.morphology import MecabTerms

    return TextModels(embedder=E5Embedder(), analyzer=MecabTerms())


def limit_blas_threads() -> None:
    """One BLAS thread for numpy's products (the question against a store's review vectors), unless
    OPENBLAS_NUM_THREADS/OMP_NUM_THREADS says otherwise. The products are small, and on a busy or
    CPU-limited machine OpenBLAS's spinning threads made them about ten times slower (measured with the
    earlier MiniLM encoder: 470 ms with 2 threads against 50 ms with 1). Requests run in parallel in worker
    threads instead."""
    if "OPENBLAS_NUM_THREADS" in os.environ or "OMP_NUM_THREADS" in os.environ:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # process-wide until changed, not just a block

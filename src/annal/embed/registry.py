"""Encoders by name: :data:`ENCODERS` and :func:`get_encoder`, which builds one from a spec."""

from __future__ import annotations

from annal.embed.base import Encoder
from annal.embed.sentence import DEFAULT_MODEL, SentenceTransformerEncoder
from annal.embed.tfidf import TfidfEncoder
from annal.registry import Registry
from annal.spec import split_spec

#: Encoder classes by spec name; any other name is a sentence-transformers model.
ENCODERS: Registry = Registry(
    "encoder", {"tfidf": TfidfEncoder, "sentence-transformers": SentenceTransformerEncoder}
)


def get_encoder(spec: str | None = None, *, progress: bool = True) -> Encoder:
    """The encoder a spec string names.

    Parameters
    ----------
    spec : str or None
        ``None`` / ``"minilm"`` / ``"all-MiniLM-L6-v2"``: the bundled MiniLM.
        ``"tfidf"`` or ``"tfidf?dim=256&ngram_max=2"``: :class:`TfidfEncoder`.
        A local model folder or a hub name: :class:`SentenceTransformerEncoder`
        (parameters ``batch_size``, ``normalize``, ``device``, ``max_seq_length``).
    progress : bool
        Progress bar for sentence-transformers encoders.

    Returns
    -------
    Encoder

    Raises
    ------
    AnnalError
        Unknown parameter or bad value, a malformed spec, or a model path that does not exist.
    """
    name, pairs = split_spec(str(spec or DEFAULT_MODEL).strip(), "model spec")
    params = dict(pairs)
    if name.lower() in ENCODERS:
        return ENCODERS.build(name.lower(), params)
    params.pop("model", None)
    params.pop("progress", None)
    encoder = ENCODERS.build("sentence-transformers", params, model=name, progress=progress)
    encoder.name  # noqa: B018 - resolve now so a missing model path fails here
    return encoder

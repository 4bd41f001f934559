"""Build an encoder from a spec string: :func:`get_encoder`."""

from __future__ import annotations

from annal.embed.base import Encoder, parse_model_spec
from annal.embed.sentence import DEFAULT_MODEL, SentenceTransformerEncoder
from annal.embed.tfidf import TfidfEncoder
from annal.errors import AnnalError

_ST_PARAMS = ("batch_size", "normalize", "device", "max_seq_length")
_TFIDF_PARAMS = ("dim", "max_features", "ngram_max", "min_df", "sublinear_tf", "normalize", "seed")


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
        Unknown parameter, a malformed spec, or a model path that does not exist.
    """
    name, params = parse_model_spec(spec or DEFAULT_MODEL)
    if name.lower() == "tfidf":
        _check_params(spec, params, _TFIDF_PARAMS)
        return TfidfEncoder(**params)
    _check_params(spec, params, _ST_PARAMS)
    encoder = SentenceTransformerEncoder(name, progress=progress, **params)
    encoder.name  # noqa: B018 - resolve now so a missing model path fails here
    return encoder


def _check_params(spec: str | None, params: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise AnnalError(
            f"model spec {spec!r}: unknown parameter(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(allowed)}"
        )

"""Index spec strings: one short string names a whole index configuration.

Grammar: ``backend[?name=value(&name=value)*]``, e.g. ``exact?metric=cosine``,
``faiss:ivf?nlist=100&nprobe=10&metric=cosine`` or ``annoy?trees=100&metric=angular``.
:func:`parse_spec` validates the backend, every parameter name and every value in one
place, and ``str(parse_spec(s)) == s`` for every valid ``s`` (parameters keep the order
and the spelling they were given in), so a spec printed in a result table or a plot
legend can be pasted back to rebuild the same index. Unset parameters take the defaults
listed in :data:`BACKENDS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annal.errors import AnnalError

#: The canonical metric names every index reports in ``VectorIndex.metric``.
METRICS = ("cosine", "ip", "l2")

#: Annoy's own metric names, accepted by the annoy backend, mapped to the canonical ones.
ANNOY_METRICS = {"angular": "cosine", "dot": "ip", "euclidean": "l2"}


@dataclass(frozen=True)
class Param:
    """One backend parameter: its type, default, allowed values and lower bound."""

    kind: type
    default: Any
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    help: str = ""

    def convert(self, name: str, text: str, spec: str) -> Any:
        """Turn the text of ``name=text`` into a typed value, or raise :class:`AnnalError`."""
        if self.kind is int:
            try:
                value = int(text)
            except ValueError:
                raise AnnalError(
                    f"parameter {name}={text!r} in index spec {spec!r} must be an integer"
                ) from None
            if self.minimum is not None and value < self.minimum:
                raise AnnalError(
                    f"parameter {name}={value} in index spec {spec!r} must be >= {self.minimum}"
                )
            return value
        if self.choices is not None and text not in self.choices:
            raise AnnalError(
                f"parameter {name}={text!r} in index spec {spec!r} must be one of "
                f"{', '.join(self.choices)}"
            )
        return text


_METRIC = Param(str, "cosine", METRICS, help="cosine (1 - cos), ip (-dot) or l2 (squared)")
_THREADS = Param(int, None, minimum=0, help="threads for build and search; 0 = all cores")
_SEED = Param(int, 0, minimum=0, help="seed of the backend's random choices")
_DEVICE = Param(str, "cpu", ("cpu", "gpu"), help="gpu needs faiss-gpu and a visible GPU")

#: Every backend and its parameters (name -> :class:`Param`), in the order they are listed.
BACKENDS: dict[str, dict[str, Param]] = {
    "exact": {
        "metric": _METRIC,
        "threads": _THREADS,
        "block": Param(int, 0, minimum=0, help="queries per matmul block; 0 = automatic"),
    },
    "faiss:flat": {"metric": _METRIC, "threads": _THREADS, "device": _DEVICE},
    "faiss:lsh": {
        "nbits": Param(int, 16, minimum=1, help="hash bits per vector"),
        "metric": Param(str, "cosine", ("cosine",), help="sign hashes estimate angles"),
        "threads": _THREADS,
        "seed": _SEED,
    },
    "faiss:hnsw": {
        "M": Param(int, 32, minimum=2, help="graph degree"),
        "efConstruction": Param(int, 40, minimum=1, help="build-time beam width"),
        "efSearch": Param(int, 16, minimum=1, help="search-time beam width (raised to k)"),
        "metric": _METRIC,
        "threads": _THREADS,
    },
    "faiss:ivf": {
        "nlist": Param(int, 100, minimum=1, help="number of k-means cells"),
        "nprobe": Param(int, 1, minimum=1, help="cells visited per query"),
        "metric": _METRIC,
        "threads": _THREADS,
        "seed": _SEED,
        "device": _DEVICE,
    },
    "annoy": {
        "trees": Param(int, 10, minimum=1, help="number of random-projection trees"),
        "search_k": Param(int, -1, minimum=-1, help="nodes inspected; -1 = trees * k"),
        "metric": Param(str, "angular", (*ANNOY_METRICS, *METRICS), help="angular/dot/euclidean"),
        "threads": _THREADS,
        "seed": _SEED,
    },
    "hnswlib": {
        "M": Param(int, 16, minimum=2, help="graph degree"),
        "ef_construction": Param(int, 200, minimum=1, help="build-time beam width"),
        "ef": Param(int, 10, minimum=1, help="search-time beam width (raised to k)"),
        "metric": _METRIC,
        "threads": _THREADS,
        "seed": _SEED,
    },
}


@dataclass(frozen=True)
class IndexSpec:
    """A parsed index spec: the backend name and its parameters as given.

    Parameters
    ----------
    backend : str
        One of the keys of :data:`BACKENDS`.
    params : tuple of (str, str)
        ``(name, text)`` pairs in the order they were written; values stay text so
        ``str(spec)`` prints the string back identically. Use :meth:`get` for typed
        values with defaults.
    """

    backend: str
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _validate(self.backend, self.params, str(self))

    def __str__(self) -> str:
        if not self.params:
            return self.backend
        return self.backend + "?" + "&".join(f"{k}={v}" for k, v in self.params)

    def get(self, name: str) -> Any:
        """The typed value of parameter ``name`` (its default when not given)."""
        schema = BACKENDS[self.backend]
        if name not in schema:
            raise AnnalError(
                f"{self.backend} has no parameter {name!r}; valid: {', '.join(schema)}"
            )
        for key, text in self.params:
            if key == name:
                return schema[name].convert(name, text, str(self))
        return schema[name].default

    def values(self) -> dict[str, Any]:
        """Every parameter of the backend with its typed value (defaults filled in)."""
        return {name: self.get(name) for name in BACKENDS[self.backend]}

    def has(self, name: str) -> bool:
        """Whether parameter ``name`` was written in the spec (not just defaulted)."""
        return any(key == name for key, _ in self.params)

    def with_params(self, **params: Any) -> IndexSpec:
        """A copy with parameters replaced in place or appended at the end."""
        updated = dict(self.params)
        updated.update({k: str(v) for k, v in params.items()})
        return IndexSpec(self.backend, tuple(updated.items()))


def _validate(backend: str, params: tuple[tuple[str, str], ...], spec: str) -> None:
    if backend not in BACKENDS:
        raise AnnalError(
            f"unknown index backend {backend!r} in spec {spec!r}; valid: {', '.join(BACKENDS)}"
        )
    schema = BACKENDS[backend]
    seen: set[str] = set()
    for name, text in params:
        if name not in schema:
            raise AnnalError(
                f"unknown parameter {name!r} for {backend} in spec {spec!r}; "
                f"valid: {', '.join(schema)}"
            )
        if name in seen:
            raise AnnalError(f"parameter {name!r} given twice in index spec {spec!r}")
        if not isinstance(text, str) or not text or any(c in text for c in "?&= "):
            raise AnnalError(f"parameter {name!r} in index spec {spec!r} has an invalid value")
        seen.add(name)
        schema[name].convert(name, text, spec)


def parse_spec(spec: str | IndexSpec) -> IndexSpec:
    """Parse ``backend[?name=value&...]`` into an :class:`IndexSpec`.

    Parameters
    ----------
    spec : str or IndexSpec
        The spec string (an :class:`IndexSpec` is returned unchanged).

    Returns
    -------
    IndexSpec
        With ``str(result) == spec``.

    Raises
    ------
    AnnalError
        Unknown backend or parameter (the message lists the valid ones), a repeated
        parameter, or a value of the wrong type.
    """
    if isinstance(spec, IndexSpec):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise AnnalError(f"index spec must be a non-empty string, got {spec!r}")
    backend, sep, query = spec.partition("?")
    params: list[tuple[str, str]] = []
    if sep:
        if not query:
            raise AnnalError(f"index spec {spec!r} ends with '?' but names no parameter")
        for part in query.split("&"):
            name, eq, value = part.partition("=")
            if not eq or not name:
                raise AnnalError(f"index spec {spec!r}: expected name=value, got {part!r}")
            params.append((name, value))
    return IndexSpec(backend, tuple(params))

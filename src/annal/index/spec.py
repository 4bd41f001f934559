"""Index spec strings: one short string names a whole index configuration.

Grammar: ``backend[?name=value(&name=value)*]``, e.g. ``exact?metric=cosine``,
``faiss:ivf?nlist=100&nprobe=10&metric=cosine`` or ``annoy?trees=100&metric=angular``.
:func:`parse_spec` validates the backend, every parameter name and every value in one
place, and ``str(parse_spec(s)) == s`` for every valid ``s`` (parameters keep the order
and the spelling they were given in), so a spec printed in a result table or a plot
legend can be pasted back to rebuild the same index. The backends and their parameters
are the classes of :data:`annal.index.backends.INDEX_BACKENDS`, read from their constructors
(:data:`BACKENDS` lists them); unset parameters take the constructor's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from annal.errors import AnnalError
from annal.index.annoy_backend import ANNOY_METRICS
from annal.index.backends import INDEX_BACKENDS
from annal.index.base import METRICS
from annal.registry import Param, param_table, typed_params
from annal.spec import split_spec

__all__ = ["ANNOY_METRICS", "BACKENDS", "METRICS", "IndexSpec", "parse_spec"]


class _BackendTable(Mapping):
    """Backend name -> its parameters (name -> :class:`~annal.registry.Param`), read from
    each backend's constructor: a view of :data:`~annal.index.backends.INDEX_BACKENDS`."""

    def __getitem__(self, backend: str) -> dict[str, Param]:
        if backend not in INDEX_BACKENDS:
            raise KeyError(backend)
        return param_table(INDEX_BACKENDS[backend])

    def __iter__(self):
        return iter(INDEX_BACKENDS)

    def __len__(self) -> int:
        return len(INDEX_BACKENDS)


#: Every backend and its parameters (name -> Param), in the order they are listed.
BACKENDS: Mapping[str, dict[str, Param]] = _BackendTable()


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
        return self.typed().get(name, schema[name].default)

    def typed(self) -> dict[str, Any]:
        """The parameters written in the spec, typed by the backend's constructor."""
        where = f"in index spec {str(self)!r}"
        return typed_params(INDEX_BACKENDS[self.backend], dict(self.params), where)

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
    if backend not in INDEX_BACKENDS:
        raise AnnalError(
            f"unknown index backend {backend!r} in spec {spec!r}; "
            f"valid: {', '.join(INDEX_BACKENDS)}"
        )
    split_spec(spec, "index spec")  # the grammar: no repeated name, no empty or odd value
    typed_params(INDEX_BACKENDS[backend], dict(params), f"for {backend} in spec {spec!r}")


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
    backend, params = split_spec(spec, "index spec")
    return IndexSpec(backend, params)

"""Candidate pools: where a strategy looks (``full``, ``random``, ``seals``, ``anchoral``).

Any registered strategy runs inside any pool. A pool is named by a spec string,
``name?key=value&...``, e.g. ``seals?k=100&index=faiss:hnsw?M=32`` or
``anchoral?anchors=10&k=50&size=10000``. An ``index=`` value is itself an :mod:`annal.index`
spec and may carry its own parameters: after ``index=backend?...``, every ``key=value`` that is
not a parameter of the pool belongs to the index (``seals?index=faiss:hnsw?M=32&efSearch=64&k=50``
gives the index ``M`` and ``efSearch`` and the pool ``k``).
"""

from __future__ import annotations

import inspect
import types
import typing
from typing import Any

from annal.al.pools.anchoral import AnchorALPool
from annal.al.pools.base import CandidatePool, PoolStats
from annal.al.pools.full import FullPool
from annal.al.pools.random import RandomPool
from annal.al.pools.seals import SEALSPool
from annal.errors import AnnalError

#: Every pool by registry name.
POOLS: dict[str, type[CandidatePool]] = {
    cls.name: cls for cls in (FullPool, RandomPool, SEALSPool, AnchorALPool)
}


def _param_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls.__init__)
    return {p: hints.get(p, str) for p in inspect.signature(cls.__init__).parameters if p != "self"}


def _convert(kind: Any, text: str, where: str) -> Any:
    """``text`` as the annotated ``kind`` (int, float, bool, str, or ``X | None``)."""
    args = typing.get_args(kind) if isinstance(kind, types.UnionType) else ()
    if args:
        if text.lower() in ("none", "null") and type(None) in args:
            return None
        kind = next(a for a in args if a is not type(None))
    if kind is bool:
        if text.lower() not in ("true", "false", "1", "0"):
            raise AnnalError(f"{where} must be true or false, got {text!r}")
        return text.lower() in ("true", "1")
    if kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            raise AnnalError(
                f"{where} must be {'an integer' if kind is int else 'a number'}, got {text!r}"
            ) from None
    return text


def parse_pool_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split a pool spec into its name and typed parameters (see the module docstring).

    Raises
    ------
    AnnalError
        Unknown pool or parameter, a malformed pair, a value of the wrong type.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise AnnalError(f"pool spec must be a non-empty string, got {spec!r}")
    name, _, query = spec.strip().partition("?")
    if name not in POOLS:
        raise AnnalError(f"unknown pool {name!r} in {spec!r}; valid: {', '.join(POOLS)}")
    types_ = _param_types(POOLS[name])
    params: dict[str, Any] = {}
    index_extra: list[str] = []
    for part in query.split("&") if query else []:
        key, eq, value = part.partition("=")
        if not eq or not key or not value:
            raise AnnalError(f"pool spec {spec!r}: expected key=value, got {part!r}")
        if key in types_:
            if key in params:
                raise AnnalError(f"pool spec {spec!r}: parameter {key!r} given twice")
            params[key] = value
        elif "?" in str(params.get("index", "")) or ("index" in params and index_extra):
            index_extra.append(part)  # a parameter of the nested index spec
        else:
            raise AnnalError(
                f"unknown parameter {key!r} for pool {name!r} in {spec!r}; "
                f"valid: {', '.join(types_) or 'none'}"
            )
    if index_extra:
        params["index"] = params["index"] + "&" + "&".join(index_extra)
    return name, {
        k: _convert(types_[k], v, f"pool {name} parameter {k}") for k, v in params.items()
    }


def make_pool(spec: str | CandidatePool | None = None, **params: Any) -> CandidatePool:
    """A candidate pool from a spec string (or a name plus ``params``); ``None`` is ``full``.

    Index specs are checked here, so a bad ``index=`` fails before any round runs.

    Raises
    ------
    AnnalError
        Unknown pool, parameter or index spec.
    """
    if isinstance(spec, CandidatePool):
        return spec.fresh()
    name, parsed = parse_pool_spec(spec or "full")
    parsed.update(params)
    cls = POOLS[name]
    unknown = sorted(set(parsed) - set(_param_types(cls)))
    if unknown:
        raise AnnalError(f"unknown parameter {unknown[0]!r} for pool {name!r}")
    if "index" in parsed:
        from annal.index import parse_spec

        parse_spec(str(parsed["index"]))
    return cls(**parsed)


def pool_spec(pool: CandidatePool) -> str:
    """The spec string of ``pool`` (parameters that differ from the defaults), round-trips
    through :func:`make_pool`."""
    defaults = {
        p.name: p.default for p in inspect.signature(type(pool).__init__).parameters.values()
    }
    parts = [f"{k}={v}" for k, v in pool.get_params().items() if v != defaults.get(k)]
    # The index goes last: its own parameters follow it.
    parts.sort(key=lambda part: part.startswith("index="))
    return pool.name + ("?" + "&".join(parts) if parts else "")


__all__ = [
    "POOLS",
    "AnchorALPool",
    "CandidatePool",
    "FullPool",
    "PoolStats",
    "RandomPool",
    "SEALSPool",
    "make_pool",
    "parse_pool_spec",
    "pool_spec",
]

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
from typing import Any

from annal.al.pools.anchoral import AnchorALPool
from annal.al.pools.base import CandidatePool, PoolStats
from annal.al.pools.full import FullPool
from annal.al.pools.random import RandomPool
from annal.al.pools.seals import SEALSPool
from annal.errors import AnnalError
from annal.index import parse_spec
from annal.registry import Registry, constructor_params, typed_params

#: Every pool by registry name.
POOLS: Registry[CandidatePool] = Registry("pool", (FullPool, RandomPool, SEALSPool, AnchorALPool))


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
    types_ = constructor_params(POOLS[name])
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
    return name, typed_params(POOLS[name], params, f"for pool {name!r} in {spec!r}")


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
    pool = POOLS.build(name, {**parsed, **params})
    if "index" in pool.ordered_params():
        parse_spec(str(pool.index))
    return pool


def pool_spec(pool: CandidatePool) -> str:
    """The spec string of ``pool`` (parameters that differ from the defaults), round-trips
    through :func:`make_pool`."""
    defaults = {
        p.name: p.default for p in inspect.signature(type(pool).__init__).parameters.values()
    }
    parts = [f"{k}={v}" for k, v in pool.ordered_params().items() if v != defaults.get(k)]
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

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
from annal.registry import Registry

#: Every pool by registry name.
POOLS: Registry[CandidatePool] = Registry("pool", (FullPool, RandomPool, SEALSPool, AnchorALPool))


def parse_pool_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split a pool spec into its name and typed parameters (see the module docstring).

    The grammar is :func:`annal.spec.split_spec`'s, with ``index`` as a nested spec; values
    are typed by the pool's constructor annotations (:meth:`annal.registry.Registry.parse_spec`).

    Raises
    ------
    AnnalError
        Unknown pool or parameter, a malformed pair, a value of the wrong type or out of bounds.
    """
    return POOLS.parse_spec(spec, nested="index")


def make_pool(spec: str | CandidatePool | None = None, **params: Any) -> CandidatePool:
    """A candidate pool from a spec string (or a name plus ``params``); ``None`` is ``full``.

    Index specs are checked here (by the ``index`` annotation), so a bad ``index=`` fails
    before any round runs.

    Raises
    ------
    AnnalError
        Unknown pool, parameter or index spec.
    """
    if isinstance(spec, CandidatePool):
        return spec.fresh()
    name, parsed = parse_pool_spec(spec or "full")
    return POOLS.build(name, {**parsed, **params})


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

"""The active-learning protocol: the initial set, the budget per round and the rounds.

One pydantic type, :class:`RunProtocol`, checks them wherever a run is described: a YAML
config's ``protocol:``, ``annal al run --initial/--budget/--rounds`` and
:class:`annal.al.ActiveLearningLoop`. ``initial`` and ``budget`` are counts (int >= 1) or
fractions of the pool (a float in (0, 1), resolved against each dataset's pool); ``rounds``
is an int >= 1.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from annal.errors import AnnalError, validated


class RunProtocol(BaseModel):
    """The AL protocol. ``initial`` and ``budget`` are counts (int >= 1) or pool fractions."""

    # strict: a YAML value of the wrong type is refused, never coerced (`budget: true` is
    # not 1, `rounds: 2.5` is not 2); extra: a misspelt key is refused, never dropped.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    initial: int | float = 250
    budget: int | float = 500
    rounds: int = Field(default=20, ge=1)

    @field_validator("initial", "budget")
    @classmethod
    def _count_or_fraction(cls, v: int | float) -> int | float:
        if isinstance(v, float) and v.is_integer() and v >= 1:
            v = int(v)
        if isinstance(v, int) and v < 1:
            raise ValueError("a count must be >= 1")
        if isinstance(v, float) and not 0 < v < 1:
            raise ValueError("a fraction of the pool must lie in (0, 1)")
        return v

    @classmethod
    def of(cls, *, where: str = "protocol", **values: Any) -> RunProtocol:
        """The protocol from keyword values (numpy integers taken as ints), or one
        :class:`AnnalError` line naming ``where``, the key and what is wrong with it."""
        plain = {k: v.item() if hasattr(v, "item") else v for k, v in values.items()}
        return validated(cls, plain, source=where)

    def counts(self, n_pool: int) -> tuple[int, int, int]:
        """The absolute ``(initial, budget, rounds)`` for a pool of ``n_pool`` rows."""
        return self._count(self.initial, n_pool), self._count(self.budget, n_pool), self.rounds

    def resolve(self, n_pool: int) -> tuple[int, int, int]:
        """:meth:`counts`, checked to fit: the initial set plus ``rounds`` budgets.

        Raises
        ------
        AnnalError
            When the initial set plus ``rounds`` budgets does not fit in the pool.
        """
        initial, budget, rounds = self.counts(n_pool)
        need = initial + budget * rounds
        if need > n_pool:
            raise AnnalError(
                f"protocol: initial {initial} + {rounds} rounds x budget {budget} = {need} "
                f"exceeds the pool of {n_pool} texts; lower them or give fractions of the pool"
            )
        return initial, budget, rounds

    def resolved(self, n_pool: int) -> RunProtocol:
        """This protocol in counts for a pool of ``n_pool`` rows (:meth:`resolve`'s check)."""
        initial, budget, rounds = self.resolve(n_pool)
        return RunProtocol(initial=initial, budget=budget, rounds=rounds)

    @staticmethod
    def _count(v: int | float, n_pool: int) -> int:
        return int(v) if isinstance(v, int) else max(1, int(round(v * n_pool)))

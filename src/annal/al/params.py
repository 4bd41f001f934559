"""A mixin that gives estimator-like objects ``get_params`` and a readable ``repr``."""

from __future__ import annotations

import inspect


class ParamsMixin:
    """``get_params()`` from the constructor signature; ``repr`` like ``Cls(a=1, b='x')``."""

    def get_params(self) -> dict:
        """Constructor parameters and their current values, in signature order."""
        sig = inspect.signature(type(self).__init__)
        return {
            name: getattr(self, name)
            for name, p in sig.parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __str__(self) -> str:
        return repr(self)

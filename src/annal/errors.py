"""The one user-facing error type.

Every problem a user can fix (a missing file, a bad column, a wrong spec string, ...)
raises :class:`AnnalError` with a single line that says *what* is wrong and *where*.
The CLI turns it into ``error: <message>`` on stderr and exit code 2.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class AnnalError(ValueError):
    """A user-facing error with a one-line message naming what and where."""

    def __init__(self, message: str) -> None:
        # Keep the message to one line: the CLI prints it verbatim.
        super().__init__(" ".join(str(message).split()))


# What pydantic puts in an error location besides keys and indexes: the branch of a union
# or validator it tried ("int", "function-after[...]", "list[...]"). Matched whole, so a
# user's key that merely starts like one ("intial", "float_col") is still shown.
_BRANCH = re.compile(r"(int|float|str|bool|[a-z-]+\[.*\])")


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _BRANCH.fullmatch(str(part)):
            continue  # pydantic's union/validator branch names are noise for a user
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def validated(model: type[M], data: Any, *, source: str, top_level: bool = False) -> M:
    """``data`` validated as ``model`` (any config type), or one :class:`AnnalError` line.

    The line names ``source``, then the first bad key (when the error has one, or
    ``(top level)`` with ``top_level``) and what is wrong with it, e.g.
    ``config c.yaml: protocol.budget: a count must be >= 1``.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (misspelt?)"
        where = _loc(tuple(err["loc"])) if err["loc"] or top_level else ""
        raise AnnalError(f"{source}: {where}: {msg}" if where else f"{source}: {msg}") from None

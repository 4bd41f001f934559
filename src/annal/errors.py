"""The one user-facing error type.

Every problem a user can fix (a missing file, a bad column, a wrong spec string, ...)
raises :class:`AnnalError` with a single line that says *what* is wrong and *where*.
The CLI turns it into ``error: <message>`` on stderr and exit code 2.
"""

from __future__ import annotations


class AnnalError(ValueError):
    """A user-facing error with a one-line message naming what and where."""

    def __init__(self, message: str) -> None:
        # Keep the message to one line: the CLI prints it verbatim.
        super().__init__(" ".join(str(message).split()))

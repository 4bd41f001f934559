"""Progress of a long encode on stderr: a transient rich bar on a terminal; elsewhere (a log
file, a pipe) one plain line per tenth of the work, never bar fragments."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress

from annal.progress import default_columns


class _Lines:
    """The off-terminal stand-in of :class:`rich.progress.Progress` (``add_task``,
    ``advance``): prints ``description: 30% (900/3000)`` as each tenth is passed."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.tasks: dict[int, list] = {}

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: float, completed: float = 0) -> int:
        done = float(completed)
        self.tasks[len(self.tasks)] = [
            description,
            float(total),
            done,
            int(10 * done / total) if total else 0,
        ]
        return len(self.tasks) - 1

    def advance(self, task: int, amount: float = 1) -> None:
        t = self.tasks[task]
        t[2] += amount
        tenth = int(10 * t[2] / t[1]) if t[1] else 10
        if tenth > t[3]:
            t[3] = tenth
            self.console.print(
                f"{t[0]}: {10 * tenth}% ({t[2]:.0f}/{t[1]:.0f})", markup=False, soft_wrap=True
            )


def progress_bar(enabled: bool = True) -> Progress | _Lines:
    """A transient rich bar on stderr when it is a terminal, plain lines otherwise; shows
    nothing when disabled."""
    console = Console(stderr=True, highlight=False)
    if enabled and not console.is_terminal:
        return _Lines(console)
    return Progress(*default_columns(), console=console, transient=True, disable=not enabled)

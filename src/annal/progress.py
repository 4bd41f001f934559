"""Progress for a person, on stderr: a live bar on a terminal, one plain line per finished step
anywhere else (a log file, a pipe, CI), so logs show progress and never hold bar fragments.

>>> with StepProgress(3, enabled=False) as p:
...     for name in ("a", "b", "c"):
...         p.step_done(f"{name} done")
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def default_columns() -> tuple[ProgressColumn, ...]:
    """Description, bar, done/total, elapsed, remaining."""
    return (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )


class StepProgress:
    """Progress of a job of ``steps`` steps (a bar may count finer ``units``, e.g. rounds).

    Parameters
    ----------
    steps : int
        How many steps the job has; each :meth:`step_done` is one.
    units : int, optional
        What the bar counts (default: the steps).
    enabled : bool
        ``False`` shows nothing at all.
    console : rich.console.Console, optional
        Where to show it (default: stderr).
    columns : tuple of rich ProgressColumn, optional
        The bar's columns on a terminal.
    """

    def __init__(
        self,
        steps: int,
        *,
        units: int | None = None,
        enabled: bool = True,
        console: Console | None = None,
        columns: tuple[ProgressColumn, ...] | None = None,
    ) -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self.steps, self.done = steps, 0
        self._fine = units is not None
        self.live = enabled and self.console.is_terminal
        self.lines = enabled and not self.live
        self._bar = Progress(
            *(columns or default_columns()),
            console=self.console,
            transient=True,
            disable=not self.live,
        )
        self._task = self._bar.add_task("", total=max(1, units if units is not None else steps))

    def __enter__(self) -> StepProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(*exc)

    def advance(self, units: float = 1, description: str | None = None) -> None:
        """Move the bar (a terminal only); nothing is printed otherwise."""
        self._bar.update(self._task, advance=units, description=description)

    def describe(self, description: str) -> None:
        """Say on the bar what runs now (a terminal only)."""
        self._bar.update(self._task, description=description)

    def step_done(self, text: str, units: float | None = None) -> None:
        """One step finished: the bar moves by ``units`` (default 1 when the bar counts
        steps, else 0), and off a terminal one line ``[i/n] text`` is printed."""
        self.done += 1
        if units is None:
            units = 0 if self._fine else 1
        self._bar.update(self._task, advance=units)
        if self.lines:
            self.console.print(f"[{self.done}/{self.steps}] {text}", markup=False, soft_wrap=True)

"""``make demo`` (``python -m annal.demo``): a small grid on the built-in demo dataset, then
the report. A few strategies, 5 seeds; about a minute on 2 quiet cores, no data files and no
network needed. Re-running resumes (and then only rewrites the report)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from annal.errors import AnnalError


def main(argv: list[str] | None = None) -> int:
    """Run the ``demo`` preset into ``--out`` (default ``runs/demo``) and write its report."""
    from annal.experiments import load_config, run_experiment
    from annal.report import make_report

    parser = argparse.ArgumentParser(prog="python -m annal.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="run directory")
    parser.add_argument("--jobs", type=int, default=2, help="parallel worker processes")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    try:
        config = load_config("demo")
        print(f"annal demo: {config.name} preset (`annal config show demo`) -> {args.out}")
        summary = run_experiment(config, args.out, jobs=args.jobs, force=True)
        paths = make_report(args.out)
    except AnnalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{summary.total} runs ({summary.done} now, {summary.skipped} resumed as done, "
        f"{len(summary.failed)} failed) in {time.perf_counter() - t0:.0f} s"
    )
    print(paths.headline)
    print(f"report: {paths.html.resolve()}")
    print(f"        {paths.markdown.resolve()}")
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())

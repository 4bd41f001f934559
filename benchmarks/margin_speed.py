"""Margin selection against one pass over the probability table and against modAL's.

For ``n`` = 25k, 100k and 1M rows x 91 classes (seeded softmax probabilities of random
logits, float32), CPU seconds (best of 5, one BLAS thread) of:

- one pass: ``P.max(axis=1)``, the cheapest row reduction that reads every probability;
- annal: :func:`~annal.al.strategies.uncertainty.margin_uncertainty` then
  :func:`~annal.al.strategies.base.top_k` (seeded tie-breaking), a batch of 500;
- modAL's margin: ``np.partition`` of every row, then ``np.argpartition`` (no tie-breaking);
- annal before issue 12: ``np.partition`` per row, a random permutation of all scores, then
  ``argpartition``.

    PYTHONPATH=src python benchmarks/margin_speed.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from end_to_end import cpu_seconds, load_average, write_section  # noqa: E402

SIZES = (25_000, 100_000, 1_000_000)
BATCH = 500


def probabilities(n: int, c: int = 91, seed: int = 0) -> np.ndarray:
    """Softmax of seeded random logits (scale 3), float32 (n, c)."""
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((n, c), dtype=np.float32) * np.float32(3.0)
    P -= P.max(axis=1, keepdims=True)
    np.exp(P, out=P)
    P /= P.sum(axis=1, keepdims=True)
    return P


def modal_margin(P: np.ndarray, k: int) -> np.ndarray:
    """modAL's ``margin_sampling``: a partition of every row, then ``multi_argmax``."""
    part = np.partition(-P, 1, axis=1)
    margin = -part[:, 0] + part[:, 1]
    return np.argpartition(-margin, k - 1)[:k]


def old_annal(P: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """annal's margin before issue 12: sorted top two per row, a full permutation for ties."""
    top2 = np.partition(P, -2, axis=1)[:, -2:]
    s = top2[:, 0] - top2[:, 1]
    order = rng.permutation(len(s))
    shuffled = s[order]
    part = np.argpartition(-shuffled, k - 1)[:k]
    return order[part[np.argsort(-shuffled[part], kind="stable")]]


def measure(sizes=SIZES) -> list[dict]:
    """One row per size: CPU seconds of each variant."""
    from annal.al.strategies.base import top_k
    from annal.al.strategies.uncertainty import margin_uncertainty

    rows = []
    for n in sizes:
        P = probabilities(n)
        rows.append(
            {
                "n": n,
                "pass": cpu_seconds(lambda P=P: P.max(axis=1), 5),
                "annal": cpu_seconds(
                    lambda P=P: top_k(margin_uncertainty(P), BATCH, np.random.default_rng(0)), 5
                ),
                "modal": cpu_seconds(lambda P=P: modal_margin(P, BATCH), 5),
                "before": cpu_seconds(lambda P=P: old_annal(P, BATCH, np.random.default_rng(0)), 5),
            }
        )
        del P
    return rows


def markdown(rows: list[dict], load: str) -> str:
    """The BENCHMARKS.md section."""
    lines = [
        "Measured by `benchmarks/margin_speed.py` (CPU seconds, best of 5, one BLAS thread; "
        f"{load}): softmax probabilities of random logits, 91 classes, a batch of {BATCH}.",
        "",
        "| rows | one pass (`P.max(1)`) ms | annal margin + top_k ms | / one pass | modAL ms "
        "| annal / modAL | annal before ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['pass'] * 1e3:.1f} | {r['annal'] * 1e3:.1f} | "
            f"{r['annal'] / r['pass']:.1f}x | {r['modal'] * 1e3:.1f} | "
            f"{r['annal'] / r['modal']:.2f} | {r['before'] * 1e3:.1f} |"
        )
    worst = max(r["annal"] / r["pass"] for r in rows)
    best_vs_modal = max(r["annal"] / r["modal"] for r in rows)
    lines += [
        "",
        f"annal's margin selection is at most {best_vs_modal:.2f}x modAL's time (faster at every "
        f"size) with seeded tie-breaking; against one pass over the table it is at most "
        f"{worst:.1f}x, "
        + ("within" if worst <= 2 else "short of")
        + " the 2x target. The kernel (`margin_uncertainty`) reads the table twice, a block of "
        "rows at a time in cache: a row `argmax` (numpy's fastest row reduction, faster than "
        "`max`), the maximum lowered to -inf in place, a second `argmax`, the maximum put back; "
        "`top_k` then does one `argpartition` and draws only among the rows tied at the cut.",
    ]
    return "\n".join(lines)


def main() -> int:
    """Measure, print, write the section."""
    from threadpoolctl import threadpool_limits

    before = load_average()
    with threadpool_limits(limits=1):
        rows = measure()
    body = markdown(rows, f"{before} before, {load_average()} after")
    print(body)
    write_section("margin-speed", "Margin selection: one pass over the table, modAL", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

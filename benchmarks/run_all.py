"""Run every benchmark of issue 6 in ONE process and write BENCHMARKS.md and the CSVs.

``python benchmarks/run_all.py`` (``make bench``): selection at 25k and 100k x 384 with 1,000 and
5,000 labelled (annal, the three peers, the matmul bounds), end to end at d = 768 and 384, and
the scale curve 10k -> 400k; rewrites BENCHMARKS.md. ``--quick`` (``make bench-quick``): the
selection comparison at 25k only, reported in ``benchmarks/results/quick.md``. Rows are appended
to ``benchmarks/results/{selection,scale,end_to_end}.csv`` (column ``run_id`` tells runs apart).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from annal._io import atomic_write_text  # noqa: E402
from end_to_end import END_TO_END_CSV, append_results, run_end_to_end  # noqa: E402
from scale import SCALE_CSV, run_scale  # noqa: E402
from selection import (  # noqa: E402
    SELECTION_CSV,
    append_rows,
    machine_facts,
    make_pool,
    run_selection,
    shared_datasets_root,
)

REPORT = BENCH_DIR.parent / "BENCHMARKS.md"
NOTES = BENCH_DIR / "results" / "NOTES.md"
QUICK_REPORT = BENCH_DIR / "results" / "quick.md"
PEER_ORDER = ("small-text", "scikit-activeml", "modAL")
#: Targets of issue 6.
SPEEDUP_TARGET, MATMUL_TARGET = 20.0, 2.0
E2E_TARGETS = {"sgd": 40.0, "fast": 10.0}


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# --------------------------------------------------------------------------- the report


def _fmt_s(seconds: float, measure: str = "") -> str:
    if not math.isfinite(seconds):
        return "n/a"
    text = f"{seconds:.3g}" if seconds < 100 else f"{seconds:.0f}"
    return ("≥ " if measure == "lower-bound" else "") + text


def _ratio(x: float, lower: bool = False) -> str:
    if not math.isfinite(x):
        return "n/a"
    return ("≥ " if lower else "") + (f"{x:.0f}×" if x >= 10 else f"{x:.2g}×")


def selection_tables(rows) -> tuple[list[str], list[dict]]:
    """Markdown of the selection comparison and one summary dict per (strategy, pool, m)."""
    out, summary = [], []
    keys = sorted({(r.pool_size, r.n_labelled) for r in rows})
    for n, m in keys:
        block = [r for r in rows if (r.pool_size, r.n_labelled) == (n, m)]
        out += [
            f"#### Pool {n:,} × {block[0].dim}, {m:,} labelled, batch {block[0].batch}",
            "",
            "| strategy | annal (s) | "
            + " | ".join(f"{p} (s)" for p in PEER_ORDER)
            + " | fastest peer / annal | target ≥ 20× |",
            "|---|---:|" + "---:|" * len(PEER_ORDER) + "---:|---|",
        ]
        for r in block:
            if r.implementation != "annal":
                continue
            peers = [
                p for p in block if p.strategy == r.strategy and p.implementation in PEER_ORDER
            ]
            cells = []
            for impl in PEER_ORDER:
                mine = [p for p in peers if p.implementation == impl]
                cells.append(
                    "; ".join(f"{_fmt_s(p.seconds, p.measure)}" for p in mine) if mine else "-"
                )
            timed = [p for p in peers if math.isfinite(p.seconds)]
            ratio, lower, verdict = float("nan"), False, "-"
            if timed and math.isfinite(r.seconds) and r.seconds > 0:
                fastest = min(timed, key=lambda p: p.seconds)
                ratio = fastest.seconds / r.seconds
                lower = fastest.measure == "lower-bound"
                if r.strategy in ("coreset", "cluster", "distance"):
                    if ratio >= SPEEDUP_TARGET:
                        verdict = "met"
                    elif lower:
                        verdict = "not shown (peer stopped at the cap)"
                    else:
                        verdict = f"missed by {SPEEDUP_TARGET / ratio:.1f}×"
                summary.append(
                    {
                        "strategy": r.strategy,
                        "variant": r.variant,
                        "n": n,
                        "m": m,
                        "ratio": ratio,
                        "lower": lower,
                        "verdict": verdict,
                    }
                )
            name = r.strategy + (f" ({r.variant})" if r.variant else "")
            out.append(
                f"| {name} | {_fmt_s(r.seconds)} | "
                + " | ".join(cells)
                + f" | {_ratio(ratio, lower)} | {verdict} |"
            )
        out.append("")
    return out, summary


def matmul_table(rows) -> tuple[list[str], list[dict]]:
    """Markdown of annal vs its matmul bound, and one summary dict per row."""
    out = [
        "| strategy | pool | labelled | FLOPs | annal (s) | matmul of that size (s) | annal / matmul | within 2× |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    summary = []
    for b in rows:
        if b.implementation != "matmul-bound":
            continue
        a = next(
            r
            for r in rows
            if r.implementation == "annal"
            and (r.strategy, r.variant, r.pool_size, r.n_labelled)
            == (b.strategy, b.variant, b.pool_size, b.n_labelled)
        )
        ratio = a.seconds / b.seconds if b.seconds > 0 else float("nan")
        ok = ratio <= MATMUL_TARGET
        summary.append(
            {
                "strategy": b.strategy,
                "variant": b.variant,
                "n": b.pool_size,
                "m": b.n_labelled,
                "ratio": ratio,
                "ok": ok,
            }
        )
        name = b.strategy + (f" ({b.variant})" if b.variant else "")
        out.append(
            f"| {name} | {b.pool_size:,} | {b.n_labelled:,} | {b.flops:.3g} | {_fmt_s(a.seconds)} | "
            f"{_fmt_s(b.seconds)} | {ratio:.2f} | {'yes' if ok else f'no ({ratio / MATMUL_TARGET:.1f}× over)'} |"
        )
    return out, summary


def e2e_table(results, screens) -> list[str]:
    """Markdown of the end-to-end runs and of the classifier screening."""
    out = [
        "| classifier | d | final macro-F1 | total (s) | fit | predict | select | evaluate | other | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        kind = "sgd" if r.classifier == "sgd" else "fast"
        target = E2E_TARGETS[kind] if r.dim == 768 else None
        verdict = (
            "-"
            if target is None
            else (
                f"≤ {target:.0f} s: "
                + ("met" if r.total_s <= target else f"missed by {r.total_s / target:.1f}×")
            )
        )
        out.append(
            f"| {r.classifier} | {r.dim} | {r.final_f1_macro:.4f} | {r.total_s:.1f} | {r.fit_s:.1f} | "
            f"{r.predict_s:.2f} | {r.select_s:.2f} | {r.evaluate_s:.2f} | {r.other_s:.2f} | {verdict} |"
        )
    for d, sc in screens.items():
        out += [
            "",
            f"Classifier screening at d = {d} (one fit on the `sgd` run's final labelled set, "
            "test macro-F1):",
            "",
            "| candidate | fit (s) | probabilities on the pool (s) | macro-F1 |",
            "|---|---:|---:|---:|",
        ]
        out += [f"| {s.name} | {s.fit_s:.2f} | {s.predict_s:.2f} | {s.f1_macro:.4f} |" for s in sc]
    return out


def scale_table(rows) -> tuple[list[str], dict]:
    """Markdown of annal's selection time per pool size, with the log-log slope."""
    from scale import slopes

    sizes = sorted({r.pool_size for r in rows})
    sl = slopes(rows)
    out = [
        "| strategy | " + " | ".join(f"{n:,}" for n in sizes) + " | slope (log-log) |",
        "|---|" + "---:|" * len(sizes) + "---:|",
    ]
    for (name, variant), slope in sl.items():
        cells = []
        for n in sizes:
            hit = [r for r in rows if (r.strategy, r.variant, r.pool_size) == (name, variant, n)]
            cells.append(_fmt_s(hit[0].seconds) if hit else "-")
        label = name + (f" ({variant})" if variant else "")
        out.append(f"| {label} | " + " | ".join(cells) + f" | {slope:.2f} |")
    return out, sl


def peer_notes(rows) -> list[str]:
    """One line per peer strategy: version, settings, how it was timed, errors."""
    out, seen = [], set()
    for r in rows:
        if r.implementation not in PEER_ORDER:
            continue
        key = (
            r.implementation,
            r.label,
            r.measure,
            r.note if r.measure in ("error", "not-run") else "",
        )
        if key in seen:
            continue
        seen.add(key)
        if r.measure in ("error", "not-run"):
            out.append(f"- **{r.implementation} {r.label}** could not run: `{r.note}`")
    return out


def write_report(
    path: Path,
    *,
    facts: dict,
    selection,
    selection_sources: dict,
    e2e,
    e2e_screens: dict,
    e2e_sources: dict,
    scale,
    scale_sources: dict,
    notes_path: Path = NOTES,
) -> None:
    """Write BENCHMARKS.md from this run's rows (atomic replace)."""
    sel_md, sel_sum = selection_tables(selection)
    mm_md, mm_sum = matmul_table(selection)
    v = facts["versions"]
    lines = [
        "# annal benchmarks",
        "",
        "Generated by `benchmarks/run_all.py` (`make bench`; `make bench-quick` for the 25k subset)"
        f" — run `{facts['run_id']}`, {facts['wall_s'] / 60:.1f} min wall. Do not edit by hand:"
        " the analysis at the end comes from `benchmarks/results/NOTES.md`.",
        "",
        "## Machine",
        "",
        f"- CPU: {facts['cpu']}, {facts['cores']} cores; Python {facts['python']}; {facts['os']}",
        "- numpy "
        + v["numpy"]
        + ", scikit-learn "
        + v["scikit-learn"]
        + ", faiss-cpu "
        + v["faiss-cpu"]
        + "; peers: small-text "
        + v["small-text"]
        + ", scikit-activeml "
        + v["scikit-activeml"]
        + ", modAL-python "
        + v["modAL-python"],
        f"- load average (1/5/15 min) at start {facts['load_start']}, at end {facts['load_end']}:"
        " the machine is shared, so absolute seconds are noisy; every ratio below compares"
        " numbers taken in this one process run, minutes apart.",
        "",
        "## How to rerun",
        "",
        "```",
        "make bench          # everything (writes this file and benchmarks/results/*.csv)",
        "make bench-quick    # the 25k selection comparison only -> benchmarks/results/quick.md",
        ".venv/bin/python benchmarks/selection.py --pool 25000 --labelled 1000   # one table",
        ".venv/bin/python benchmarks/end_to_end.py --dims 768",
        ".venv/bin/python benchmarks/scale.py --sizes 10000 25000 100000",
        "```",
        "",
        "`benchmarks/results/selection.csv` holds one row per measurement (`strategy`, `variant`,"
        " `implementation` ∈ annal / small-text / scikit-activeml / modAL / matmul-bound,"
        " `pool_size`, `n_labelled`, `dim`, `seconds`, `measure`, `flops`, `note`, `run_id`);"
        " `scale.csv` and `end_to_end.csv` likewise. Rows are appended per run; filter on"
        " `run_id`.",
        "",
        "## 1. Selection time per round",
        "",
        "Same pool, same labelled set, same batch (500) and, for margin, the same probabilities"
        " (a nearest-centroid softmax classifier fitted on the labelled rows, handed to every"
        " library as a fitted model), one process. annal: best of 3. A peer: best of 3 when"
        " three runs fit in its time cap, else one run; a call still running at the cap is"
        " stopped (SIGALRM) and gets a lower bound, marked ≥: the largest of the cap, its FLOPs"
        " floor (the distance products its algorithm must do, at the matmul speed measured in"
        " this run) and, for a greedy peer, the straight line through its 1-pick and j-pick"
        " times extended to 500 picks (per-pick cost never shrinks, so this under-estimates)."
        " A ratio against a lower bound is a lower bound; where it stays under 20× the table"
        " says *not shown*: the peer was stopped before the target could be told either way.",
        "",
        "Pools: " + "; ".join(f"{n:,}: {s}" for n, s in selection_sources.items()) + ".",
        "",
        "Peer settings (library defaults): small-text `GreedyCoreset()` (euclidean on normalised"
        " rows), `EmbeddingKMeans()` (scikit-learn k-means, k = batch), `BreakingTies()`;"
        " scikit-activeml `CoreSet()`, `TypiClust()` (k-means with k = labelled + batch),"
        " `UncertaintySampling(method='margin_sampling')`; modAL `margin_sampling`,"
        " `uncertainty_batch_sampling` (ranked batch: greedy, min distance to the labelled set"
        " mixed with uncertainty; the only peer strategy comparable to distance sampling)."
        " annal: `coreset` (exact k-center greedy, cosine), `cluster` (FAISS k-means, k ="
        " number of classes in the pool, at most 100 iterations, centroid/diverse/uncertain picks),"
        " `distance` (exact cosine, mean/min/max), `margin`.",
        "",
        *sel_md,
        *peer_notes(selection),
        "",
        "## 2. annal against the hardware: the matmul bound",
        "",
        "For each geometry strategy, the FLOPs it must do and the time of one numpy float32"
        " matmul (row-blocked, 64 MiB of output per block) of that size, in this run:"
        " distance mean = one matrix-vector product `U @ mean(L)`; distance min/max = `U @ L.T`;"
        " coreset = `U @ [L; picks].T` (the initial min-distance plus one update per pick);"
        " cluster = the Lloyd iterations FAISS k-means really ran (counted in an untimed run;"
        " annal stops once the objective stops improving, at most 100) over at most 256 k rows,"
        " plus one assignment of the unlabelled rows, as `U @ C.T` with as many columns.",
        "",
        *mm_md,
        "",
    ]
    if e2e:
        lines += [
            "## 3. End to end (paper protocol)",
            "",
            "Margin, 250 initial + 20 × 500, a fresh classifier fitted every round, the same"
            " initial set for every classifier. "
            + " ".join(f"d = {d}: {s}." for d, s in e2e_sources.items())
            + " `fit` = the classifier fits; `predict` = its probabilities on the unlabelled pool"
            " (what margin reads); `select` = the strategy; `evaluate` = predicting the test set"
            " and the metrics; `other` = the loop's bookkeeping. The fast classifier is the"
            " candidate with the smallest per-round cost (fit + probabilities on the pool) whose"
            " macro-F1, fitted once on the final labelled set of the `sgd` run, is within one"
            " point of `sgd`'s; its own run's final macro-F1 is in the table.",
            "",
            *e2e_table(e2e, e2e_screens),
            "",
        ]
    if scale:
        sc_md, sl = scale_table(scale)
        lines += [
            "## 4. Scale",
            "",
            "annal's selection time (best of 3, 1,000 labelled, batch 500) as the pool grows. "
            + "; ".join(f"{n:,}: {s}" for n, s in scale_sources.items())
            + ". Slope = least-squares slope of log(seconds) on log(pool size): 1 is linear.",
            "",
            *sc_md,
            "",
        ]
    else:
        sl = {}
    lines += ["## Targets", ""]
    for s in sel_sum:
        if s["verdict"] != "-":
            name = s["strategy"] + (f" ({s['variant']})" if s["variant"] else "")
            lines.append(
                f"- {name} at {s['n']:,} / {s['m']:,} labelled: {_ratio(s['ratio'], s['lower'])}"
                f" faster than the fastest peer — {s['verdict']}"
            )
    for s in mm_sum:
        name = s["strategy"] + (f" ({s['variant']})" if s["variant"] else "")
        lines.append(
            f"- {name} at {s['n']:,} / {s['m']:,}: {s['ratio']:.2f}× its matmul bound — "
            + ("within 2×" if s["ok"] else f"missed by {s['ratio'] / MATMUL_TARGET:.1f}×")
        )
    for r in e2e:
        if r.dim == 768:
            kind = "sgd" if r.classifier == "sgd" else "fast"
            t = E2E_TARGETS[kind]
            lines.append(
                f"- end to end at 25k × 768 with {r.classifier}: {r.total_s:.1f} s (target ≤ {t:.0f} s) — "
                + ("met" if r.total_s <= t else f"missed by {r.total_s / t:.1f}×")
            )
    for (name, variant), slope in sl.items():
        label = name + (f" ({variant})" if variant else "")
        lines.append(
            f"- {label} scale slope {slope:.2f} — "
            + ("linear or better" if slope <= 1.1 else "worse than linear")
        )
    if notes_path.is_file():
        lines += ["", notes_path.read_text().rstrip(), ""]
    lines += kept_sections(path)
    atomic_write_text(path, "\n".join(lines) + "\n")


def kept_sections(path: Path) -> list[str]:
    """Sections other benchmark scripts own in ``path`` (between ``<!-- name:start -->`` and
    ``<!-- name:end -->``, e.g. ``benchmarks/label_latency.py``'s), kept when this run rewrites
    the file."""
    if not path.is_file():
        return []
    found = re.finditer(r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->", path.read_text(), re.S)
    return [part for m in found for part in ("", m.group(0))]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks (see module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 25k selection comparison only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peer-cap", type=float, default=None, help="seconds per peer call")
    parser.add_argument("--report", type=Path, default=None, help="default BENCHMARKS.md")
    args = parser.parse_args(argv)

    from rich.console import Console

    console = Console(stderr=True)
    t_start = time.perf_counter()
    run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + ("-quick" if args.quick else "")
    facts = machine_facts() | {"load_start": _load(), "run_id": run_id, "quick": args.quick}
    root = shared_datasets_root()
    sizes = (25_000,) if args.quick else (25_000, 100_000)
    cap = args.peer_cap or (8.0 if args.quick else 12.0)

    def say(msg: str) -> None:
        console.log(f"[{time.perf_counter() - t_start:6.0f} s] {msg}")

    selection_rows, sources = [], {}
    for n in sizes:
        pool = make_pool(n, seed=args.seed, root=root)
        sources[n] = pool.source
        rows = run_selection(
            pool,
            (1_000, 5_000),
            batch=500,
            seed=args.seed,
            run_id=run_id,
            peer_cap_s=cap,
            # One configuration gives the k-means peers time to finish.
            long_cap_s={1_000: 60.0} if n == sizes[0] and not args.quick else None,
            progress=say,
        )
        append_rows(rows, SELECTION_CSV)
        selection_rows += rows
        del pool

    e2e_results, e2e_screens, e2e_sources = [], {}, {}
    scale_rows, scale_sources = [], {}
    if not args.quick:
        e2e_results, e2e_screens, e2e_sources = run_end_to_end(
            (768, 384), seed=args.seed, run_id=run_id, progress=say
        )
        append_results(e2e_results, END_TO_END_CSV)
        scale_rows, scale_sources = run_scale(seed=args.seed, run_id=run_id, progress=say)
        append_rows(scale_rows, SCALE_CSV)

    facts["load_end"] = _load()
    facts["wall_s"] = time.perf_counter() - t_start
    report = args.report or (QUICK_REPORT if args.quick else REPORT)
    write_report(
        report,
        facts=facts,
        selection=selection_rows,
        selection_sources=sources,
        e2e=e2e_results,
        e2e_screens=e2e_screens,
        e2e_sources=e2e_sources,
        scale=scale_rows,
        scale_sources=scale_sources,
    )
    say(f"wrote {report} in {math.ceil(facts['wall_s'])} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

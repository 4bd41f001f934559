"""Candidate pools at scale: one AL round on 100k and 1M MiniLM rows under seals/anchoral vs full,
and the quality the pools keep (issue 14).

Sub-commands (each prints its table; ``report`` writes the BENCHMARKS.md section):

``build``   pools of N rows in ``--dir`` (default /tmp/annal-scale, never the repo): every real row of
            the shared datasets' ``minilm.npy`` outside a 10 % held-out test set, plus jittered copies
            of random real training rows (Gaussian noise of norm ~0.1, re-normalised, labels carried
            over), written chunk by chunk as float16 ``.npy`` (memory-mapped; no N x d float32
            array); also a 1M-row dataset folder (``data.csv`` + ``minilm.npy``) for the CLI runs.
``time``    one round at budget 500 with 5,000 labelled rows, per (size, pool), each in its own
            process (peak RSS is the child's ``ru_maxrss``): sgd fit + candidate pool + selection for
            margin, coreset, distance, cluster. The pool is warmed by a first call with 4,500
            labelled rows (index built or loaded, SEALS expanded: reported as ``cold``), then 500
            more rows are labelled and the measured round searches only those.
``quality`` 20 rounds x 3 seeds of margin inside each pool (full, seals, anchoral, random) on the real
            65,704-row union and on extreme-imbalance tasks built from it (one real class as the
            minority at ~1 % and ~0.1 % of the pool, the rest "other"): final and AULC macro-F1
            and minority recall.
``cli``     one row per ``annal al run`` of the 1M folder into benchmarks/results/scale_pool_cli.csv,
            from ``--dir``'s ``RUN.csv`` (``--out``), ``RUN.time`` (``/usr/bin/time -v -o``) and
            ``RUN.load`` (the load average over the run, as text); a run of the same name is
            replaced.
``report``  the BENCHMARKS.md section from the CSVs in benchmarks/results/.

Timings are taken on a shared 2-core machine; every row records the 1-minute load average.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from common import append_records  # noqa: E402
from label_latency import write_section  # noqa: E402
from selection import (  # noqa: E402
    REAL_DATASETS,
    RESULTS_DIR,
    load_real_rows,
    shared_datasets_root,
)

DEFAULT_DIR = Path("/work/runs/scale")
TIME_CSV = RESULTS_DIR / "scale_pool_time.csv"
QUALITY_CSV = RESULTS_DIR / "scale_pool_quality.csv"
PEERS_CSV = RESULTS_DIR / "scale_pool_peers.csv"
LARGE_CSV = RESULTS_DIR / "scale_pool_large_paths.csv"
CLI_CSV = RESULTS_DIR / "scale_pool_cli.csv"
REPORT = BENCH_DIR.parent / "BENCHMARKS.md"
STRATEGIES = ("margin", "coreset", "distance?aggregate=min", "distance?aggregate=max", "cluster")
#: The pools' index: IVF cells with float16 vectors (768 MB at 1M rows; float32 took 1.5 GB).
INDEX = "faiss:ivf?nlist=1024&nprobe=8&storage=fp16"
PEER_CAP_S = 120.0
POOLS = {
    "full": "full",
    "seals": f"seals?k=100&index={INDEX}",
    "anchoral": f"anchoral?anchors=10&k=50&size=10000&index={INDEX}",
    "random": "random?size=10000",
}
JITTER = 0.1  # norm of the noise added to a copied row before re-normalising
CHUNK = 1 << 16
BUDGET, LABELLED = 500, 5000


def strategy(spec: str):
    """The annal strategy a spec like ``distance?aggregate=min`` names."""
    from annal.al import STRATEGIES, make_strategy

    name, params = STRATEGIES.parse_spec(spec)
    return make_strategy(name, **params)


def load() -> str:
    """The 1-minute load average, for the rows."""
    return f"{os.getloadavg()[0]:.1f}"


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def append_csv(path: Path, rows: list[dict]) -> None:
    """Append ``rows`` to ``path`` by column name (a row's own key order used to be written
    under the file's older header, misplacing values once the row gained a column)."""
    append_records(path, rows)


# -- build -------------------------------------------------------------------------------------
def _split(y: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    test[rng.choice(len(y), size=len(y) // 10, replace=False)] = True
    return np.flatnonzero(~test), np.flatnonzero(test)


def _write_jittered(path: Path, X_real: np.ndarray, base: np.ndarray, n: int, seed: int):
    """Rows ``base`` of ``X_real`` then jittered copies of random ones up to ``n``, as float16."""
    rng = np.random.default_rng(seed)
    extra = rng.choice(base, size=max(0, n - len(base)), replace=True)
    source = np.concatenate([base, extra])[:n]
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float16, shape=(n, X_real.shape[1]))
    for start in range(0, n, CHUNK):
        rows = X_real[source[start : start + CHUNK]].copy()
        copied = np.arange(start, start + len(rows)) >= len(base)
        noise = rng.standard_normal((int(copied.sum()), X_real.shape[1])).astype(np.float32)
        rows[copied] += noise * (JITTER / math.sqrt(X_real.shape[1]))
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        out[start : start + len(rows)] = rows
    out.flush()
    del out
    return source


def build(sizes: list[int], folder: Path, cli_rows: int) -> None:
    """Write the pools (see module docstring)."""
    import pandas as pd

    root = shared_datasets_root()
    if root is None:
        raise SystemExit("the shared datasets are needed (../shared/datasets)")
    folder.mkdir(parents=True, exist_ok=True)
    X_real, y_real = load_real_rows(root)
    train, test = _split(y_real)
    np.save(folder / "test.npy", X_real[test].astype(np.float16))
    np.save(folder / "test.y.npy", y_real[test])
    np.save(folder / "union.y.npy", y_real)
    np.save(folder / "union.npy", X_real.astype(np.float16))
    for n in sizes:
        t0 = time.perf_counter()
        source = _write_jittered(folder / f"pool-{n}.npy", X_real, train, n, seed=n)
        np.save(folder / f"pool-{n}.y.npy", y_real[source])
        print(f"pool {n:,}: {time.perf_counter() - t0:.1f} s, peak RSS {peak_rss_mb():.0f} MiB")
    if cli_rows:
        texts: list[str] = []
        labels: list[str] = []
        for name in REAL_DATASETS:
            df = pd.read_csv(root / name / "data.csv", usecols=["text", "label"])
            texts += df["text"].astype(str).tolist()
            labels += [f"{name}:{v}" for v in df["label"].astype(str)]
        cli = folder / f"cli-{cli_rows}"
        cli.mkdir(exist_ok=True)
        every = np.arange(len(X_real))
        source = _write_jittered(cli / "minilm.npy", X_real, every, cli_rows, seed=1)
        # Python strings, not a fixed-width numpy text array (1M x the longest abstract).
        text = [
            texts[s] if i < len(X_real) else f"{texts[s]} [copy {i - len(X_real)}]"
            for i, s in enumerate(source.tolist())
        ]
        frame = pd.DataFrame({"text": text, "label": [labels[s] for s in source.tolist()]})
        frame.to_csv(cli / "data.csv", index=False)
        print(f"CLI dataset {cli}: {cli_rows:,} rows")


# -- time --------------------------------------------------------------------------------------
def pool_specs(index: str) -> dict[str, str]:
    """The pools of the benchmark, with ``index`` as the ANN index of seals and anchoral."""
    return {name: spec.replace(INDEX, index) for name, spec in POOLS.items()}


def time_one(
    folder: Path, n: int, pool_name: str, strategies: list[str], seed: int, index: str = INDEX
) -> list[dict]:
    """One measured round (module docstring) in this process; returns the CSV rows."""
    from annal.al import PoolState
    from annal.al.geometry import as_float32
    from annal.al.models import LabelledModel, make_classifier
    from annal.al.pools import make_pool

    X = np.load(folder / f"pool-{n}.npy", mmap_mode="r")
    y = np.load(folder / f"pool-{n}.y.npy")
    n_classes = int(max(y.max(), np.load(folder / "test.y.npy").max()) + 1)
    ids = np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    labelled = np.zeros(n, dtype=bool)
    labelled[rng.choice(n, size=LABELLED - BUDGET, replace=False)] = True
    known = np.where(labelled, y, -1)
    pool = make_pool(pool_specs(index)[pool_name])
    t0 = time.perf_counter()
    pool.restrict(PoolState(X, ids, labelled, n_classes=n_classes, labels=known), BUDGET, seed)
    cold_s = time.perf_counter() - t0
    built = getattr(pool, "pool_index", lambda: None)()
    build_s = None if built is None or built.loaded else built.build_s
    new = rng.choice(np.flatnonzero(~labelled), size=BUDGET, replace=False)
    labelled[new] = True
    known[new] = y[new]
    t0, c0 = time.perf_counter(), time.process_time()
    model = LabelledModel(make_classifier("sgd", seed), n_classes).fit(
        as_float32(X[labelled]), y[labelled]
    )
    fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    state = PoolState(X, ids, labelled, model=model, n_classes=n_classes, labels=known)
    t0, c0 = time.perf_counter(), time.process_time()
    sub, stats = pool.restrict(state, BUDGET, seed + 1)
    pool_s, pool_cpu = time.perf_counter() - t0, time.process_time() - c0
    unit_s = 0.0
    rows = []
    for spec in strategies:
        fresh = PoolState(
            sub.X, sub.ids, sub.labelled, model=model, n_classes=n_classes, unit=sub._unit
        )
        chosen = strategy(spec)
        large = any(
            getattr(chosen, f, lambda _s: False)(fresh) for f in ("uses_pivots", "uses_sample")
        )
        if pool_name == "full" and spec != "margin" and not large and sub._unit is None:
            t0 = time.perf_counter()  # the loop computes unit rows once per run, not per round
            sub._unit = fresh.unit
            unit_s = time.perf_counter() - t0
            fresh._unit = sub._unit
        t0, c0 = time.perf_counter(), time.process_time()
        picked = chosen.select(fresh, BUDGET, seed=seed)
        select_s, select_cpu = time.perf_counter() - t0, time.process_time() - c0
        assert len(set(picked.tolist())) == BUDGET and not labelled[picked].any()
        rows.append(
            {
                "n": n,
                "pool": pool_name,
                "strategy": spec,
                "fit_s": round(fit_s, 3),
                "pool_s": round(pool_s, 3),
                "select_s": round(select_s, 3),
                "round_s": round(fit_s + pool_s + select_s, 3),
                "round_cpu_s": round(fit_cpu + pool_cpu + select_cpu, 3),
                "pool_size": stats.size,
                "cold_pool_s": round(cold_s, 2),
                "unit_once_s": round(unit_s, 2),
                "index": index if built else "",
                "index_build_s": "" if build_s is None else round(build_s, 1),
                "index_loaded": bool(built and built.loaded),
                "index_mb": round(built.disk_bytes() / 2**20) if built else "",
                "large_path": large,
                "peak_rss_mb": round(peak_rss_mb()),
                "load": load(),
                "repr": repr(chosen),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def run_child(cmd: list[str], csv_path: Path) -> int:
    """Run a measuring child process; its JSON lines are appended to ``csv_path``."""
    out = subprocess.run(cmd, capture_output=True, text=True)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0:
        print(out.stderr[-3000:], file=sys.stderr)
    if rows:
        append_csv(csv_path, rows)
    return out.returncode


def run_time(
    folder: Path,
    sizes: list[int],
    pools: list[str],
    strategies: list[str],
    seed: int,
    index: str = INDEX,
):
    """Each (size, pool) in a child process; rows appended to the CSV."""
    for n in sizes:
        for pool in pools:
            cmd = [sys.executable, __file__, "time-one", "--dir", str(folder), "--size", str(n)]
            cmd += ["--pool", pool, "--strategies", ";".join(strategies), "--seed", str(seed)]
            cmd += ["--index", index]
            t0 = time.perf_counter()
            rc = run_child(cmd, TIME_CSV)
            print(f"{n:>9,} {pool:<9} {time.perf_counter() - t0:6.1f} s wall, rc {rc}")


# -- peers ---------------------------------------------------------------------------------------
def _centroid_softmax():
    """The class :class:`CentroidSoftmax` (scikit-learn imported on first use)."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    class CentroidSoftmax(ClassifierMixin, BaseEstimator):
        """The peers' classifier: softmax of 20 x cosine to each class's mean labelled row, for
        any rows (small-text asks the whole pool, scikit-activeml only its sub-sample). Cheap,
        so the peers are timed on their candidate pools and selection."""

        def __init__(self, n_classes: int = 2) -> None:
            self.n_classes = n_classes

        def fit(self, X: np.ndarray, y: np.ndarray) -> CentroidSoftmax:
            y = np.asarray(y).astype(np.int64)
            C = np.zeros((self.n_classes, X.shape[1]), dtype=np.float32)
            np.add.at(C, y, np.asarray(X, dtype=np.float32))
            self.C = C / np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)
            self.classes_ = np.arange(self.n_classes)
            self.n_features_in_ = X.shape[1]
            return self

        def predict_proba(self, X: np.ndarray) -> np.ndarray:
            out = np.empty((len(X), self.n_classes), dtype=np.float32)
            for start in range(0, len(X), CHUNK):
                z = 20.0 * (np.asarray(X[start : start + CHUNK], dtype=np.float32) @ self.C.T)
                z -= z.max(axis=1, keepdims=True)
                np.exp(z, out=z)
                out[start : start + len(z)] = z / z.sum(axis=1, keepdims=True)
            return out

        def predict(self, X: np.ndarray) -> np.ndarray:
            return self.predict_proba(X).argmax(axis=1)

        # small-text protocol
        @property
        def num_classes(self) -> int:
            return self.n_classes

        def embed(self, dataset, pbar=None, **kw) -> np.ndarray:
            return dataset

    return CentroidSoftmax


def peer_calls(X, y_lab, labelled, n_classes, seed):
    """label -> a call returning the peer's batch (positions), margin inside every pool."""
    import warnings

    unl = np.setdiff1d(np.arange(len(X)), labelled)
    CentroidSoftmax = _centroid_softmax()
    clf = CentroidSoftmax(n_classes).fit(X[labelled], y_lab)
    calls = {}
    try:
        from small_text.query_strategies import SEALS, AnchorSubsampling, BreakingTies

        def small_text(make):
            def run():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = make().query(clf, X, unl, labelled, y_lab, n=BUDGET, pbar=None)
                return np.asarray(out)

            return run

        calls["small-text SEALS(BreakingTies, k=100)"] = small_text(
            lambda: SEALS(BreakingTies(), k=100)
        )
        calls["small-text AnchorSubsampling(BreakingTies, 10000, 10 anchors, k=50)"] = small_text(
            lambda: AnchorSubsampling(BreakingTies(), subsample_size=10_000)
        )
    except ImportError as exc:
        print(f"small-text not available: {exc}", file=sys.stderr)
    try:
        from skactiveml.classifier import SklearnClassifier
        from skactiveml.pool import SubSamplingWrapper, UncertaintySampling

        y = np.full(len(X), np.nan)
        y[labelled] = y_lab
        sk_clf = SklearnClassifier(CentroidSoftmax(n_classes), classes=np.arange(n_classes))
        sk_clf.fit(X, y)

        def skactiveml():
            wrapper = SubSamplingWrapper(
                UncertaintySampling(method="margin_sampling", random_state=seed),
                max_candidates=10_000,
                random_state=seed,
            )
            return np.asarray(wrapper.query(X, y, clf=sk_clf, fit_clf=False, batch_size=BUDGET))

        calls["scikit-activeml SubSamplingWrapper(margin, 10000)"] = skactiveml
    except ImportError as exc:
        print(f"scikit-activeml not available: {exc}", file=sys.stderr)
    return calls


def time_peers(folder: Path, n: int, seed: int, cap_s: float) -> list[dict]:
    """One query of every peer at pool size ``n`` with ``LABELLED`` labelled rows, each stopped
    at ``cap_s`` (then reported as a lower bound); the peers build their own index inside it."""
    from selection import capped, check_selection

    X = np.load(folder / f"pool-{n}.npy", mmap_mode="r")
    y = np.load(folder / f"pool-{n}.y.npy")
    n_classes = int(max(y.max(), np.load(folder / "test.y.npy").max()) + 1)
    rng = np.random.default_rng(seed)
    labelled = np.sort(rng.choice(n, size=LABELLED, replace=False))
    Xf = np.empty(X.shape, dtype=np.float32)  # the peers take float32 arrays in memory
    for start in range(0, n, CHUNK):
        block = np.asarray(X[start : start + CHUNK], dtype=np.float32)
        Xf[start : start + CHUNK] = block / np.linalg.norm(block, axis=1, keepdims=True)
    rows = []
    for label, call in peer_calls(Xf, y[labelled], labelled, n_classes, seed).items():
        c0 = time.process_time()
        seconds = capped(
            call, cap_s, lambda sel, who=label: check_selection(sel, labelled, BUDGET, who)
        )
        rows.append(
            {
                "n": n,
                "peer": label,
                "seconds": round(seconds, 2) if math.isfinite(seconds) else "",
                "lower_bound": "" if math.isfinite(seconds) else cap_s,
                "cpu_s": round(time.process_time() - c0, 1),
                "peak_rss_mb": round(peak_rss_mb()),
                "load": load(),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def run_peers(folder: Path, sizes: list[int], seed: int, cap_s: float) -> None:
    """:func:`time_peers` per size, each in its own process; rows appended to the CSV."""
    for n in sizes:
        cmd = [sys.executable, __file__, "peers-one", "--dir", str(folder), "--size", str(n)]
        cmd += ["--seed", str(seed), "--cap", str(cap_s)]
        run_child(cmd, PEERS_CSV)


# -- quality -----------------------------------------------------------------------------------
def quality_tasks(folder: Path) -> dict[str, tuple[np.ndarray, np.ndarray, int | None]]:
    """name -> (X float32, y, minority code or None) over the real union."""
    X = np.load(folder / "union.npy").astype(np.float32)
    y = np.load(folder / "union.y.npy")
    tasks: dict = {"union": (X, y, None)}
    import pandas as pd

    root = shared_datasets_root()
    emotion = pd.read_csv(root / "emotion" / "data.csv", usecols=["label"])["label"].astype(str)
    rarest = emotion.value_counts().idxmin()  # emotion's rarest class: a real minority concept
    labels = np.concatenate(
        [
            (
                name
                + ":"
                + pd.read_csv(root / name / "data.csv", usecols=["label"])["label"].astype(str)
            ).to_numpy()
            for name in REAL_DATASETS
        ]
    )
    minority = labels == f"emotion:{rarest}"
    rng = np.random.default_rng(0)
    for share, name in ((0.01, "minority 1%"), (0.001, "minority 0.1%")):
        other = np.flatnonzero(~minority)
        k = max(2, int(round(share * len(other) / (1 - share))))
        keep = np.sort(
            np.concatenate([other, rng.choice(np.flatnonzero(minority), k, replace=False)])
        )
        tasks[name] = (X[keep], minority[keep].astype(np.int64), 1)
    return tasks


def _minority_labelled(loop, recs, X, y, minority: int) -> int:
    """Minority rows in the final labelled set (initial set + every selected batch)."""
    first = loop.initial_ids(X, np.arange(len(y)), n_classes=int(y.max()) + 1, y_pool=y)
    chosen = np.concatenate([first, *[np.asarray(r.selected_ids, dtype=np.int64) for r in recs]])
    return int((y[chosen] == minority).sum())


def run_quality(folder: Path, rounds: int, seeds: list[int], pools: list[str], tasks: list[str]):
    from annal.al import ActiveLearningLoop, stratified_split

    done = set()
    if QUALITY_CSV.is_file():
        import pandas as pd

        prev = pd.read_csv(QUALITY_CSV)
        done = set(zip(prev["task"], prev["pool"], prev["seed"], prev["rounds"], strict=True))
    all_tasks = quality_tasks(folder)
    # Seed-major: every task and pool gets seed 0 before any gets seed 1, so a run stopped
    # early still compares every pool on the same seeds.
    for seed in seeds:
        for task in tasks:
            X, y, minority = all_tasks[task]
            train, test = stratified_split(y, test_size=0.2, seed=seed)
            for pool in pools:
                if (task, pool, seed, rounds) in done:
                    continue
                loop = ActiveLearningLoop(
                    "margin",
                    initial=250,
                    budget=BUDGET,
                    rounds=rounds,
                    seed=seed,
                    pool=POOLS[pool],
                    stopping=(),
                )
                t0, c0 = time.perf_counter(), time.process_time()
                recs = loop.run(X[train], y[train], X[test], y[test], n_classes=int(y.max()) + 1)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                lab = np.array([r.n_labelled for r in recs], dtype=float)
                f1 = np.array([r.f1_macro for r in recs])
                aulc = float(np.trapezoid(f1, lab) / (lab[-1] - lab[0]))
                row = {
                    "task": task,
                    "pool": pool,
                    "seed": seed,
                    "rounds": rounds,
                    "final_f1": round(float(f1[-1]), 4),
                    "aulc_f1": round(aulc, 4),
                    "final_minority_recall": ""
                    if minority is None
                    else round(recs[-1].recall_per_class[minority], 4),
                    "mean_minority_recall": ""
                    if minority is None
                    else round(float(np.mean([r.recall_per_class[minority] for r in recs])), 4),
                    "minority_labelled": ""
                    if minority is None
                    else _minority_labelled(loop, recs, X[train], y[train], minority),
                    "mean_pool_size": round(float(np.mean([r.pool_size for r in recs[:-1]]))),
                    "query_plus_pool_s": round(sum(r.query_s + r.pool_search_s for r in recs), 1),
                    "index_build_s": round(sum(r.pool_build_s for r in recs), 1),
                    "wall_s": round(wall, 1),
                    "cpu_s": round(cpu, 1),
                    "load": load(),
                }
                append_csv(QUALITY_CSV, [row])
                print(json.dumps(row), flush=True)


def run_quality_large(folder: Path, rounds: int, seeds: list[int], strategies: list[str]):
    """The large-pool paths against the exact ones on the real union (52k rows, forced with
    ``large_pool=1``): same initial set and seed; round-1 picks overlap, final and AULC F1."""
    from annal.al import STRATEGIES, ActiveLearningLoop, make_strategy, stratified_split

    done = set()
    if LARGE_CSV.is_file():  # rerunning with more seeds adds only the missing ones
        import pandas as pd

        prev = pd.read_csv(LARGE_CSV)
        done = set(zip(prev["strategy"], prev["seed"], prev["rounds"], strict=True))
    X, y, _ = quality_tasks(folder)["union"]
    for seed in seeds:
        train, test = stratified_split(y, test_size=0.2, seed=seed)
        for spec in strategies:
            if (spec, seed, rounds) in done:
                continue
            name, params = STRATEGIES.parse_spec(spec)
            runs = {}
            for variant, extra in (("exact", {}), ("large", {"large_pool": 1})):
                loop = ActiveLearningLoop(
                    make_strategy(name, **params, **extra),
                    initial=250,
                    budget=BUDGET,
                    rounds=rounds,
                    seed=seed,
                    stopping=(),
                )
                t0, c0 = time.perf_counter(), time.process_time()
                recs = loop.run(X[train], y[train], X[test], y[test], n_classes=int(y.max()) + 1)
                runs[variant] = (recs, time.perf_counter() - t0, time.process_time() - c0)
            first = [set(runs[v][0][0].selected_ids) for v in ("exact", "large")]
            rows = []
            for variant, (recs, wall, cpu) in runs.items():
                lab = np.array([r.n_labelled for r in recs], dtype=float)
                f1 = np.array([r.f1_macro for r in recs])
                rows.append(
                    {
                        "strategy": spec,
                        "variant": variant,
                        "seed": seed,
                        "rounds": rounds,
                        "final_f1": round(float(f1[-1]), 4),
                        "aulc_f1": round(float(np.trapezoid(f1, lab) / (lab[-1] - lab[0])), 4),
                        "round1_overlap": round(len(first[0] & first[1]) / BUDGET, 3),
                        "query_s": round(sum(r.query_s for r in recs), 1),
                        "wall_s": round(wall, 1),
                        "cpu_s": round(cpu, 1),
                        "load": load(),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
            append_csv(LARGE_CSV, rows)


# -- report ------------------------------------------------------------------------------------
def _fmt(v: float, digits: int = 2) -> str:
    return (
        "–" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.{digits}f}"
    )


def _strategy_label(spec: str) -> str:
    """``distance?aggregate=min`` -> ``distance (min)``."""
    name, _, rest = spec.partition("?")
    return f"{name} ({rest.partition('=')[2]})" if rest else name


def _time_file(path: Path) -> dict:
    """Wall, user+system CPU seconds and peak RSS from a ``/usr/bin/time -v`` file."""
    facts = {}
    for line in path.read_text().splitlines():
        key, _, value = line.strip().rpartition(": ")
        facts[key] = value
    wall = 0.0
    for part in facts.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "0").split(":"):
        wall = wall * 60 + float(part)
    cpu = float(facts.get("User time (seconds)", 0)) + float(facts.get("System time (seconds)", 0))
    rss = int(facts.get("Maximum resident set size (kbytes)", 0)) / 1024
    return {"wall": wall, "cpu": cpu, "rss": rss}


def collect_cli(cli_dir: Path) -> list[dict]:
    """The CLI table's rows from ``cli_dir`` (see ``cli`` in the module docstring), merged into
    :data:`CLI_CSV` by run name."""
    import pandas as pd

    rows = []
    for f in sorted(Path(cli_dir).glob("*.csv")):
        d = pd.read_csv(f)
        sel = d[d["pool_size"] > 0]
        tf, lf = f.with_suffix(".time"), f.with_suffix(".load")
        facts = _time_file(tf) if tf.is_file() else {"wall": math.nan, "cpu": math.nan, "rss": 0}
        rows.append(
            {
                "run": f.stem,
                "rounds": len(d) - 1,
                "wall_s": round(facts["wall"]),
                "cpu_s": round(facts["cpu"]),
                "peak_rss_mib": round(facts["rss"]),
                "fit_s": round(d["fit_s"].mean(), 2),
                "pool_s": round(sel["pool_search_s"].mean(), 2),
                "query_s": round(sel["query_s"].mean(), 2),
                "eval_s": round(d["eval_s"].mean(), 2),
                "index_build_s": round(d["pool_build_s"].sum()),
                "candidates_first": int(sel["pool_size"].iloc[0]),
                "candidates_last": int(sel["pool_size"].iloc[-1]),
                "final_f1": round(d["f1_macro"].iloc[-1], 3),
                "load": lf.read_text().strip() if lf.is_file() else "",
            }
        )
    old = pd.read_csv(CLI_CSV, keep_default_na=False) if CLI_CSV.is_file() else pd.DataFrame()
    table = pd.concat([old, pd.DataFrame(rows)]).drop_duplicates("run", keep="last")
    CLI_CSV.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(CLI_CSV, index=False)
    for row in rows:
        print(json.dumps(row))
    return rows


def report(path: Path = REPORT) -> str:
    """The BENCHMARKS.md section (also returned) from the CSVs."""
    import pandas as pd

    lines = [
        "## Candidate pools at scale (`benchmarks/scale_pool.py`, issue 14)",
        "",
        "One AL round at budget 500 with 5,000 labelled rows on pools of real MiniLM rows "
        "(all real rows of the 7 shared datasets outside a 10 % test set, plus jittered copies, "
        "float16 memory-mapped). `round` = sgd fit + candidate pool + selection (wall), `CPU` "
        "the same in process CPU seconds; `pool` = finding the candidates this round (SEALS "
        "searches only the 500 rows labelled since the last round); `cold` = the first call "
        "(index loaded, SEALS expanded from 4,500 labelled rows), once per run. `path`: "
        "`pivots`/`sample` where the strategy took its large-pool path (min/max distance and "
        "core-set through a pivot index of the labelled set, cluster through k-means on a "
        "sample and a centroid index), `exact` otherwise. Index: "
        f"`{INDEX}`, built once per pool and saved next to the embeddings. `×full` = full's "
        "round time / this round time (same size, strategy). Peak RSS is the child process's "
        "(`ru_maxrss`, the whole run including the cold call). Shared 2-core machine: `load` is "
        "the 1-minute load average at the row (2.0 would be both cores busy).",
        "",
    ]
    if TIME_CSV.is_file():
        t = pd.read_csv(TIME_CSV).drop_duplicates(["n", "pool", "strategy"], keep="last")
        # Rows of earlier runs (session 2) have no CPU seconds or path column.
        t = t.assign(**{c: t.get(c, math.nan) for c in ("round_cpu_s", "large_path")})
        full = t[t["pool"] == "full"].set_index(["n", "strategy"])["round_s"]
        lines += [
            "| pool size | pool | strategy | fit s | pool s | select s | round s | CPU s | "
            "×full | candidates | path | cold s | peak RSS MiB | load |",
            "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
        ]
        order = {"full": 0, "seals": 1, "anchoral": 2, "random": 3}
        t = t.assign(o=t["pool"].map(order)).sort_values(["n", "strategy", "o"])
        for r in t.itertuples():
            ratio = full.get((r.n, r.strategy))
            ratio = "–" if ratio is None or r.pool == "full" else f"{ratio / r.round_s:.1f}"
            path_ = "exact"
            if str(r.large_path) == "True":
                path_ = "sample" if r.strategy.startswith("cluster") else "pivots"
            lines.append(
                f"| {r.n:,} | {r.pool} | {_strategy_label(r.strategy)} | {_fmt(r.fit_s)} | "
                f"{_fmt(r.pool_s)} | {_fmt(r.select_s)} | **{_fmt(r.round_s)}** | "
                f"{_fmt(r.round_cpu_s)} | {ratio} | {r.pool_size:,} | {path_} | "
                f"{_fmt(r.cold_pool_s, 1)} | {r.peak_rss_mb:,} | {r.load} |"
            )
        if t["round_cpu_s"].isna().any():
            lines += [
                "",
                "Rows without CPU seconds come from the previous session's run (index "
                "`faiss:hnsw?M=32`, float32 candidates, `distance` = the mean, no large-pool "
                "paths); they are kept where no newer row replaces them.",
            ]
    if PEERS_CSV.is_file() and TIME_CSV.is_file():
        p = pd.read_csv(PEERS_CSV).drop_duplicates(["n", "peer"], keep="last")
        t = pd.read_csv(TIME_CSV).drop_duplicates(["n", "pool", "strategy"], keep="last")
        margin = t[t["strategy"] == "margin"].set_index(["n", "pool"])
        lines += [
            "",
            "Peers, same pools and labelled rows, margin inside the pool, one query each, stopped "
            f"at {PEER_CAP_S:.0f} s (then shown as ≥). A peer's query builds its own index (neither "
            "library keeps one across calls); annal's is built once and loaded, so annal is shown "
            "as pool + selection of a round (no fit; the peers get a nearest-centroid softmax "
            "instead of a fitted sgd) and, in brackets, with the cold call (index load, SEALS "
            "expansion) added. Ratio = peer / annal.",
            "",
            "| pool size | peer | peer s | annal pool | annal s (with cold) | ratio |",
            "|---:|---|---:|---|---:|---:|",
        ]
        match = {"SEALS": "seals", "Anchor": "anchoral", "SubSampling": "random"}
        for r in p.itertuples():
            pool = next((v for k, v in match.items() if k in r.peer), "")
            peer_s = r.seconds if pd.notna(r.seconds) and str(r.seconds) != "" else None
            shown = (
                f"{float(peer_s):.1f}" if peer_s is not None else f"≥ {float(r.lower_bound):.0f}"
            )
            if (r.n, pool) in margin.index:
                row = margin.loc[(r.n, pool)]
                annal = float(row["pool_s"]) + float(row["select_s"])
                cold = annal + float(row["cold_pool_s"])
                secs = float(peer_s) if peer_s is not None else float(r.lower_bound)
                ratio = ("" if peer_s is not None else "≥ ") + f"{secs / annal:.0f}×"
                lines.append(
                    f"| {r.n:,} | {r.peer} | {shown} | {pool} | {annal:.2f} ({cold:.1f}) | "
                    f"{ratio} |"
                )
            else:
                lines.append(f"| {r.n:,} | {r.peer} | {shown} | {pool} (not run) | – | – |")
    if LARGE_CSV.is_file():
        q = pd.read_csv(LARGE_CSV)
        lines += [
            "",
            "The large-pool paths against the exact ones on the real 65,704-row union (52k pool "
            "rows, forced with `large_pool=1`), same seed and initial set, full pool, initial 250, "
            "budget 500: `round-1 overlap` = share of the first batch both paths picked.",
            "",
            "| strategy | path | seeds × rounds | final macro-F1 | AULC macro-F1 | round-1 overlap "
            "| query s/run |",
            "|---|---|---|---:|---:|---:|---:|",
        ]
        for (spec, variant), g in q.groupby(["strategy", "variant"], sort=False):
            lines.append(
                f"| {_strategy_label(spec)} | {variant} | {len(g)} × {int(g['rounds'].iloc[0])} | "
                f"{g['final_f1'].mean():.3f} | {g['aulc_f1'].mean():.3f} | "
                f"{g['round1_overlap'].mean():.2f} | {g['query_s'].mean():.1f} |"
            )
    if QUALITY_CSV.is_file():
        q = pd.read_csv(QUALITY_CSV)
        q = q[q["rounds"] == q["rounds"].max()]
        lines += [
            "",
            "Quality: margin inside each pool, initial 250, budget 500, mean ± sd over seeds "
            "(AULC = area under macro-F1 vs labels, normalised). Minority recall is the recall of "
            "the minority class on the test set.",
            "",
            "| task | pool | seeds × rounds | final macro-F1 | AULC macro-F1 | final minority recall "
            "| mean minority recall | minority labelled | mean candidates | query+pool s/run |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for (task, pool), g in q.groupby(["task", "pool"], sort=False):

            def ms(col: str, g=g) -> str:
                v = pd.to_numeric(g[col], errors="coerce").dropna()
                return "–" if v.empty else f"{v.mean():.3f} ± {v.std(ddof=0):.3f}"

            ml = pd.to_numeric(g["minority_labelled"], errors="coerce").dropna()
            lines.append(
                f"| {task} | {pool} | {len(g)} × {int(g['rounds'].iloc[0])} | {ms('final_f1')} | "
                f"{ms('aulc_f1')} | {ms('final_minority_recall')} | {ms('mean_minority_recall')} | "
                f"{'–' if ml.empty else f'{ml.mean():.0f}'} | {g['mean_pool_size'].mean():,.0f} | "
                f"{g['query_plus_pool_s'].mean():.1f} |"
            )
    if CLI_CSV.is_file():
        lines += [
            "",
            "From the CLI on a 1,000,000-row dataset folder (`data.csv` + float16 `minilm.npy`, "
            "all 65,704 real rows plus jittered copies; pool 788,503 after deduplication and the "
            "20 % test split), "
            "`annal al run DIR --strategy S --pool P --rounds 10 --budget 500 --initial 4500 "
            f"--out S-P.csv`, P = `seals?k=100&index={INDEX}` or "
            f"`anchoral?anchors=10&k=50&size=10000&index={INDEX}`, under `nice -n 5` and "
            "`/usr/bin/time -v` (wall, user+system CPU, peak RSS of the whole command: load, "
            "index, 11 fits and evaluations on 197k test rows). Per round: mean seconds. "
            "`-session3` rows: session 3's code, before the memory fixes; `coreset-*` and "
            "`margin-seals-293cf39`: commit 293cf39 (all memory fixes but the CSV read's); "
            "`margin-seals` and `margin-anchoral`: commit 4c4f8d0 (all of them). "
            "`margin-seals` and `margin-seals-293cf39` built the index (into an empty cache "
            "folder), `margin-anchoral` and `coreset-*` loaded it (`index build s` is then the "
            "load). `load`: the 1-minute load average "
            "over the run (mean, min–max, sampled every 20 s), 2.0 = both cores busy.",
            "",
            "| run | rounds | wall s | CPU s | peak RSS MiB | fit s | pool s | query s | eval s "
            "| index build s | candidates (first → last) | final macro-F1 | load |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
        ]
        for r in pd.read_csv(CLI_CSV, keep_default_na=False).to_dict("records"):
            lines.append(
                f"| `{r['run']}` | {r['rounds']} | {r['wall_s']} | {r['cpu_s']} | "
                f"{r['peak_rss_mib']:,} | {r['fit_s']:.2f} | {r['pool_s']:.2f} | "
                f"{r['query_s']:.2f} | {r['eval_s']:.2f} | {r['index_build_s']} | "
                f"{r['candidates_first']:,} → {r['candidates_last']:,} | {r['final_f1']:.3f} | "
                f"{r['load'] or '–'} |"
            )
    notes = RESULTS_DIR / "scale_pool_notes.md"
    if notes.is_file():
        lines += ["", notes.read_text().strip()]
    section = "\n".join(lines)
    write_section(path, "scale-pool", section)
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    b.add_argument("--cli-rows", type=int, default=1_000_000)
    for p in (b, sub.add_parser("time"), sub.add_parser("time-one"), sub.add_parser("quality")):
        p.add_argument("--dir", type=Path, default=DEFAULT_DIR)
        p.add_argument("--seed", type=int, default=0)
    tp = parser._subparsers._group_actions[0].choices  # noqa: SLF001
    tp["time"].add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    tp["time"].add_argument("--pools", default="full,seals,anchoral")
    tp["time"].add_argument("--strategies", default=";".join(STRATEGIES))
    tp["time-one"].add_argument("--size", type=int, required=True)
    tp["time-one"].add_argument("--pool", required=True)
    tp["time-one"].add_argument("--strategies", default=";".join(STRATEGIES))
    for name in ("time", "time-one"):
        tp[name].add_argument("--index", default=INDEX, help="ANN index of seals/anchoral")
    tp["quality"].add_argument("--rounds", type=int, default=20)
    tp["quality"].add_argument("--seeds", type=int, default=3)
    tp["quality"].add_argument("--pools", default="full,seals,anchoral,random")
    tp["quality"].add_argument("--tasks", default="union,minority 1%,minority 0.1%")
    for name in ("peers", "peers-one"):
        pp = sub.add_parser(name)
        pp.add_argument("--dir", type=Path, default=DEFAULT_DIR)
        pp.add_argument("--seed", type=int, default=0)
        pp.add_argument("--cap", type=float, default=PEER_CAP_S)
    tp["peers"].add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    tp["peers-one"].add_argument("--size", type=int, required=True)
    ql = sub.add_parser("quality-large")
    ql.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ql.add_argument("--rounds", type=int, default=10)
    ql.add_argument("--seeds", type=int, default=1)
    ql.add_argument("--strategies", default="coreset;distance?aggregate=min;cluster")
    cp = sub.add_parser("cli")
    cp.add_argument("--dir", type=Path, default=DEFAULT_DIR / "cli-out")
    sub.add_parser("report")
    args = parser.parse_args(argv)
    if args.cmd == "build":
        build(args.sizes, args.dir, args.cli_rows)
    elif args.cmd == "time":
        run_time(
            args.dir,
            args.sizes,
            args.pools.split(","),
            args.strategies.split(";"),
            args.seed,
            args.index,
        )
    elif args.cmd == "time-one":
        from annal._threads import on_one_blas_thread

        # One BLAS thread, as ActiveLearningLoop.run computes a round (CPU s then is one
        # core's time, not two threads' spinning).
        on_one_blas_thread(time_one)(
            args.dir, args.size, args.pool, args.strategies.split(";"), args.seed, args.index
        )
    elif args.cmd == "peers":
        run_peers(args.dir, args.sizes, args.seed, args.cap)
    elif args.cmd == "peers-one":
        time_peers(args.dir, args.size, args.seed, args.cap)
    elif args.cmd == "quality-large":
        run_quality_large(
            args.dir, args.rounds, list(range(args.seeds)), args.strategies.split(";")
        )
    elif args.cmd == "quality":
        run_quality(
            args.dir,
            args.rounds,
            list(range(args.seeds)),
            args.pools.split(","),
            args.tasks.split(","),
        )
    elif args.cmd == "cli":
        collect_cli(args.dir)
    else:
        print(report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

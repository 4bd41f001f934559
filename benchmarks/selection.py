"""Selection time per round: annal vs small-text, scikit-activeml and modAL, and vs the matmul bound.

For each pool size and labelled-set size, every implementation picks one batch from the SAME
pool, labelled set and classifier probabilities, in this one process. annal and the matmul
bounds are timed best of 3; a peer is timed best of 3 when that fits in its time cap, once when
only one run fits, and otherwise it is stopped at the cap and given a LOWER BOUND of its time
(so the speed-up ratios it yields are lower bounds too): the largest of the cap, its FLOPs
floor (:mod:`peers.flops` at the matmul speed measured in the run) and, for a greedy peer (one
pick after another), the straight line through its 1-pick and j-pick times extended to the
batch; its per-pick cost grows with the picks made (small-text, modAL recompute distances to
every center) or stays flat (scikit-activeml), so the line never overestimates.

Run as a script for one table, e.g. ``python benchmarks/selection.py --pool 25000 --labelled 1000``;
``run_all.py`` calls :func:`run_selection` for the whole grid.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SELECTION_CSV = RESULTS_DIR / "selection.csv"
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from annal._env import environment  # noqa: E402
from annal.data import shared_datasets_root as shared_root  # noqa: E402
from common import append_csv, best_of  # noqa: E402
from peers import PEERS, Peer, fixed_proba, unlabelled_positions  # noqa: E402

#: Datasets whose ``minilm.npy`` rows make up the real pools (all of them, 65,704 rows).
REAL_DATASETS = (
    "emotion",
    "banking77",
    "tmdb_genre",
    "r8",
    "trec6",
    "trec50",
    "arxiv_thealphacubicle",
)
#: The annal side: (strategy, variant, make_strategy parameters).
ANNAL_STRATEGIES: tuple[tuple[str, str, dict], ...] = (
    ("coreset", "", {}),
    ("cluster", "", {}),
    ("distance", "mean", {"aggregate": "mean"}),
    ("distance", "min", {"aggregate": "min"}),
    ("distance", "max", {"aggregate": "max"}),
    ("margin", "", {}),
)
GEOMETRY = ("coreset", "cluster", "distance")
CSV_COLUMNS = (
    "run_id",
    "strategy",
    "variant",
    "implementation",
    "label",
    "pool_size",
    "n_labelled",
    "batch",
    "dim",
    "seconds",
    "measure",
    "repeats",
    "flops",
    "note",
)


# --------------------------------------------------------------------------- pools


def shared_datasets_root() -> Path | None:
    """The shared datasets (:func:`annal.data.shared_datasets_root`) when they hold emotion's
    MiniLM vectors, else None."""
    root = shared_root()
    return root if root is not None and (root / "emotion" / "minilm.npy").is_file() else None


def _unit(X: np.ndarray) -> np.ndarray:
    X = np.ascontiguousarray(X, dtype=np.float32)
    X /= np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    return X


@dataclass
class Pool:
    """A benchmark pool: unit rows, integer labels and where they came from.

    Attributes
    ----------
    X : np.ndarray of float32, shape (n, d)
        Unit-length rows.
    y : np.ndarray of int64, shape (n,)
        Class of each row (only used to fit the classifier on the labelled rows).
    source : str
        One line saying how the pool was built.
    """

    X: np.ndarray
    y: np.ndarray
    source: str

    @property
    def n_classes(self) -> int:
        return int(self.y.max()) + 1


def load_real_rows(root: Path) -> tuple[np.ndarray, np.ndarray]:
    """All rows of the shared datasets' ``minilm.npy`` (float32 unit rows) and their classes.

    Classes are ``dataset:label`` (so the 7 datasets give 174 classes), int64 codes.
    """
    import pandas as pd

    vectors, labels = [], []
    for name in REAL_DATASETS:
        folder = root / name
        if not (folder / "minilm.npy").is_file():
            continue
        vec = np.load(folder / "minilm.npy")
        lab = pd.read_csv(folder / "data.csv", usecols=["label"])["label"].astype(str).to_numpy()
        if len(lab) != len(vec):
            raise RuntimeError(f"{folder}: {len(lab)} labels for {len(vec)} vectors")
        vectors.append(vec)
        labels.append(np.char.add(f"{name}:", lab.astype(str)))
    _, y = np.unique(np.concatenate(labels), return_inverse=True)
    return _unit(np.concatenate(vectors)), y.astype(np.int64)


def synthetic_rows(n: int, d: int = 384, n_classes: int = 50, seed: int = 0):
    """A clustered synthetic pool: Gaussian blobs on the unit sphere, Zipf class sizes."""
    rng = np.random.default_rng(seed)
    centers = _unit(rng.standard_normal((n_classes, d)).astype(np.float32))
    p = 1.0 / np.arange(1, n_classes + 1) ** 1.1
    y = rng.choice(n_classes, size=n, p=p / p.sum()).astype(np.int64)
    X = centers[y] + rng.standard_normal((n, d)).astype(np.float32) * (0.6 / math.sqrt(d))
    return _unit(X), y


def make_pool(n: int, *, seed: int = 0, root: Path | None = None, d: int = 384) -> Pool:
    """A pool of ``n`` unit rows: real MiniLM rows, tiled with jitter beyond the real count.

    Up to the 65,704 real rows a seeded random subset is taken; beyond that, all real rows
    plus copies of random real rows with Gaussian jitter (norm about 0.1, then re-normalised).
    Without the shared datasets a clustered synthetic pool is used instead.
    """
    rng = np.random.default_rng(seed)
    if root is None or d != 384:
        X, y = synthetic_rows(n, d=d, seed=seed)
        return Pool(X, y, f"clustered synthetic ({n:,} x {d}, 50 Zipf-sized blobs)")
    X_real, y_real = load_real_rows(root)
    if n <= len(X_real):
        pick = np.sort(rng.choice(len(X_real), size=n, replace=False))
        source = f"{n:,} of the {len(X_real):,} real MiniLM rows of the 7 shared datasets"
    else:
        extra = rng.choice(len(X_real), size=n - len(X_real), replace=True)
        pick = np.concatenate([np.arange(len(X_real)), extra])
        source = (
            f"all {len(X_real):,} real MiniLM rows of the 7 shared datasets + "
            f"{n - len(X_real):,} jittered copies"
        )
    X = X_real[pick]
    if n > len(X_real):
        noise = rng.standard_normal((n - len(X_real), X.shape[1])).astype(np.float32)
        X[len(X_real) :] += noise * (0.1 / math.sqrt(X.shape[1]))
        X = _unit(X)
    _, y = np.unique(y_real[pick], return_inverse=True)
    return Pool(np.ascontiguousarray(X), y.astype(np.int64), source)


def centroid_proba(pool: Pool, labelled: np.ndarray, temperature: float = 20.0) -> np.ndarray:
    """Probabilities of a nearest-centroid softmax classifier fitted on the labelled rows.

    The one "fitted classifier" every margin implementation is handed (float32, (n, c) with
    c = classes present in the labelled set).
    """
    classes, codes = np.unique(pool.y[labelled], return_inverse=True)
    C = np.zeros((len(classes), pool.X.shape[1]), dtype=np.float32)
    np.add.at(C, codes, pool.X[labelled])
    C = _unit(C)
    logits = temperature * (pool.X @ C.T)
    logits -= logits.max(axis=1, keepdims=True)
    P = np.exp(logits)
    P /= P.sum(axis=1, keepdims=True)
    return P.astype(np.float32)


# --------------------------------------------------------------------------- timing


def once(fn: Callable[[], object]) -> float:
    """Wall time of one call of ``fn`` (seconds)."""
    return best_of(fn, 1)


def blocked_matmul_seconds(A: np.ndarray, cols: int, repeats: int = 3, seed: int = 0) -> float:
    """Best-of time of ``A @ B.T`` with ``B`` (cols, d) random, in row blocks of 64 MiB output.

    This is the BLAS limit for ``2 * len(A) * d * cols`` FLOPs (float32).
    """
    cols = max(1, int(cols))
    B = np.random.default_rng(seed).standard_normal((cols, A.shape[1])).astype(np.float32)
    step = max(1, (1 << 24) // cols)
    out = np.empty((min(step, len(A)), cols), dtype=np.float32)

    def run() -> None:
        for start in range(0, len(A), step):
            a = A[start : start + step]
            np.matmul(a, B.T, out=out[: len(a)])

    return best_of(run, repeats)


def matvec_seconds(A: np.ndarray, repeats: int = 3) -> float:
    """Best-of time of ``A @ v`` (the bound of a score that is one matrix-vector product)."""
    v = np.ones(A.shape[1], dtype=np.float32) / A.shape[1]
    return best_of(lambda: A @ v, repeats)


# --------------------------------------------------------------------------- annal side


@dataclass
class ClusterShape:
    """What the cluster FLOPs model needs from the strategy: its k and its iteration count."""

    n_clusters: int
    iterations: int


def annal_flops(
    strategy: str,
    variant: str,
    *,
    n: int,
    u: int,
    m: int,
    d: int,
    batch: int,
    cluster: ClusterShape | None = None,
) -> tuple[float, int]:
    """FLOPs an annal geometry strategy must do, and the matmul column count of that size.

    Returns ``(flops, cols)``: the bound is ``U (u, d) @ (d, cols)``; ``cols == 0`` means a
    matrix-vector product (the mean distance).

    * distance mean: one matvec with the labelled mean, ``2 u d``;
    * distance min/max: ``U @ L.T``, ``2 u m d``;
    * coreset: the min-distance to the labelled set plus one update per pick,
      ``2 u d (m + batch)``;
    * cluster: FAISS k-means with ``k`` centroids, the Lloyd iterations it ran (counted by
      :func:`annal_cluster_shape`) over at most ``256 k`` unlabelled rows (FAISS's subsample),
      then one assignment of the unlabelled rows: ``2 d k (iters * n_train + u)``.
    """
    if strategy == "distance" and variant == "mean":
        return 2 * u * d, 0
    if strategy == "distance":
        return 2 * u * m * d, m
    if strategy == "coreset":
        return 2 * u * d * (m + batch), m + batch
    if strategy == "cluster":
        if cluster is None:
            raise ValueError("the cluster FLOPs model needs the cluster shape")
        k, iters = cluster.n_clusters, cluster.iterations
        n_train = min(u, 256 * k)  # annal clusters the unlabelled rows
        flops = 2 * d * k * (iters * n_train + u)
        return flops, math.ceil(flops / (2 * u * d))
    raise ValueError(f"no FLOPs model for {strategy!r}")


def annal_cluster_shape(strategy, state, batch: int, seed: int) -> ClusterShape:
    """k and the Lloyd iterations annal's cluster strategy really runs on ``state``.

    One untimed selection with FAISS's ``Kmeans.train`` wrapped to count the iterations of
    every call (annal stops early once the objective stops improving, so the count is not
    simply ``max_iter``).
    """
    import faiss

    done: list[int] = []
    original = faiss.Kmeans.train

    def counting_train(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        done.append(int(self.cp.niter))
        return out

    faiss.Kmeans.train = counting_train
    try:
        strategy.select(state, batch, seed)
    finally:
        faiss.Kmeans.train = original
    k = getattr(strategy, "n_clusters", None) or state.n_classes
    return ClusterShape(int(k), int(sum(done)))


def annal_state(pool: Pool, labelled: np.ndarray, proba: np.ndarray | None):
    """A fresh :class:`annal.al.state.PoolState` (no cached work) for one timed selection."""
    from annal.al.state import PoolState

    n = len(pool.X)
    mask = np.zeros(n, dtype=bool)
    mask[labelled] = True
    model = None if proba is None else fixed_proba(proba, unlabelled_positions(n, labelled))
    ids = np.arange(n, dtype=np.int64)
    return PoolState(pool.X, ids, mask, model=model, n_classes=pool.n_classes, unit=pool.X)


# --------------------------------------------------------------------------- rows


@dataclass
class Row:
    """One measurement, one line of ``selection.csv`` (see :data:`CSV_COLUMNS`)."""

    run_id: str
    strategy: str
    variant: str
    implementation: str
    label: str
    pool_size: int
    n_labelled: int
    batch: int
    dim: int
    seconds: float
    measure: str
    repeats: int
    flops: float = float("nan")
    note: str = ""
    extra: dict = field(default_factory=dict)

    def as_csv(self) -> dict:
        out = asdict(self)
        out.pop("extra")
        out["seconds"] = f"{self.seconds:.6g}" if math.isfinite(self.seconds) else ""
        out["flops"] = f"{self.flops:.6g}" if math.isfinite(self.flops) else ""
        return out


def append_rows(rows: Iterable[Row], path: Path = SELECTION_CSV) -> None:
    """Append rows to the CSV at ``path`` (header written once); atomic replace of the file."""
    append_csv(path, CSV_COLUMNS, (row.as_csv() for row in rows))


# --------------------------------------------------------------------------- peers


def matmul_gflops(repeats: int = 3) -> float:
    """The machine's float32 matmul speed now, in GFLOP/s: ``(8192, 384) @ (384, 4096)``."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((8192, 384)).astype(np.float32)
    B = rng.standard_normal((384, 4096)).astype(np.float32)
    return 2 * 8192 * 4096 * 384 / best_of(lambda: A @ B, repeats) / 1e9


class PeerTimeout(Exception):
    """A peer call ran past its time limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`PeerTimeout` in the main thread once ``seconds`` have passed.

    The alarm interrupts Python code (the peers' loops over picks, k-means iterations and
    batches); a single long BLAS call finishes first, so the overshoot is one such call.
    """

    def _raise(signum, frame):
        raise PeerTimeout

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def capped(
    fn: Callable[[], np.ndarray], limit: float, check: Callable[[np.ndarray], None]
) -> float:
    """Wall time of one call of ``fn``, or ``inf`` when it did not finish within ``limit``.

    ``check`` is called on a finished call's result (outside the timing).
    """
    t0 = time.perf_counter()
    try:
        with time_limit(limit):
            out = fn()
    except PeerTimeout:
        return math.inf
    seconds = time.perf_counter() - t0
    check(out)
    return seconds


def time_peer(
    peer: Peer,
    X: np.ndarray,
    labelled: np.ndarray,
    batch: int,
    proba: np.ndarray | None,
    seed: int,
    cap_s: float,
    gflops: float,
) -> tuple[float, str, int, str]:
    """Time one peer call; returns ``(seconds, measure, repeats, note)``.

    ``measure`` is ``best-of-3`` (three runs fit in ``cap_s``), ``single`` (one did) or
    ``lower-bound``: the call did not finish within ``cap_s``, so its time is at least the
    larger of ``cap_s``, the peer's FLOPs floor (:attr:`Peer.min_flops` at ``gflops``) and,
    for a greedy peer, the straight line through its measured 1-pick and j-pick times
    extended to the whole batch (its per-pick cost never shrinks) - only when the j picks
    took clearly (25 %) longer than one, else the j-pick time itself; a ``recompute`` peer
    whose j picks did not finish gets ``batch`` times its first pick.
    """
    n, d = X.shape
    floor_flops = peer.min_flops(n, len(labelled), d, batch)
    floor_s = floor_flops / (gflops * 1e9)
    floor_note = (
        f"FLOPs floor {floor_flops:.3g} at the measured {gflops:.0f} GFLOP/s = {floor_s:.3g} s"
    )

    def call(k: int) -> Callable[[], np.ndarray]:
        return peer.prepare(X, labelled, k, proba=proba, seed=seed)

    def check(k: int) -> Callable[[np.ndarray], None]:
        return lambda sel: check_selection(sel, labelled, k, peer.label)

    def lower(est: float, note: str) -> tuple[float, str, int, str]:
        est = max(est, cap_s, floor_s)
        return est, "lower-bound", 0, f"{note}; {floor_note}"

    if floor_s <= cap_s:
        t = capped(call(batch), cap_s, check(batch))
        if math.isfinite(t):
            if t * 3 <= cap_s:
                return min(t, best_of(call(batch), 2)), "best-of-3", 3, ""
            return t, "single", 1, ""
    if peer.truncation not in ("recompute", "incremental"):
        return lower(0.0, f"did not finish in {cap_s:.0f} s")
    t1 = capped(call(1), cap_s, check(1))
    if not math.isfinite(t1):
        return lower(0.0, f"1 pick did not finish in {cap_s:.0f} s")
    if peer.truncation == "recompute":
        # Every pick costs at least the first: j picks should take about half the cap.
        j = int(min(batch - 1, max(2, cap_s / max(t1, 1e-9) / 2)))
    else:
        # A setup then a small constant per pick: enough picks to see it above the noise.
        j = min(batch - 1, 40)
    tj = capped(call(j), cap_s, check(j))
    if not math.isfinite(tj):
        if peer.truncation == "recompute":
            return lower(t1 * batch, f"1 pick took {t1:.2f} s, {j} did not finish in {cap_s:.0f} s")
        return lower(0.0, f"1 pick took {t1:.2f} s, {j} did not finish in {cap_s:.0f} s")
    note = f"1 pick took {t1:.2f} s, {j} picks {tj:.2f} s"
    if tj - t1 < 0.25 * t1:
        # The extra picks cost less than the timing noise: extending the line would guess.
        return lower(tj, note + "; too few picks to extend")
    line = t1 + (tj - t1) / (j - 1) * (batch - 1)
    return lower(line, note + f"; straight line to {batch}")


def check_selection(sel: np.ndarray, labelled: np.ndarray, batch: int, who: str) -> None:
    """Fail loudly when an implementation returns a wrong batch (wrong size, dupes, labelled)."""
    sel = np.asarray(sel)
    if len(sel) != batch or len(np.unique(sel)) != batch or np.isin(sel, labelled).any():
        raise RuntimeError(f"{who} returned an invalid batch of {len(sel)}")


# --------------------------------------------------------------------------- the grid


def run_selection(
    pool: Pool,
    labelled_sizes: Iterable[int],
    *,
    batch: int = 500,
    seed: int = 0,
    run_id: str = "",
    peer_cap_s: float = 20.0,
    peers: Iterable[Peer] = PEERS,
    bounds: bool = True,
    long_cap_s: dict[int, float] | None = None,
    strategies: Iterable[tuple[str, str, dict]] = ANNAL_STRATEGIES,
    progress: Callable[[str], None] | None = None,
) -> list[Row]:
    """Time every annal strategy, its matmul bound and every available peer on ``pool``.

    Parameters
    ----------
    pool : Pool
    labelled_sizes : iterable of int
        Labelled-set sizes (a seeded random labelled set of each size).
    batch : int
        Picks per round.
    seed : int
        Seed of the labelled sets and of every strategy.
    run_id : str
        Written in every row.
    peer_cap_s : float
        Time a peer measurement may take before it is shortened to a lower bound.
    peers : iterable of Peer
    bounds : bool
        Also time the matmul bound of every geometry strategy.
    long_cap_s : dict of int to float, optional
        Labelled-set size -> a longer cap for the peers that cannot be measured on fewer
        picks (the k-means ones), so that at least one configuration times them in full.
    strategies : iterable of (name, variant, params)
        The annal strategies to time (default :data:`ANNAL_STRATEGIES`).
    progress : callable, optional
        Called with a short line before each measurement.

    Returns
    -------
    list of Row
    """
    from annal.al import make_strategy
    from annal.errors import AnnalError

    say = progress or (lambda _msg: None)
    n, d = pool.X.shape
    rows: list[Row] = []
    peers = tuple(peers)
    gflops = matmul_gflops() if peers else float("nan")

    def add(row: Row) -> None:
        rows.append(row)
        say(f"   {row.implementation}: {row.seconds:.4g} s ({row.measure}) {row.note}")

    for m in labelled_sizes:
        rng = np.random.default_rng([seed, m])
        labelled = np.sort(rng.choice(n, size=m, replace=False)).astype(np.int64)
        unl = unlabelled_positions(n, labelled)
        U = np.ascontiguousarray(pool.X[unl])
        proba = centroid_proba(pool, labelled)
        common = dict(run_id=run_id, pool_size=n, n_labelled=m, batch=batch, dim=d)
        for name, variant, params in strategies:
            try:
                strategy = make_strategy(name, **params)
            except AnnalError as exc:
                add(
                    Row(
                        strategy=name,
                        variant=variant,
                        implementation="annal",
                        label=name,
                        seconds=float("nan"),
                        measure="not-run",
                        repeats=0,
                        note=str(exc),
                        **common,
                    )
                )
                continue
            say(f"annal {name} {variant} n={n:,} m={m:,}")
            state_proba = proba if getattr(strategy, "needs_proba", False) else None
            best = math.inf
            for _ in range(3):
                state = annal_state(pool, labelled, state_proba)
                t0 = time.perf_counter()
                picked = strategy.select(state, batch, seed)
                best = min(best, time.perf_counter() - t0)
                check_selection(picked, labelled, batch, f"annal {name}")
            flops, cols = float("nan"), None
            if name in GEOMETRY and bounds:
                shape = None
                if name == "cluster":
                    shape = annal_cluster_shape(
                        strategy, annal_state(pool, labelled, state_proba), batch, seed
                    )
                flops, cols = annal_flops(
                    name, variant, n=n, u=len(unl), m=m, d=d, batch=batch, cluster=shape
                )
            add(
                Row(
                    strategy=name,
                    variant=variant,
                    implementation="annal",
                    label=repr(strategy),
                    seconds=best,
                    measure="best-of-3",
                    repeats=3,
                    flops=flops,
                    **common,
                )
            )
            if cols is not None:
                say(f"matmul bound for {name} {variant}")
                t = matvec_seconds(U) if cols == 0 else blocked_matmul_seconds(U, cols)
                shape = (
                    f"({len(unl)}, {d}) @ ({d}, {cols})" if cols else f"({len(unl)}, {d}) @ ({d},)"
                )
                add(
                    Row(
                        strategy=name,
                        variant=variant,
                        implementation="matmul-bound",
                        label=f"numpy float32 {shape}",
                        seconds=t,
                        measure="best-of-3",
                        repeats=3,
                        flops=flops,
                        **common,
                    )
                )
        for peer in peers:
            ok, version = peer.available()
            variant = ""
            if not ok:
                add(
                    Row(
                        strategy=peer.strategy,
                        variant=variant,
                        implementation=peer.implementation,
                        label=peer.label,
                        seconds=float("nan"),
                        measure="not-run",
                        repeats=0,
                        note=f"not importable: {version}",
                        **common,
                    )
                )
                continue
            say(f"{peer.implementation} {peer.label} n={n:,} m={m:,} ({gflops:.0f} GFLOP/s now)")
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cap = peer_cap_s
                    if peer.truncation == "none" and long_cap_s and m in long_cap_s:
                        cap = long_cap_s[m]
                    seconds, measure, repeats, note = time_peer(
                        peer, pool.X, labelled, batch, proba, seed, cap, gflops
                    )
            except Exception as exc:  # a peer failing is a result to report, not a crash
                seconds, measure, repeats = float("nan"), "error", 0
                note = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            add(
                Row(
                    strategy=peer.strategy,
                    variant=variant,
                    implementation=peer.implementation,
                    label=f"{peer.label} ({peer.implementation} {version})",
                    seconds=seconds,
                    measure=measure,
                    repeats=repeats,
                    note=note,
                    **common,
                )
            )
    return rows


def machine_facts() -> dict:
    """CPU, cores, BLAS and library versions, for the report."""
    env = environment(
        "numpy", "scikit-learn", "faiss-cpu", "small-text", "scikit-activeml", "modAL-python"
    )
    return {
        "cpu": env["cpu"],
        "cores": env["cpu_count"],
        "python": env["python"],
        "os": env["platform"],
        "versions": {k: v or "not installed" for k, v in env["versions"].items()},
    }


def main(argv: list[str] | None = None) -> int:
    """Print one selection table (no CSV unless ``--csv``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=25_000)
    parser.add_argument("--labelled", type=int, nargs="+", default=[1000])
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peer-cap", type=float, default=20.0)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--csv", action="store_true", help=f"append the rows to {SELECTION_CSV}")
    args = parser.parse_args(argv)
    pool = make_pool(args.pool, seed=args.seed, root=shared_datasets_root())
    print(pool.source, flush=True)
    rows = run_selection(
        pool,
        args.labelled,
        batch=args.batch,
        seed=args.seed,
        run_id=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        peer_cap_s=args.peer_cap,
        peers=() if args.no_peers else PEERS,
        progress=lambda msg: print("  ..", msg, flush=True),
    )
    for r in rows:
        print(
            f"{r.strategy:9} {r.variant:5} {r.implementation:16} n={r.pool_size:<7} m={r.n_labelled:<5} "
            f"{r.seconds:9.4f} s  {r.measure:11} {r.label}  {r.note}"
        )
    if args.csv:
        append_rows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

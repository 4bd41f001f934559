"""End to end: one paper-protocol run (pool 25k, 250 initial + 20 x 500, margin), timed by part.

Data: the real ``emotion``, ``banking77`` and ``r8`` datasets (loaded with
:func:`annal.data.load_dataset`, so cleaned and de-duplicated; their precomputed MiniLM vectors
via :func:`annal.embed.embed_dataset`), classes ``dataset:label`` (91), a seeded subsample of
31,250 rows split 80/20 (stratified) into a 25,000-row pool and a 6,250-row test set.
d = 384 is MiniLM itself; d = 768 maps every unit vector ``x`` to ``[x, x Q] / sqrt(2)`` with
``Q`` a seeded random orthogonal 384 x 384 matrix: every cosine similarity is unchanged, the
768 columns are all distinct, and every matrix product costs twice as much.

Time is split into ``fit`` (the classifier, fresh every round), ``predict`` (its probabilities
on the unlabelled pool, what margin needs), ``select`` (the strategy itself, ``query_s`` minus
``predict``) and ``evaluate`` (predicting the test set and the metrics). The classifiers are
``sgd`` (annal's default, the paper's) and the fastest candidate whose macro-F1 stays within
one point of ``sgd``'s final one. Candidates are screened by one fit on the final labelled set
of the ``sgd`` run, then the chosen one runs the whole protocol.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from common import append_csv, best_of  # noqa: E402
from selection import RESULTS_DIR, shared_datasets_root  # noqa: E402

END_TO_END_CSV = RESULTS_DIR / "end_to_end.csv"
E2E_DATASETS = ("emotion", "banking77", "r8")
POOL_SIZE, TEST_SIZE = 25_000, 6_250

#: Seconds spent in ``predict_proba`` per timing tag (the loop clones estimators, so the
#: accumulator cannot live on the instance).
_PREDICT_SECONDS: dict[str, float] = {}


class TimedClassifier(ClassifierMixin, BaseEstimator):
    """Wraps an estimator and adds the time of its ``predict_proba`` calls to a tag's total.

    Calls on ``skip_rows`` rows (the test set) are not counted: they belong to ``evaluate``.

    Parameters
    ----------
    estimator : estimator with ``predict_proba``
    tag : str
        Key in the module's accumulator.
    skip_rows : int
        Row count of the test set.
    random_state : int or None
        Passed on to the wrapped estimator (the loop seeds each round's classifier).
    """

    def __init__(
        self, estimator=None, tag: str = "", skip_rows: int = -1, random_state=None
    ) -> None:
        self.estimator = estimator
        self.tag = tag
        self.skip_rows = skip_rows
        self.random_state = random_state

    def fit(self, X, y):  # noqa: D102
        est = clone(self.estimator)
        if self.random_state is not None and "random_state" in est.get_params():
            est.set_params(random_state=self.random_state)
        self.estimator_ = est.fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X):  # noqa: D102
        t0 = time.perf_counter()
        out = self.estimator_.predict_proba(X)
        if len(X) != self.skip_rows:
            _PREDICT_SECONDS[self.tag] = _PREDICT_SECONDS.get(self.tag, 0.0) + (
                time.perf_counter() - t0
            )
        return out

    def predict(self, X):  # noqa: D102
        return self.estimator_.predict(X)


def candidate_classifiers(seed: int = 0) -> dict[str, object]:
    """Classifier candidates: ``sgd`` and estimators with ``predict_proba`` that fit faster.

    annal's ``logreg``, ``linear-svm``, ``rf`` and ``mlp`` are left out: each fits slower than
    ``sgd`` (a trial at 10k x 768, 83 classes: logreg 25 s, linear-svm 135 s, sgd 19 s), so none
    can be the fast classifier. ``sgd-5`` is ``sgd`` with 5 epochs and the one-vs-rest fits on
    every core: the fix proposed for annal's ``sgd`` if it stays within a point.
    """
    from sklearn.linear_model import SGDClassifier
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import NearestCentroid

    return {
        "sgd": "sgd",
        "sgd-5": SGDClassifier(loss="log_loss", max_iter=5, tol=None, n_jobs=-1, random_state=seed),
        "lda": "lda",
        "gaussian-nb": GaussianNB(),
        "nearest-centroid": NearestCentroid(),
    }


def double_dim(X: np.ndarray, seed: int = 0) -> np.ndarray:
    """``[x, x Q] / sqrt(2)`` for each row: twice the columns, every dot product unchanged.

    Parameters
    ----------
    X : np.ndarray of float32, shape (n, d)
    seed : int
        Seed of the random orthogonal ``Q`` (d, d).

    Returns
    -------
    np.ndarray of float32, shape (n, 2 d)
    """
    rng = np.random.default_rng([seed, 768])
    Q, _ = np.linalg.qr(rng.standard_normal((X.shape[1], X.shape[1])))
    out = np.hstack([X, X @ Q.astype(np.float32)]) / np.float32(math.sqrt(2.0))
    return np.ascontiguousarray(out, dtype=np.float32)


@dataclass
class E2EData:
    """Pool and test set of the end-to-end run."""

    X_pool: np.ndarray
    y_pool: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    source: str


def load_e2e_data(root: Path | None, *, seed: int = 0, d: int = 384) -> E2EData:
    """The 25,000-row pool and 6,250-row test set described in the module docstring.

    Without the shared datasets a clustered synthetic set of the same size is used.
    """
    from annal.al import stratified_split

    rng = np.random.default_rng(seed)
    total = POOL_SIZE + TEST_SIZE
    if root is None:
        from selection import synthetic_rows

        X, y = synthetic_rows(total, d=384, n_classes=83, seed=seed)
        source = f"clustered synthetic ({total:,} rows, 83 classes)"
    else:
        from annal.data import load_dataset
        from annal.embed import embed_dataset

        parts, labels = [], []
        for name in E2E_DATASETS:
            ds = load_dataset(name, data_root=root)
            parts.append(np.asarray(embed_dataset(ds, progress=False), dtype=np.float32))
            labels.append(np.array([f"{name}:{ds.classes[c]}" for c in ds.y]))
        X, labels = np.concatenate(parts), np.concatenate(labels)
        _, y = np.unique(labels, return_inverse=True)
        source = (
            f"{total:,} of the {len(X):,} rows of {' + '.join(E2E_DATASETS)} "
            f"(real MiniLM vectors, {int(y.max()) + 1} classes)"
        )
    pick = rng.choice(len(X), size=min(total, len(X)), replace=False)
    X, y = X[pick], y[pick].astype(np.int64)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    if d == 2 * X.shape[1]:
        X = double_dim(X, seed)
        source += f"; d={d} as [x, xQ]/sqrt(2), Q random orthogonal"
    elif d != X.shape[1]:
        raise ValueError(f"d must be {X.shape[1]} or {2 * X.shape[1]}")
    train, test = stratified_split(y, test_size=TEST_SIZE / len(y), seed=seed)
    _, y = np.unique(y, return_inverse=True)
    return E2EData(
        np.ascontiguousarray(X[train], dtype=np.float32),
        y[train],
        np.ascontiguousarray(X[test], dtype=np.float32),
        y[test],
        int(y.max()) + 1,
        source,
    )


@dataclass
class E2EResult:
    """One timed end-to-end run (seconds summed over the rounds)."""

    run_id: str
    classifier: str
    dim: int
    pool_size: int
    rounds: int
    final_n_labelled: int
    final_f1_macro: float
    total_s: float
    fit_s: float
    predict_s: float
    select_s: float
    evaluate_s: float
    other_s: float
    cpu_s: float = float("nan")


def initial_ids(data: E2EData, seed: int, initial: int = 250) -> np.ndarray:
    """The loop's own random initial set for ``seed`` (pool ids are row positions here)."""
    from annal.al import ActiveLearningLoop

    loop = ActiveLearningLoop("margin", initial=initial, seed=seed)
    ids = np.arange(len(data.X_pool), dtype=np.int64)
    return loop.initial_ids(data.X_pool, ids, n_classes=data.n_classes, y_pool=data.y_pool)


def run_protocol(
    data: E2EData,
    classifier_name: str,
    classifier,
    *,
    initial_ids: np.ndarray,
    strategy: str = "margin",
    initial: int = 250,
    budget: int = 500,
    rounds: int = 20,
    seed: int = 0,
    run_id: str = "",
    on_round=None,
) -> tuple[E2EResult, list]:
    """Run the loop once with ``classifier`` from ``initial_ids`` and split its wall time.

    Returns the timing summary and the round records.
    """
    from annal.al import ActiveLearningLoop, make_classifier

    tag = f"{classifier_name}-{data.X_pool.shape[1]}-{time.monotonic_ns()}"
    _PREDICT_SECONDS[tag] = 0.0
    base = make_classifier(classifier, seed)
    timed = TimedClassifier(base, tag=tag, skip_rows=len(data.X_test))
    loop = ActiveLearningLoop(
        strategy, classifier=timed, initial=initial, budget=budget, rounds=rounds, seed=seed
    )
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        # Tiny classes in early rounds make some estimators warn once per fit.
        warnings.simplefilter("ignore")
        records = loop.run(
            data.X_pool,
            data.y_pool,
            data.X_test,
            data.y_test,
            initial_ids=initial_ids,
            n_classes=data.n_classes,
            on_round=on_round,
        )
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    fit = sum(r.fit_s for r in records)
    query = sum(r.query_s for r in records)
    evaluate = sum(r.eval_s for r in records)
    predict = _PREDICT_SECONDS.pop(tag)
    result = E2EResult(
        run_id=run_id,
        classifier=classifier_name,
        dim=int(data.X_pool.shape[1]),
        pool_size=len(data.X_pool),
        rounds=rounds,
        final_n_labelled=records[-1].n_labelled,
        final_f1_macro=float(records[-1].f1_macro),
        total_s=total,
        fit_s=fit,
        predict_s=predict,
        select_s=query - predict,
        evaluate_s=evaluate,
        other_s=total - fit - query - evaluate,
        cpu_s=cpu,
    )
    return result, records


@dataclass
class Screen:
    """One candidate's fit on the final labelled set of the ``sgd`` run.

    ``cost_s`` is what one round costs it: the fit plus its probabilities on the pool.
    """

    name: str
    fit_s: float
    f1_macro: float
    predict_s: float = 0.0

    @property
    def cost_s(self) -> float:
        return self.fit_s + self.predict_s


def screen_candidates(
    data: E2EData, labelled_pos: np.ndarray, candidates: dict[str, object], seed: int = 0
) -> list[Screen]:
    """Fit each candidate once on ``labelled_pos`` rows of the pool.

    Records the fit time, the time of its probabilities on the whole pool, and its test
    macro-F1.
    """
    from annal.al import make_classifier
    from annal.al.metrics import evaluate_predictions
    from annal.al.models import LabelledModel

    out = []
    X, y = data.X_pool[labelled_pos], data.y_pool[labelled_pos]
    for name, spec in candidates.items():
        model = LabelledModel(make_classifier(spec, seed), data.n_classes)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        model.predict_proba(data.X_pool)
        predict_s = time.perf_counter() - t0
        f1 = evaluate_predictions(data.y_test, model.predict(data.X_test), data.n_classes)[
            "f1_macro"
        ]
        out.append(Screen(name, fit_s, float(f1), predict_s))
    return out


def pick_fast(screens: list[Screen], reference_f1: float, tolerance: float = 0.01) -> Screen:
    """The cheapest candidate per round (fit + pool probabilities) whose macro-F1 is at least
    ``reference_f1 - tolerance``; the cheapest overall when none is."""
    ok = [s for s in screens if s.f1_macro >= reference_f1 - tolerance]
    return min(ok or screens, key=lambda s: s.cost_s)


def append_results(results: list[E2EResult], path: Path = END_TO_END_CSV) -> None:
    """Append results to ``end_to_end.csv`` (header once); atomic replace."""
    rows = (
        {k: f"{v:.4f}" if isinstance(v, float) else v for k, v in asdict(r).items()}
        for r in results
    )
    append_csv(path, list(E2EResult.__dataclass_fields__), rows)


def run_end_to_end(
    dims=(768, 384),
    *,
    seed: int = 0,
    run_id: str = "",
    candidates: dict[str, object] | None = None,
    rounds: int = 20,
    progress=None,
) -> tuple[list[E2EResult], dict[int, list[Screen]], dict[int, str]]:
    """``sgd`` and the fast classifier at each ``dim``; returns results, screens, data sources."""
    say = progress or (lambda _msg: None)
    candidates = candidate_classifiers(seed) if candidates is None else candidates
    root = shared_datasets_root()
    results, screens, sources = [], {}, {}
    for d in dims:
        data = load_e2e_data(root, seed=seed, d=d)
        sources[d] = data.source
        start = initial_ids(data, seed)
        common = dict(initial_ids=start, seed=seed, run_id=run_id, rounds=rounds)
        say(f"end to end, d={d}: sgd")
        sgd, records = run_protocol(data, "sgd", "sgd", **common)
        results.append(sgd)
        # The sgd run's final labelled set: the initial rows and every batch it picked.
        final = np.concatenate([start] + [np.asarray(r.selected_ids, np.int64) for r in records])
        say(f"end to end, d={d}: screening {len(candidates)} classifiers")
        screens[d] = screen_candidates(data, np.unique(final), candidates, seed)
        fast = pick_fast(screens[d], sgd.final_f1_macro)
        if fast.name != "sgd":
            say(f"end to end, d={d}: {fast.name}")
            results.append(run_protocol(data, fast.name, candidates[fast.name], **common)[0])
    return results, screens, sources


@dataclass
class FitBound:
    """One ``sgd`` fit against the GEMM bound of the epochs it ran, beside ``sgd-sklearn``.

    ``gemm_epoch_s`` is one epoch's two full matrix products (scores ``X W^T`` and gradient
    ``G^T X`` over all ``n`` rows and ``k`` classes), best of 3; ``bound_s`` is that times the
    epochs the fit ran (its slowest class's). All CPU seconds of this process.
    """

    n: int
    k: int
    epochs: int
    fit_s: float
    gemm_epoch_s: float
    bound_s: float
    sklearn_fit_s: float

    @property
    def ratio(self) -> float:
        return self.fit_s / self.bound_s


def cpu_seconds(fn, repeats: int = 1) -> float:
    """Least CPU time of this process over ``repeats`` calls of ``fn``.

    CPU time rather than wall time: on a loaded machine a long call is preempted more often
    than a short one, which would skew their ratio (BLAS runs on one thread here).
    """
    return best_of(fn, repeats, clock=time.process_time)


def _fit_seconds(name: str, X: np.ndarray, y: np.ndarray, n_classes: int, seed: int):
    """CPU seconds of one fit of classifier ``name`` and the fitted model."""
    from annal.al import LabelledModel, make_classifier

    model = LabelledModel(make_classifier(name, seed), n_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds = cpu_seconds(lambda: model.fit(X, y))
    return seconds, model.fitted_


def _gemm_epoch_seconds(X: np.ndarray, k: int, rng: np.random.Generator) -> float:
    """CPU seconds of one epoch's two full products: ``X W^T`` and ``G^T X`` (best of 3)."""
    W = rng.standard_normal((k, X.shape[1])).astype(np.float32)
    G = rng.standard_normal((len(X), k)).astype(np.float32)
    return cpu_seconds(lambda: (X @ W.T, G.T @ X), 3)


def fit_vs_gemm(data: E2EData, sizes=(250, 2750, 5250, 10250), seed: int = 0) -> list[FitBound]:
    """Fit ``sgd`` and ``sgd-sklearn`` on seeded pool subsets of each size, in this process."""
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        pos = rng.choice(len(data.X_pool), size=n, replace=False)
        X, y = data.X_pool[pos], data.y_pool[pos]
        ours, fitted = _fit_seconds("sgd", X, y, data.n_classes, seed)
        theirs, _ = _fit_seconds("sgd-sklearn", X, y, data.n_classes, seed)
        k = fitted.coef_.shape[0]
        epoch = _gemm_epoch_seconds(X, k, rng)
        out.append(FitBound(n, k, fitted.n_iter_, ours, epoch, epoch * fitted.n_iter_, theirs))
    return out


def side_by_side(
    d: int = 768, *, seed: int = 0, rounds: int = 20, progress=None, protocol=("sgd", "sgd-sklearn")
):
    """The paper protocol with ``sgd`` and with ``sgd-sklearn`` from one initial set, and the
    per-fit GEMM comparison, in this one process."""
    say = progress or (lambda _msg: None)
    data = load_e2e_data(shared_datasets_root(), seed=seed, d=d)
    start = initial_ids(data, seed)
    results = []
    for name in protocol:
        say(f"end to end, d={d}: {name}")
        results.append(
            run_protocol(data, name, name, initial_ids=start, seed=seed, rounds=rounds)[0]
        )
    say("fits against the GEMM bound")
    return data, results, fit_vs_gemm(data, seed=seed)


def side_by_side_markdown(
    data: E2EData, results: list[E2EResult], fits: list[FitBound], load: str
) -> str:
    """The BENCHMARKS.md section of :func:`side_by_side`."""
    lines = [
        "Measured by `benchmarks/end_to_end.py --side-by-side --protocol "
        f"{' '.join(r.classifier for r in results)}` in one process (BLAS limited to one "
        f"thread; {load}). Data: {data.source}. Paper protocol: 250 initial + 20 x 500, "
        "margin, a fresh fit every round.",
        "",
        "| classifier | CPU s | wall s | fit s | predict s | select s | evaluate s "
        "| final macro-F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.classifier} | {r.cpu_s:.1f} | {r.total_s:.1f} | {r.fit_s:.1f} | "
            f"{r.predict_s:.1f} | {r.select_s:.2f} | {r.evaluate_s:.1f} | {r.final_f1_macro:.4f} |"
        )
    lines += [
        "",
        "CPU s is the process's CPU time for the whole run (one BLAS thread: what the wall time "
        "would be on an idle core); the split into fit / predict / select / evaluate is wall "
        "time, inflated by the load.",
    ]
    for r in results:
        verdict = "within" if r.cpu_s <= 8 else "over"
        lines.append(f"`{r.classifier}` end to end: {r.cpu_s:.1f} CPU s, {verdict} the 8 s target.")
    if len(results) == 2:
        ours, theirs = results
        lines.append(
            f"End to end `sgd` takes {theirs.cpu_s / ours.cpu_s:.1f}x less CPU than `sgd-sklearn`."
        )
    lines += [
        "",
        "Per fit against the GEMM bound of its epochs (two full products per epoch over all "
        "rows and classes, best of 3), in CPU seconds of the same process and thread limit "
        "(wall time on this loaded machine would penalise the longer call):",
        "",
        "| labelled n | classes k | epochs run | sgd fit s | GEMM bound s | fit / bound "
        "| sgd-sklearn fit s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f in fits:
        lines.append(
            f"| {f.n:,} | {f.k} | {f.epochs} | {f.fit_s:.3f} | {f.bound_s:.3f} | "
            f"{f.ratio:.1f}x | {f.sklearn_fit_s:.2f} |"
        )
    return "\n".join(lines)


def write_section(
    name: str, title: str, body: str, path: Path = BENCH_DIR.parent / "BENCHMARKS.md"
) -> None:
    """Replace (or append) the section ``name`` of BENCHMARKS.md, atomically.

    The section sits between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``, which
    ``run_all.py`` carries over when it rewrites the file.
    """
    begin, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{begin}\n## {title}\n\n{body.rstrip()}\n{end}"
    text = path.read_text() if path.exists() else ""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def load_average() -> str:
    """``load average a, b, c (N cores)``: how loaded the machine was (report beside timings)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f}, {five:.1f}, {fifteen:.1f} on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    """Run the end-to-end benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[768, 384])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", action="store_true", help=f"append to {END_TO_END_CSV}")
    parser.add_argument(
        "--protocol",
        nargs="+",
        default=["sgd", "sgd-sklearn"],
        help="classifiers of the --side-by-side protocol runs",
    )
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="sgd vs sgd-sklearn at the first --dims, per fit vs the GEMM bound; "
        "writes its BENCHMARKS.md section",
    )
    args = parser.parse_args(argv)
    if args.side_by_side:
        from threadpoolctl import threadpool_limits

        before = load_average()
        with threadpool_limits(limits=1):
            data, results, fits = side_by_side(
                args.dims[0],
                seed=args.seed,
                rounds=args.rounds,
                protocol=tuple(args.protocol),
                progress=lambda m: print("  ..", m, flush=True),
            )
        load = f"{before} before, {load_average()} after"
        body = side_by_side_markdown(data, results, fits, load)
        print(body)
        if args.rounds == 20:
            write_section("sgd-side-by-side", "Vectorised sgd vs scikit-learn's, end to end", body)
        return 0
    run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    results, screens, sources = run_end_to_end(
        args.dims,
        seed=args.seed,
        run_id=run_id,
        rounds=args.rounds,
        progress=lambda m: print("  ..", m, flush=True),
    )
    for d, src in sources.items():
        print(f"d={d}: {src}")
        for s in screens[d]:
            print(
                f"   screen {s.name:16} fit {s.fit_s:7.3f} s  predict {s.predict_s:6.3f} s  "
                f"macro-F1 {s.f1_macro:.4f}"
            )
    for r in results:
        print(
            f"{r.classifier:12} d={r.dim} total {r.total_s:7.2f} s  fit {r.fit_s:6.2f}  "
            f"predict {r.predict_s:5.2f}  select {r.select_s:5.2f}  evaluate {r.evaluate_s:5.2f}  "
            f"other {r.other_s:5.2f}  final macro-F1 {r.final_f1_macro:.4f}"
        )
    if args.csv:
        append_results(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

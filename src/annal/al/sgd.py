"""A vectorised SGD classifier on the log loss: scikit-learn's ``SGDClassifier`` at BLAS speed.

scikit-learn's :class:`~sklearn.linear_model.SGDClassifier` fits one binary classifier per class
(one-vs-rest), each with a scalar loop over the samples. :class:`VectorisedSGD` runs the same
algorithm for all classes at once, a mini-batch at a time, as two matrix products (float32
BLAS): the scores of the batch against every class, and the gradient of every class. What it
keeps from scikit-learn's defaults:

- the loss: log loss, one-vs-rest (``multi_class="ovr"``; a single binary problem for two
  classes) or, as an option, the multinomial (softmax) loss;
- the schedule: ``learning_rate="optimal"``, ``eta_t = 1 / (alpha (t0 + t))`` with ``t``
  counting *samples* across epochs and ``t0`` from Bottou's heuristic (``eta_0 = alpha^-1/4``),
  so the step sizes and the total L2 shrinkage are those of the per-sample loop;
- the L2 penalty ``alpha = 1e-4`` on the weights (not the intercept);
- the stopping rule: an epoch whose summed training loss is not ``tol * n`` below the best so
  far counts as no improvement; after ``n_iter_no_change`` of those in a row the class stops
  (one-vs-rest: each class on its own, as scikit-learn's per-class fits do), at most ``epochs``
  epochs; a fresh seeded shuffle each epoch.

How it differs: inside a mini-batch every sample's gradient is taken at the weights of the
batch's start (the per-sample loop moves the weights after each sample). With the ``optimal``
schedule the L2 shrinkage and the gradient steps combine exactly: after ``t`` samples the
weights are ``w_t = -(1 / alpha) * sum_of_gradients / (t0 + t - 1)``, so a batch adds its
summed gradient to one accumulator (in place, inside the GEMM that computes it) and the
scores of the next batch are that accumulator's products, rescaled. Because a batch
applies ``m`` steps at once, the batch grows as the step shrinks: ``m = step_batch / eta_t``
rows (at least ``min_batch`` = 16, at most ``batch_size`` = 512; ~300 after 100,000
samples). The intercept, unpenalised, takes the batch's steps damped by its curvature,
``eta sum(g) / (1 + eta sum(p (1 - p)))`` (an implicit step): without that, ``m`` stale
steps of up to ``eta_t`` each make it oscillate (emotion: -10 macro-F1 points).
``step_batch`` and ``min_batch`` were chosen for fidelity to scikit-learn's fit, not for F1:
on sixteen real subsets (banking77, trec50, tmdb_genre, emotion x 400 / 3,500 rows x 2 seeds)
the mean macro-F1 is 0.451 against scikit-learn's 0.450 (``step_batch`` 60: 0.439; 10
without the damping: 0.455 at twice the time; ``min_batch`` 16 instead of 1: the same F1 at
18% less CPU time). The result depends on the seed and the parameters only, not on the
number of threads: batches under 128 rows run on one BLAS thread, larger ones on the threads
allowed (BLAS splits those products over rows and columns, never over the summed dimension;
a test checks one thread against two).

Where the time goes: each batch is two float32 GEMMs (its scores against the accumulator,
and ``acc += G^T x``), its rows gathered once into a cache-sized buffer; the log loss,
its gradient and curvature take one ``exp`` and one ``log`` per entry (numpy's SIMD kernels);
classes that stop early are dropped from both products. A fit runs within 1.2-2x of two
full-matrix GEMMs per epoch once the batches pass ~64 rows (BENCHMARKS.md, end to end).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.linalg.blas import sgemm
from sklearn.base import BaseEstimator, ClassifierMixin

from annal._threads import limit_blas
from annal.errors import AnnalError

#: Batches of at least this many rows may use several BLAS threads.
_THREADED_BATCH = 128


class VectorisedSGD(ClassifierMixin, BaseEstimator):
    """SGD on the log loss for all classes at once (see the module docstring).

    Parameters
    ----------
    epochs : int
        Most passes over the data (scikit-learn's ``max_iter``).
    alpha : float
        L2 penalty on the weights; also sets the ``optimal`` schedule.
    tol : float
        Stopping tolerance on the summed epoch loss (``None`` never stops early).
    n_iter_no_change : int
        Epochs without improvement before a class stops.
    batch_size : int
        Most samples per mini-batch (one pair of matrix products).
    step_batch : float
        Batch size times step size: a batch has ``step_batch / eta_t`` samples.
    min_batch : int
        Fewest samples per mini-batch (while the steps are largest).
    multi_class : {"ovr", "multinomial"}
        One binary log-loss problem per class, or one softmax problem.
    random_state : int or None
        Seed of the per-epoch shuffles.
    """

    def __init__(
        self,
        epochs: int = 10,
        alpha: float = 1e-4,
        tol: float | None = 1e-3,
        n_iter_no_change: int = 2,
        batch_size: int = 512,
        step_batch: float = 30.0,
        min_batch: int = 16,
        multi_class: str = "ovr",
        random_state: int | None = None,
    ) -> None:
        self.epochs = epochs
        self.alpha = alpha
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.batch_size = batch_size
        self.step_batch = step_batch
        self.min_batch = min_batch
        self.multi_class = multi_class
        self.random_state = random_state
        self._validate()

    def _validate(self) -> None:
        def positive_int(name: str) -> None:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise AnnalError(f"sgd: {name} must be an integer >= 1, got {v!r}")

        for name in ("epochs", "n_iter_no_change", "batch_size", "min_batch"):
            positive_int(name)
        for name in ("alpha", "step_batch"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not v > 0:
                raise AnnalError(f"sgd: {name} must be a number > 0, got {v!r}")
        t = self.tol
        if t is not None and (isinstance(t, bool) or not isinstance(t, numbers.Real) or t < 0):
            raise AnnalError(f"sgd: tol must be a number >= 0 or null, got {t!r}")
        if self.multi_class not in ("ovr", "multinomial"):
            raise AnnalError(
                f"sgd: multi_class must be 'ovr' or 'multinomial', got {self.multi_class!r}"
            )
        rs = self.random_state
        if rs is not None and (isinstance(rs, bool) or not isinstance(rs, numbers.Integral)):
            raise AnnalError(f"sgd: random_state must be an integer or null, got {rs!r}")

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        coef_init: np.ndarray | None = None,
        intercept_init: np.ndarray | None = None,
    ) -> VectorisedSGD:
        """Fit on ``X`` (n, d) and labels ``y`` (n,); at least two distinct labels.

        ``coef_init`` (k, d) and ``intercept_init`` (k,) start the weights from a previous
        fit's ``coef_`` and ``intercept_`` (a warm start, as scikit-learn's).
        """
        self._validate()
        X = np.ascontiguousarray(X, dtype=np.float32)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError("VectorisedSGD needs at least two classes")
        softmax = self.multi_class == "multinomial"
        k = n_classes if (softmax or n_classes > 2) else 1
        # Small batches run on one BLAS thread (threads only cost there; the phase ends at
        # the same sample for any thread count), larger ones on the threads allowed.
        single = limit_blas(1)
        try:
            self._run(X, codes, k, softmax, single, coef_init, intercept_init)
        finally:
            single.restore_original_limits()
        return self

    def _run(
        self,
        X: np.ndarray,
        codes: np.ndarray,
        k: int,
        softmax: bool,
        single,
        coef_init: np.ndarray | None,
        intercept_init: np.ndarray | None,
    ) -> None:
        n, d = X.shape
        alpha = float(self.alpha)
        t0 = _t0(alpha)
        # acc: the summed gradients (and the start's share); w_t = -acc / (alpha (t0 + t - 1)).
        # float32 like everything else: ~1,000 batches add ~1e-7 relative error each.
        acc = np.zeros((k, d), dtype=np.float32)
        intercept = np.zeros(k, dtype=np.float32)
        if coef_init is not None:
            acc -= np.asarray(coef_init, dtype=np.float32).reshape(k, d) * np.float32(
                alpha * (t0 - 1)
            )
        if intercept_init is not None:
            intercept += np.asarray(intercept_init, dtype=np.float32).reshape(k)
        # The weights and intercepts handed out, filled as classes stop and at the end.
        coef = np.empty((k, d), dtype=np.float32)
        intercept_out = np.empty(k, dtype=np.float32)
        # The true class of each row as a column of the model (-1: none, i.e. the negative
        # class of a binary problem).
        true_col = codes.astype(np.int64) if k > 1 else np.where(codes == 1, 0, -1)
        n_groups = 1 if softmax else k  # what stops on its own: the model, or each class
        active = np.ones(n_groups, dtype=bool)
        cols = np.arange(k)  # the classes still being fitted (one-vs-rest); all of them else
        best = np.full(n_groups, np.inf)
        stale = np.zeros(n_groups, dtype=np.int64)
        rng = np.random.default_rng(self.random_state)
        t = 0  # samples seen
        tol = None if self.tol is None else float(self.tol) * n
        epochs_run = np.zeros(n_groups, dtype=np.int64)
        threaded = False
        # One-vs-rest works on minus the scores (the sign costs nothing in the products' scale),
        # softmax on the scores; ``bias`` is the intercept times that sign.
        step, sign = (_softmax_step, 1.0) if softmax else (_ovr_step, -1.0)
        bias = intercept * np.float32(sign)
        width = min(int(self.batch_size), n)
        xb_buf = np.empty((width, d), dtype=np.float32)
        s_buf = np.empty((0, 0), dtype=np.float32)
        col_of = true_col
        for _ in range(int(self.epochs)):
            perm = rng.permutation(n)
            ka = len(cols)
            if s_buf.shape[1] != ka:  # contiguous buffers for the classes still fitted
                s_buf, work = np.empty((2, width, ka), dtype=np.float32)
                # One-vs-rest: every entry's loss of the epoch, summed per batch at its end.
                losses = np.empty((n, ka), dtype=np.float32)
            acc_t = acc.T
            starts, sizes, scales, damps = self._schedule(n, t, sign)
            # Each row's true entry (row, class) in the flattened epoch, for the rows that have
            # one, as an offset into its batch's (m, ka) block; batch b takes its slice.
            yc = col_of[perm]
            has = yc >= 0
            first_hit = np.concatenate([[0], np.cumsum(has)])[starts + sizes].tolist()
            batch_row = np.arange(n) - np.repeat(starts, sizes)
            hit_flat = batch_row[has] * ka + yc[has]
            loss = np.zeros(ka, dtype=np.float64)
            h0 = 0
            for s, m, scale, damp, h1 in zip(
                starts.tolist(), sizes.tolist(), scales, damps, first_hit, strict=True
            ):
                if m >= _THREADED_BATCH and not threaded:
                    single.restore_original_limits()
                    threaded = True
                xb = xb_buf[:m]
                X.take(perm[s : s + m], axis=0, out=xb, mode="clip")  # cached for 2 GEMMs
                # sign * (xb @ w.T + intercept), w = -acc / (alpha (t0 + t - 1))
                scores = np.matmul(xb, acc_t, out=s_buf[:m])
                scores *= scale
                scores += bias
                grad, curv, g_b, batch_loss = step(
                    scores, work[:m], losses[s : s + m], hit_flat[h0:h1]
                )
                h0 = h1
                if batch_loss is not None:
                    loss += batch_loss
                # The intercept is not shrunk: it takes the batch's steps (eta at the batch's
                # middle sample), damped by its curvature (the implicit step, see above).
                curv += damp
                g_b /= curv
                if softmax:
                    bias -= g_b
                else:
                    bias += g_b
                sgemm(1.0, xb.T, grad.T, 1.0, acc_t, 0, 1, 1)  # acc += grad.T @ xb, in place
            t += n
            if not softmax:  # the summed loss of every batch, added up batch by batch
                loss = np.add.reduce(
                    np.add.reduceat(losses, starts, axis=0, dtype=np.float64), axis=0
                )
            group_loss = np.array([loss.sum()]) if softmax else loss
            epochs_run[active] += 1
            if tol is None:
                continue
            worse = group_loss > best[active] - tol
            stale[active] = np.where(worse, stale[active] + 1, 0)
            best[active] = np.minimum(best[active], group_loss)
            still = stale[active] < int(self.n_iter_no_change)
            if still.all():
                continue
            if softmax or not still.any():
                active[:] = False
                break
            # Classes that stop keep the weights of this moment; the rest go on alone.
            done = cols[~still]
            coef[done] = acc[~still] * np.float32(-1.0 / (alpha * (t0 + t - 1)))
            intercept_out[done] = bias[~still] * np.float32(sign)
            active[done] = False
            cols = cols[still]
            acc = np.ascontiguousarray(acc[still])
            bias = np.ascontiguousarray(bias[still])
            remap = np.full(k + 1, -1, dtype=np.int64)  # remap[-1]: a row of no class stays -1
            remap[cols] = np.arange(len(cols))
            col_of = remap[true_col]
        coef[cols] = acc * np.float32(-1.0 / (alpha * (t0 + t - 1)))
        intercept_out[cols] = bias * np.float32(sign)
        self.coef_ = coef
        self.intercept_ = intercept_out
        self.n_iter_ = int(epochs_run.max())
        self.t_ = float(t)

    def _batches(self, n: int, t: int) -> list[tuple[int, int]]:
        """An epoch's batches ``(start, size)`` from ``t`` samples seen: the batch grows as the
        step shrinks, ``eta_t * m <= step_batch`` (between ``min_batch`` and ``batch_size``)."""
        alpha = float(self.alpha)
        t0 = _t0(alpha)
        lo, hi, step = int(self.min_batch), int(self.batch_size), float(self.step_batch)
        out, s = [], 0
        while s < n:
            m = min(int(min(hi, max(lo, step * alpha * (t0 + t)))), n - s)
            out.append((s, m))
            s += m
            t += m
        return out

    def _schedule(
        self, n: int, t: int, sign: float
    ) -> tuple[np.ndarray, np.ndarray, list[np.float32], list[np.float32]]:
        """An epoch's batches from ``t`` samples seen (:meth:`_batches`) as arrays of starts and
        sizes, with each batch's factor from the accumulator to ``sign`` times the weights,
        ``-sign / (alpha (t0 + t - 1))``, and its intercept damping ``alpha (t0 + t_mid)``
        (``eta`` at the batch's middle sample), both float32."""
        alpha = float(self.alpha)
        t0 = _t0(alpha)
        starts, sizes, scales, damps = [], [], [], []
        for s, m in self._batches(n, t):
            starts.append(s)
            sizes.append(m)
            scales.append(np.float32(-sign / (alpha * (t0 + t - 1))))
            damps.append(np.float32(alpha * (t0 + t + 0.5 * (m - 1))))
            t += m
        return np.array(starts, dtype=np.int64), np.array(sizes, dtype=np.int64), scales, damps

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Scores, float32 of shape (n, k) (k = 1 for two classes under one-vs-rest)."""
        scores = np.asarray(X, dtype=np.float32) @ self.coef_.T
        scores += self.intercept_
        return scores

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, float32 of shape (n, len(classes_)); rows sum to 1.

        One-vs-rest as scikit-learn: each class's sigmoid, normalised over the classes (a row
        whose sigmoids all underflow gets the uniform distribution).
        """
        scores = self.decision_function(X)
        if self.multi_class == "multinomial":
            scores -= scores.max(axis=1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=1, keepdims=True)
            return scores
        with np.errstate(over="ignore"):  # exp(-score) = inf: the sigmoid is 0, as it should
            np.negative(scores, out=scores)
            np.exp(scores, out=scores)
        scores += 1.0
        p = np.reciprocal(scores, out=scores)  # expit, on numpy's SIMD float32 exp
        if p.shape[1] == 1:
            return np.hstack([1.0 - p, p])
        total = p.sum(axis=1, keepdims=True)
        zero = total[:, 0] == 0
        if zero.any():
            p[zero] = 1.0
            total[zero] = p.shape[1]
        p /= total
        return p

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The most probable class label per row."""
        scores = self.decision_function(X)
        if scores.shape[1] == 1:
            return self.classes_[(scores[:, 0] > 0).astype(np.int64)]
        return self.classes_[scores.argmax(axis=1)]


#: ``exp`` arguments above this are clipped (float32 overflows at 88.7): there the entry's log
#: loss is under 1e-34 and its gradient under 1e-35, so nothing changes.
_EXP_CLIP = 80.0


def _t0(alpha: float) -> float:
    """scikit-learn's ``optimal`` schedule's offset: Bottou's heuristic ``eta_0 = typw /
    max(1, |dloss|)`` with ``typw = alpha^-1/4`` (the log loss's derivative is at most 1),
    ``t0 = 1 / (eta_0 alpha)``."""
    return 1.0 / (alpha**-0.25 * alpha)


def _ovr_step(
    u: np.ndarray, work: np.ndarray, spare: np.ndarray, flat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, None]:
    """One-vs-rest log loss of a batch from ``u`` = minus its scores (m, k).

    Returns the gradient w.r.t. the scores (in place of ``u``), and per class the summed
    curvature ``q (1 - q)`` and the summed gradient; every entry's loss is left in ``spare``
    (the caller sums them per batch at the epoch's end), hence no loss returned. ``flat``
    indexes the (row, true class) entries of the flattened batch, whose sign is +1 (every
    other entry's is -1). With ``u = sign * score`` after flipping those entries, an entry's
    loss is ``log(1 + exp(-u)) = log(1 + exp(u)) - u`` and its gradient ``-sign * q`` with
    ``q = 1 / (1 + exp(u))``: one ``exp`` and one ``log`` per entry on numpy's SIMD float32
    kernels (scipy's ``expit`` and numpy's ``logaddexp`` are scalar loops, 5-10x slower), the
    sign flips only on the ``m`` true entries. ``work`` is scratch of ``u``'s shape.
    """
    uf = u.reshape(-1)
    uf[flat] *= -1.0
    np.minimum(u, _EXP_CLIP, out=u)
    np.exp(u, out=work)
    work += 1.0
    np.log(work, out=spare)
    spare -= u
    q = np.reciprocal(work, out=u)
    curv = q.sum(axis=0) - np.einsum("ij,ij->j", q, q)  # sum q (1 - q)
    uf[flat] *= -1.0  # the gradient: -sign * q
    return q, curv, q.sum(axis=0), None


def _softmax_step(
    scores: np.ndarray, work: np.ndarray, spare: np.ndarray, flat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Softmax cross-entropy of a batch: the gradient ``p - onehot`` in place of ``scores``,
    the summed curvature ``p (1 - p)`` and the summed gradient per class, and the summed loss
    (in entry 0; ``spare`` is unused)."""
    scores -= scores.max(axis=1, keepdims=True)
    p = np.exp(scores, out=work)
    total = p.sum(axis=1, keepdims=True)
    loss = np.zeros(scores.shape[1])
    loss[0] = float(np.log(total).sum(dtype=np.float64) - scores.reshape(-1)[flat].sum())
    p /= total
    curv = p.sum(axis=0) - np.einsum("ij,ij->j", p, p)
    np.copyto(scores, p)
    scores.reshape(-1)[flat] -= 1.0
    return scores, curv, scores.sum(axis=0), loss

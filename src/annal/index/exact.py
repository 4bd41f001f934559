"""``exact``: brute-force search as blocked BLAS matrix products — the ground truth.

Each block of queries is one ``numpy.matmul`` against the whole base (a similarity-like
key per pair, larger is nearer: ``q.x`` for cosine/ip, ``2 q.x - ||x||^2`` for l2), then one
multi-threaded top-k selection over the block (``torch.topk`` on the same memory, no copy;
``numpy.argpartition`` is single-threaded and measured about twice the matmul's time on a
25k x 384 base). No Python loop runs per query. Blocks hold about 64 MB of keys unless
``block`` sets the queries per block.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from annotated_types import Ge

from annal._threads import limit_threads
from annal.index.base import Metric, Threads, VectorIndex

_BLOCK_FLOATS = 1 << 24  # keys per block: 64 MB of float32
_SUB_FLOATS = 1 << 22  # gathered neighbour coordinates at once when recomputing l2: 16 MB


def topk_rows(keys: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest ``k`` values of each row of ``keys`` (float32 (m, n)), sorted descending.

    Returns
    -------
    values : ndarray of float32, shape (m, k)
    positions : ndarray of int64, shape (m, k)
        Column positions into ``keys``.
    """
    import torch

    values, positions = torch.topk(torch.from_numpy(keys), k, dim=1, largest=True, sorted=True)
    return values.numpy(), positions.numpy()


class ExactIndex(VectorIndex):
    """Exact search over every stored vector (metric cosine, ip or l2).

    Parameters
    ----------
    metric : {"cosine", "ip", "l2"}
        cosine (1 - cos), ip (-dot) or l2 (squared).
    threads : int, optional
        Threads for build and search; 0 = all cores.
    block : int
        Queries per matmul block; 0 = automatic.
    """

    name = "exact"

    def __init__(
        self, metric: Metric = "cosine", threads: Threads = None, block: Annotated[int, Ge(0)] = 0
    ) -> None:
        self.metric = metric
        self.threads = threads
        self.block = block

    def _build(self, x: np.ndarray, ids: np.ndarray) -> None:
        self._x = x.copy()
        self._pos_ids = ids.copy()
        self._sqnorm = np.einsum("ij,ij->i", self._x, self._x)

    def _add(self, x: np.ndarray, ids: np.ndarray) -> None:
        self._x = np.concatenate([self._x, x])
        self._pos_ids = np.concatenate([self._pos_ids, ids])
        self._sqnorm = np.concatenate([self._sqnorm, np.einsum("ij,ij->i", x, x)])

    def _remove(self, ids: np.ndarray) -> None:
        keep = ~np.isin(self._pos_ids, ids)
        self._x = np.ascontiguousarray(self._x[keep])
        self._pos_ids = self._pos_ids[keep]
        self._sqnorm = self._sqnorm[keep]

    def _memory_bytes(self) -> int:
        return self._x.nbytes + self._pos_ids.nbytes + self._sqnorm.nbytes

    def _save(self, fh) -> None:
        np.save(fh, self._x, allow_pickle=False)

    def _load(self, path: str, ids: np.ndarray) -> None:
        self._build(np.load(path, allow_pickle=False), ids)

    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self._x)
        block = self.block or max(1, _BLOCK_FLOATS // n)
        dist = np.empty((len(q), k), dtype=np.float32)
        found = np.empty((len(q), k), dtype=np.int64)
        base_t = self._x.T
        with limit_threads(self.n_threads, torch=True):
            for start in range(0, len(q), block):
                qb = q[start : start + block]
                keys = np.matmul(2.0 * qb if self.metric == "l2" else qb, base_t)
                if self.metric == "l2":
                    keys -= self._sqnorm
                values, pos = topk_rows(keys, k)
                if self.metric == "cosine":
                    d = 1.0 - values
                elif self.metric == "ip":
                    d = -values
                else:
                    d = self._l2_of_found(qb, pos)
                dist[start : start + len(qb)] = d
                found[start : start + len(qb)] = self._pos_ids[pos]
        return dist, found

    def _l2_of_found(self, q: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Squared L2 from each query to its found rows, summed from the differences.

        The ranking key ``2 q.x - ||x||^2`` loses digits to cancellation, and how many depends
        on the BLAS kernel a block size picks; the k distances actually returned are recomputed
        directly, so they are exact to float32 rounding and the same for every block size.
        """
        out = np.empty(pos.shape, dtype=np.float32)
        step = max(1, _SUB_FLOATS // max(1, pos.shape[1] * q.shape[1]))
        for s in range(0, len(q), step):
            diff = self._x[pos[s : s + step]] - q[s : s + step, None, :]
            out[s : s + step] = np.einsum("ikj,ikj->ik", diff, diff)
        return out

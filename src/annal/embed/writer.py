"""Large embedding outputs: a chunked, resumable, memory-mapped float16 ``.npy`` writer.

:func:`write_chunked` fills ``OUT.npy`` chunk by chunk through ``numpy.lib.format.open_memmap``,
so no (n, d) array is ever held in memory. While it runs the rows go to ``OUT.npy.partial``
and a small sidecar, ``OUT.npy.progress.json``, lists the finished chunks (rewritten
atomically after each chunk is flushed to disk). After a crash the same call continues from
the last finished chunk; a sidecar written for other inputs (another encoder, other texts,
another chunk size) is ignored and the work starts over. When every chunk is done the file is
renamed to ``OUT.npy`` in one step and the sidecar removed, so ``OUT.npy`` is always complete.

Chunks run in this process (``backend="local"``) or as Ray tasks (``backend="ray"``, on a
local Ray or the cluster at ``address``), results written into the same file by the driver as
they arrive, so the two backends give the same file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from annal._io import atomic_write_bytes
from annal.embed.base import check_embeddings
from annal.embed.progress import progress_bar
from annal.errors import AnnalError
from annal.ray_connect import EXECUTION_BACKENDS

DTYPES = ("float16", "float32")
#: Default rows per chunk: 20k x 384 float32 is 30 MB in flight.
CHUNK_ROWS = 20_000


def _paths(out: Path) -> tuple[Path, Path]:
    return out.with_name(out.name + ".partial"), out.with_name(out.name + ".progress.json")


def _read_progress(sidecar: Path, partial: Path, meta: dict) -> tuple[set[int], int | None]:
    """Finished chunks and the dimension from a sidecar that matches ``meta``; else none."""
    try:
        info = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set(), None
    if not partial.is_file() or any(info.get(k) != v for k, v in meta.items()):
        return set(), None
    return {int(i) for i in info.get("done", [])}, info.get("dim")


def _local_chunks(
    encode: Callable[[int, int], np.ndarray], bounds: list[tuple[int, int, int]]
) -> Iterator[tuple[int, np.ndarray]]:
    for i, start, stop in bounds:
        yield i, encode(start, stop)


def _encode_texts_task(spec: str, texts: list[str]) -> np.ndarray:
    """One chunk on a Ray worker: build the encoder there and encode (float32)."""
    from annal.embed.registry import get_encoder

    return get_encoder(spec, progress=False).encode(texts)


def _ray_chunks(
    spec: str,
    texts: Sequence[str],
    bounds: list[tuple[int, int, int]],
    address: str | None,
    workers: int,
) -> Iterator[tuple[int, np.ndarray]]:
    import ray

    from annal.ray_connect import connect_ray

    started = connect_ray(address, workers, what="annal embed --backend ray")
    try:
        remote = ray.remote(num_cpus=1, max_retries=2)(_encode_texts_task)
        pending: dict = {}
        todo = list(bounds)
        while todo or pending:
            while todo and len(pending) < 2 * workers:  # bounded: texts in flight
                i, start, stop = todo.pop(0)
                pending[remote.remote(spec, list(texts[start:stop]))] = i
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                yield pending.pop(ref), ray.get(ref)
    finally:
        if started:
            ray.shutdown()


def write_chunked(
    out: str | os.PathLike[str],
    n: int,
    *,
    encode: Callable[[int, int], np.ndarray] | None = None,
    texts: Sequence[str] | None = None,
    spec: str | None = None,
    key: str = "",
    chunk_rows: int = CHUNK_ROWS,
    dtype: str = "float16",
    backend: str = "local",
    address: str | None = None,
    workers: int = 2,
    progress: bool = True,
) -> Path:
    """Write ``n`` embedding rows to the ``.npy`` file ``out``, resumably (module docstring).

    Parameters
    ----------
    out : str or PathLike
        The final ``.npy`` file.
    n : int
        Rows to write.
    encode : callable, optional
        ``encode(start, stop) -> array (stop - start, d)``: the local way to get rows.
    texts, spec : optional
        For ``backend="ray"``: the texts and the encoder spec each Ray task builds.
    key : str
        What the rows come from (encoder name and a hash of the texts): a sidecar with another
        key is not resumed.
    chunk_rows : int
        Rows per chunk (the unit of resumption).
    dtype : {"float16", "float32"}
        On-disk dtype (float16 halves the file; MiniLM's unit vectors lose nothing that
        matters to cosine neighbours).
    backend : {"local", "ray"}
    address : str, optional
        Ray cluster address (None: a local Ray with ``workers`` CPUs).
    workers : int
        CPUs of a local Ray instance.
    progress : bool
        Progress bar with ETA on stderr.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    out = Path(out).expanduser()
    if dtype not in DTYPES:
        raise AnnalError(f"embedding dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if backend not in EXECUTION_BACKENDS:
        raise AnnalError(
            f"embed backend must be one of {', '.join(EXECUTION_BACKENDS)}, got {backend!r}"
        )
    if int(chunk_rows) < 1:
        raise AnnalError(f"chunk size must be >= 1 row, got {chunk_rows}")
    if backend == "ray" and (texts is None or spec is None):
        raise AnnalError("--backend ray needs an encoder (not a precomputed .npy file)")
    if backend == "local" and encode is None:
        raise ValueError("write_chunked needs encode= for the local backend")
    chunk_rows = int(chunk_rows)
    partial, sidecar = _paths(out)
    meta = {"n": int(n), "chunk_rows": chunk_rows, "dtype": dtype, "key": key}
    done, dim = _read_progress(sidecar, partial, meta)
    arr = None
    if dim is not None:
        try:
            arr = np.lib.format.open_memmap(partial, mode="r+")
        except (OSError, ValueError):
            arr = None
        if arr is None or arr.shape != (int(n), int(dim)) or arr.dtype != np.dtype(dtype):
            arr, done, dim = None, set(), None
    starts = range(0, int(n), chunk_rows)
    bounds = [(i, s, min(s + chunk_rows, int(n))) for i, s in enumerate(starts) if i not in done]
    if backend == "ray":
        chunks = _ray_chunks(str(spec), texts, bounds, address, int(workers))
    else:
        chunks = _local_chunks(encode, bounds)
    out.parent.mkdir(parents=True, exist_ok=True)
    with progress_bar(progress) as bar:
        task = bar.add_task(
            f"embedding to {out.name}",
            total=int(n),
            completed=sum(min(chunk_rows, int(n) - i * chunk_rows) for i in done),
        )
        for i, rows in chunks:
            start, stop = i * chunk_rows, min((i + 1) * chunk_rows, int(n))
            rows = check_embeddings(rows, stop - start, f"chunk {i} (rows {start}:{stop})")
            if arr is None:
                dim = rows.shape[1]
                arr = np.lib.format.open_memmap(
                    partial, mode="w+", dtype=dtype, shape=(int(n), int(dim))
                )
            arr[start:stop] = rows
            arr.flush()
            done.add(i)
            state = {**meta, "dim": int(dim), "done": sorted(done)}
            atomic_write_bytes(sidecar, json.dumps(state).encode())
            bar.advance(task, stop - start)
    if arr is None:  # n == 0, or every chunk was already done
        arr = np.lib.format.open_memmap(
            partial, mode="w+", dtype=dtype, shape=(int(n), int(dim or 0))
        )
    arr.flush()
    del arr
    os.replace(partial, out)
    sidecar.unlink(missing_ok=True)
    return out

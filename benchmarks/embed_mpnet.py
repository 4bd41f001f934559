"""Embed shared datasets once with MPNet (all-mpnet-base-v2) into annal's cache, timed.

``annal reproduce --encoder mpnet`` embeds each dataset the first time it needs it; on a
CPU-only machine that is the whole cost of the run. This script fills the same cache entries
(same loading as the ``paper`` preset, same encoder name, same cache key), but encodes every
distinct text once across the datasets it is given: trec6 and trec50 are the same questions
(trec50 drops 3 of them in its own dedupe), so they cost one encoding, not two. Each text's
vector depends on that text alone (``row_independent``), so the entries equal those
``reproduce`` would write.

    nice -n 10 python benchmarks/embed_mpnet.py --datasets trec6 trec50 arxiv_thealphacubicle r8

Prints, per dataset, the rows, the new texts encoded, wall and CPU seconds; ``--write`` puts
the table in the ``embed-mpnet`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from end_to_end import load_average, write_section  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Embed the datasets and print (and optionally write) the timing table."""
    from annal.data import shared_datasets_root
    from annal.embed.cache import EmbeddingCache, cache_key
    from annal.embed.registry import get_encoder
    from annal.experiments.prepare import load_configured
    from annal.experiments.reproduce import paper_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", required=True)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--write", action="store_true", help="write the BENCHMARKS.md section")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    root = args.data_root or shared_datasets_root()
    config = paper_config(root, encoder="mpnet", datasets=args.datasets)
    encoder = get_encoder("mpnet", progress=True)
    store = EmbeddingCache()
    known: dict[str, np.ndarray] = {}
    rows = []
    before = load_average()
    # In the order given (cheapest first is the caller's choice), not the data root's.
    for dc in sorted(config.datasets, key=lambda dc: args.datasets.index(dc.name)):
        ds = load_configured(dc, config)
        texts = [str(t) for t in ds.texts]
        key = cache_key(encoder.name, texts)
        wall, cpu = time.perf_counter(), time.process_time()
        hit = store.get(key)
        new: list[str] = []
        if hit is None:
            new = list(dict.fromkeys(t for t in texts if t not in known))
            if new:
                vectors = encoder.encode(new)
                known.update(zip(new, vectors, strict=True))
            store.put(key, np.stack([known[t] for t in texts]), encoder.name)
        else:
            known.update(zip(texts, hit, strict=True))
        row = {
            "dataset": dc.name,
            "rows": len(texts),
            "encoded": len(new),
            "cached": hit is not None,
            "wall_s": time.perf_counter() - wall,
            "cpu_s": time.process_time() - cpu,
            "words": float(np.mean([len(t.split()) for t in texts])),
        }
        rows.append(row)
        print(
            f"{row['dataset']:24} rows {row['rows']:6,}  encoded {row['encoded']:6,}  "
            f"{'cached ' if row['cached'] else ''}wall {row['wall_s']:8.1f} s  "
            f"CPU {row['cpu_s']:8.1f} s  ({row['words']:.0f} words/text)",
            flush=True,
        )
    lines = [
        f"`nice -n 10 python benchmarks/embed_mpnet.py --datasets {' '.join(args.datasets)}` "
        f"(torch {args.threads} threads, CPU only; {before} before, {load_average()} after; "
        f"{os.cpu_count()} cores shared with other jobs, so wall seconds are inflated, CPU "
        "seconds are this process's). Every distinct text is encoded once across the datasets; "
        "the cache entries are those `annal reproduce --encoder mpnet` reads.",
        "",
        "| dataset | rows | texts encoded | words per text (cleaned) | wall s | CPU s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        enc = "cached" if r["cached"] else f"{r['encoded']:,}"
        lines.append(
            f"| {r['dataset']} | {r['rows']:,} | {enc} | {r['words']:.0f} | "
            f"{r['wall_s']:.0f} | {r['cpu_s']:.0f} |"
        )
    body = "\n".join(lines)
    if args.write:
        write_section("embed-mpnet", "MPNet embeddings of the shared datasets (CPU)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``annal ann-bench``: recall@k and timings of vector indexes on a dataset."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.table import Table

from annal.annbench.run import DEFAULT_KS
from annal.cli.options import (
    DATA_ROOT_OPT,
    PROGRESS_OPT,
    console,
    model_opt,
    one_of,
    output_opt,
    parse_params,
)
from annal.errors import AnnalError


def _preset_names() -> list[str]:
    from annal.annbench import PRESETS

    return list(PRESETS)


def _query_param_names() -> str:
    from annal.index.backends import INDEX_BACKENDS

    return ", ".join(
        f"{q} ({name})" for name in INDEX_BACKENDS for q in INDEX_BACKENDS[name].query_params
    )


def ann_bench(
    source: str = typer.Argument(
        ...,
        metavar="NAME|PATH",
        help="Dataset name, folder, file, 'demo', or a .npy of vectors.",
        show_default=False,
    ),
    index: list[str] = typer.Option(
        [],
        "--index",
        "-i",
        help="Index spec, e.g. 'faiss:hnsw?M=32&efSearch=64'; repeatable. Specs that differ "
        "only in query parameters share one build.",
        show_default=False,
    ),
    query_param: list[str] = typer.Option(
        [],
        "--query-param",
        "-q",
        metavar="NAME=V1,V2",
        help="Sweep a query parameter on each built index, without rebuilding it: "
        f"{_query_param_names()}, e.g. 'efSearch=16,32,64'; repeatable (several give every combination). Indexes of other "
        "backends are measured once.",
        show_default=False,
    ),
    preset: str | None = typer.Option(
        None,
        "--preset",
        help=f"A named index set ('paper': the paper's section 2.2). {one_of(_preset_names())}",
        show_default=False,
    ),
    k: str = typer.Option(",".join(map(str, DEFAULT_KS)), "--k", help="Comma-separated k values."),
    queries: int = typer.Option(1000, "--queries", min=1, help="Held-out query rows."),
    repeats: int = typer.Option(3, "--repeats", min=1, help="Timing repeats; the best is kept."),
    threads: str | None = typer.Option(
        None,
        "--threads",
        help="Comma-separated thread counts for specs without threads= (0 = all cores).",
        show_default=False,
    ),
    seed: int = typer.Option(
        0, "--seed", min=0, max=2**32 - 1, help="Seed of the query/base split."
    ),
    out: Path | None = output_opt(
        "--out", "Folder for results.csv, results.json and the plots.", kind="dir"
    ),
    data_root: Path | None = DATA_ROOT_OPT,
    model: str | None = model_opt(),
    progress: bool = PROGRESS_OPT,
) -> None:
    """Benchmark vector indexes: recall@k and timings.

    Queries are held-out real rows; the ground truth is the exact cosine top-k for each k.
    Each index is built once; its query settings (--query-param, or written in the specs) are
    measured on that build, so the build time is reported once per build.
    """
    from annal.annbench import PRESETS, load_vectors, run_ann_bench, sweep_specs, write_results
    from annal.annbench.run import parse_ints

    specs = list(index)
    if preset is not None:
        if preset not in PRESETS:
            raise AnnalError(f"unknown --preset {preset!r}; valid: {', '.join(PRESETS)}")
        specs = PRESETS[preset]() + specs
    if not specs:
        raise AnnalError("ann-bench needs at least one --index SPEC or a --preset")
    # Every option is checked before the (possibly slow) data load.
    ks = parse_ints(k, "--k")
    thread_counts = parse_ints(threads, "--threads") if threads else None
    sweep = parse_query_params(query_param)
    sweep_specs(specs, sweep)
    started = time.perf_counter()
    name, vectors = load_vectors(source, data_root=data_root, model=model, progress=progress)
    result = run_ann_bench(
        vectors,
        specs,
        ks=ks,
        n_queries=queries,
        repeats=repeats,
        threads=thread_counts,
        query_params=sweep,
        seed=seed,
        name=name,
        progress=progress,
    )
    ks = result.settings["ks"]
    k_ref = 10 if 10 in ks else ks[len(ks) // 2]
    table = Table(
        title=f"ann-bench {name}: {result.settings['n_base']} base x {result.settings['dim']} d, "
        f"{result.settings['n_queries']} queries; query s and qps at k={k_ref}"
    )
    table.add_column("index", overflow="fold")
    for column in ("thr", "build s", "query s", "qps", "MB", *(f"R@{kk}" for kk in ks)):
        table.add_column(column, justify="right", no_wrap=True)
    built: set[str] = set()
    for spec in result.settings["indexes"]:
        rows = {r["k"]: r for r in result.rows if r["index"] == spec}
        ref = rows[k_ref]
        first_of_build = ref["build"] not in built  # the build time once per build
        built.add(ref["build"])
        table.add_row(
            spec,
            str(ref["threads"]),
            f"{ref['build_s']:.3f}" if first_of_build else "〃",
            f"{ref['query_s']:.4f}",
            f"{ref['qps']:,.0f}",
            f"{ref['memory_bytes'] / 2**20:.1f}",
            *(f"{rows[kk]['recall']:.3f}" for kk in ks),
        )
    console.print(table)
    if out is not None:
        paths = write_results(result, out)
        for path in paths.values():
            console.print(f"wrote {path}")
    console.print(f"total {time.perf_counter() - started:.1f} s")


def parse_query_params(pairs: list[str]) -> dict[str, list]:
    """``["efSearch=16,32", "nprobe=4"]`` -> ``{"efSearch": ["16", "32"], "nprobe": ["4"]}``;
    the values are typed (and checked) by the index spec they are put into."""
    return {
        name: [v.strip() for v in str(value).split(",") if v.strip()]
        for name, value in parse_params(pairs, "--query-param").items()
    }


def register(app: typer.Typer) -> None:
    """Add ``ann-bench`` to the root app."""
    app.command("ann-bench")(ann_bench)

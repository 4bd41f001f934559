"""``annal reproduce``: the ``paper`` preset on every dataset under a data root, then the report."""

from __future__ import annotations

from pathlib import Path

from annal.errors import AnnalError
from annal.experiments.config import Config, load_config

#: ``annal reproduce --encoder`` choices.
ENCODERS = ("auto", "mpnet", "minilm")


def paper_config(
    data_root: str | Path | None = None,
    *,
    seeds: int = 3,
    datasets: list[str] | None = None,
    rounds: int | None = None,
    encoder: str = "auto",
) -> Config:
    """The ``paper`` preset pointed at every dataset folder under ``data_root``.

    Parameters
    ----------
    data_root : str or Path, optional
        Folder of dataset folders; defaults to ``$ANNAL_DATA_ROOT``.
    seeds : int
        Seeds ``0 .. seeds-1``.
    datasets : list of str, optional
        Only these dataset names (default: all found).
    rounds : int, optional
        Override the preset's 20 rounds (the per-round budget stays a pool fraction).
    encoder : {"auto", "mpnet", "minilm"}
        ``mpnet``: the paper's all-mpnet-base-v2 (the ``annal[mpnet]`` extra; each dataset is
        embedded once, then cached); ``minilm``: all-MiniLM-L6-v2, the dataset folders'
        precomputed ``minilm.npy`` where present; ``auto``: mpnet when the extra is installed.

    Raises
    ------
    AnnalError
        No data root, no datasets under it, an unknown name in ``datasets`` or ``encoder``,
        or ``mpnet`` without its extra.
    """
    from annal.data.sources import data_root as resolve_root
    from annal.data.sources import dataset_names
    from annal.embed.mpnet import mpnet_available, piece_paths

    root = resolve_root(data_root)
    if root is None:
        raise AnnalError("reproduce: no data root; pass --data-root or set $ANNAL_DATA_ROOT")
    if not Path(root).is_dir():
        raise AnnalError(f"--data-root {root}: not a folder")
    found = dataset_names(Path(root))
    if not found:
        raise AnnalError(f"--data-root {root}: no dataset folders (holding data.csv) found")
    if datasets:
        unknown = [d for d in datasets if d not in found]
        if unknown:
            raise AnnalError(f"--datasets: {unknown[0]!r} is not under {root} ({', '.join(found)})")
        found = [d for d in found if d in datasets]
    if encoder not in ENCODERS:
        raise AnnalError(f"--encoder must be one of {', '.join(ENCODERS)}, got {encoder!r}")
    if encoder == "mpnet":
        piece_paths()  # the extra is installed, else one line saying how to get it
    elif encoder == "auto":
        encoder = "mpnet" if mpnet_available() else "minilm"
    data = load_config("paper").model_dump(mode="json")
    data["encoder"] = "mpnet" if encoder == "mpnet" else None
    data.update(datasets=[{"name": d} for d in found], seeds=list(range(seeds)))
    data["data_root"] = str(Path(root).resolve())
    if rounds is not None:
        data["protocol"]["rounds"] = rounds
    return Config.model_validate(data)

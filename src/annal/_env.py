"""Facts about the machine and the libraries, recorded beside every result and benchmark."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any


def package_versions(*packages: str) -> dict[str, str | None]:
    """Installed version of each distribution (None when it is not installed)."""
    out: dict[str, str | None] = {}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def numpy_blas() -> dict[str, Any] | None:
    """numpy's BLAS build (name, version, configuration), or None where numpy cannot say."""
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:  # noqa: BLE001 - informative only; older numpy has no dict mode
        return None
    return {k: blas.get(k) for k in ("name", "version", "openblas configuration")}


def environment(*packages: str) -> dict[str, Any]:
    """The machine (CPU, core count, OS, Python, numpy's BLAS) and ``packages``' versions."""
    return {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy_blas": numpy_blas(),
        "versions": package_versions(*packages),
    }

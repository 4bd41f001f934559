"""One colour per strategy name, the same in every report and every figure.

The built-in strategies have fixed, well-separated colours (``random``, the usual baseline, is
grey). Any other name (a strategy added later, or a config ``label`` such as ``distance-lsh``)
gets a colour derived from the name alone, so it too is the same in every report, whatever the
other strategies of a run are and in whatever order they come.

>>> strategy_color("margin")
'#1f77b4'
>>> strategy_color("my-strategy") == strategy_color("my-strategy")
True
"""

from __future__ import annotations

import colorsys
import zlib

#: The fixed colours of the built-in strategies (tab10, random in grey).
FIXED: dict[str, str] = {
    "random": "#7f7f7f",
    "margin": "#1f77b4",
    "entropy": "#ff7f0e",
    "least-confident": "#2ca02c",
    "cluster": "#d62728",
    "distance": "#9467bd",
    "combined": "#8c564b",
    "coreset": "#e377c2",
    "cluster-margin": "#17becf",
}


def strategy_color(name: str) -> str:
    """The colour of strategy ``name`` as ``#rrggbb``.

    Parameters
    ----------
    name : str
        A strategy name or a config label.

    Returns
    -------
    str
        A fixed colour for the built-in names; otherwise one derived from a CRC-32 of the name
        (hue from its low bits, lightness and saturation from higher bits), kept away from grey.
    """
    if name in FIXED:
        return FIXED[name]
    h = zlib.crc32(name.encode("utf-8"))
    hue = (h & 0xFFFF) / 0x10000
    light = 0.36 + 0.18 * ((h >> 16) & 0xFF) / 0xFF
    sat = 0.60 + 0.35 * ((h >> 24) & 0xFF) / 0xFF
    r, g, b = colorsys.hls_to_rgb(hue, light, sat)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def strategy_colors(names) -> dict[str, str]:
    """``name -> colour`` for every name in ``names`` (see :func:`strategy_color`)."""
    return {n: strategy_color(n) for n in names}

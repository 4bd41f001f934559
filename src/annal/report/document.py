"""A tiny document model rendered twice: Markdown (figures as files) and self-contained HTML
(figures embedded as base64 PNGs)."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

import pandas as pd

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}
td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
img{max-width:100%} figcaption{font-size:13px;color:#555}
p.lead{font-size:17px;line-height:1.4;margin:.6em 0}
p.note{background:#fff6e0;border-left:4px solid #e0a800;padding:.4em .8em;font-size:14px}
p.meta{font-size:13px;color:#555}
"""


@dataclass
class Document:
    """An ordered list of headings, paragraphs, tables and figures."""

    title: str
    blocks: list[tuple] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        """Add a section heading."""
        self.blocks.append(("h", level, text))

    def para(self, text: str, kind: str = "") -> None:
        """Add a paragraph (plain text); ``kind`` is ``""``, ``"lead"`` (the one sentence a
        reader should see first, bold in Markdown), ``"note"`` (a caution, a Markdown quote)
        or ``"meta"`` (small print)."""
        self.blocks.append(("p", text, kind))

    def table(self, df: pd.DataFrame) -> None:
        """Add a table (cells rendered with ``str``)."""
        self.blocks.append(("table", df))

    def figure(self, name: str, png: bytes, caption: str) -> None:
        """Add a figure; ``name`` is its file name in the Markdown version."""
        self.blocks.append(("fig", name, png, caption))

    def figures(self) -> dict[str, bytes]:
        """``file name -> PNG bytes`` of every figure."""
        return {b[1]: b[2] for b in self.blocks if b[0] == "fig"}

    def to_markdown(self, fig_dir: str = "figures") -> str:
        """The document as Markdown; figures link to ``fig_dir/<name>``."""
        out = [f"# {self.title}", ""]
        for b in self.blocks:
            if b[0] == "h":
                out += ["#" * b[1] + " " + b[2], ""]
            elif b[0] == "p":
                text = {"lead": f"**{b[1]}**", "note": f"> {b[1]}"}.get(b[2], b[1])
                out += [text, ""]
            elif b[0] == "table":
                out += [_md_table(b[1]), ""]
            else:
                out += [f"![{b[3]}]({fig_dir}/{b[1]})", "", f"*{b[3]}*", ""]
        return "\n".join(out)

    def to_html(self) -> str:
        """The document as one self-contained HTML page."""
        esc = html.escape
        out = [
            "<!DOCTYPE html><html><head><meta charset='utf-8'>",
            f"<title>{esc(self.title)}</title><style>{_CSS}</style></head><body>",
            f"<h1>{esc(self.title)}</h1>",
        ]
        for b in self.blocks:
            if b[0] == "h":
                out.append(f"<h{b[1]}>{esc(b[2])}</h{b[1]}>")
            elif b[0] == "p":
                cls = f" class='{b[2]}'" if b[2] else ""
                out.append(f"<p{cls}>{esc(b[1])}</p>")
            elif b[0] == "table":
                out.append(b[1].to_html(index=False, border=0, escape=True))
            else:
                data = base64.b64encode(b[2]).decode("ascii")
                out.append(
                    f"<figure data-name='{esc(b[1])}'><img alt='{esc(b[3])}' src='data:image/png;base64,{data}'>"
                    f"<figcaption>{esc(b[3])}</figcaption></figure>"
                )
        out.append("</body></html>")
        return "\n".join(out)


def _md_table(df: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" if i < 2 else "---:" for i in range(len(df.columns))) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])

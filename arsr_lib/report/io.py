"""Tables and figures on disk: CSV + Markdown tables with their protocol caption, PNG figures (atomic)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from arsr_lib.core.atomic import atomic_path, write_text_atomic


def save_figure(fig: Figure, path: str | Path, dpi: int = 80) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return path


def save_table(df: pd.DataFrame, stem: str | Path, caption: str = "") -> tuple[Path, Path]:
    """Write ``<stem>.csv`` and ``<stem>.md`` (the Markdown carries ``caption``, e.g. the protocol)."""
    stem = Path(stem)
    csv, md = stem.with_suffix(".csv"), stem.with_suffix(".md")
    write_text_atomic(csv, df.to_csv(index=False))
    write_text_atomic(md, (f"{caption}\n\n" if caption else "") + df.to_markdown(index=False) + "\n")
    return csv, md

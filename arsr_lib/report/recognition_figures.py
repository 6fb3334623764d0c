"""Recognition figures (notebook 05, the paper's Fig. 2): clips whose spatial prediction SR flips."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from arsr_lib.data.datasets import SplitDataset
from arsr_lib.data.flow import compute_flow, motion_weight_map
from arsr_lib.report.sr_figures import axis_off
from arsr_lib.sr.sreval import method_video


def flip_picks(flips_df: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The clips :func:`prediction_flip_figure` shows: the first ``n`` flips to better, then to worse."""
    return pd.concat(
        [flips_df[flips_df.effect == "better"].head(n), flips_df[flips_df.effect == "worse"].head(n)]
    )


def prediction_flip_figure(
    ds: SplitDataset,
    flips_df: pd.DataFrame,
    method: str,
    sr_root: str | Path,
    flow_method: str,
    n: int = 3,
    frame: int = 6,
) -> Figure:
    """The paper's Fig. 2: clips where ``method``'s frames flip the spatial prediction (better / worse):
    bicubic frame, SR frame, flow weight map."""
    picks = flip_picks(flips_df, n)
    if picks.empty:
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.text(
            0.5,
            0.5,
            f"no test video changes its spatial prediction between Bicubic and {method}",
            ha="center",
            va="center",
            fontsize=8,
        )
        ax.axis("off")
        return fig
    items = {i.rel_path: i for i in ds.test}
    fig, axes = plt.subplots(len(picks), 3, figsize=(6.5, 2.3 * len(picks)), squeeze=False)
    for r, (_, row) in enumerate(picks.iterrows()):
        it = items[row["video"]]
        bic = method_video(ds, it, "Bicubic", sr_root)
        sr = method_video(ds, it, method, sr_root)
        hr = method_video(ds, it, "HR", sr_root)
        w = motion_weight_map(compute_flow(hr[frame : frame + 2], flow_method)[0])
        for c, (img, title) in enumerate(
            [
                (bic[frame], f"Bicubic: {row['Bicubic']}"),
                (sr[frame], f"{method}: {row[method]}"),
                (w, "flow weight map"),
            ]
        ):
            axes[r, c].imshow(img, cmap="magma" if c == 2 else None)
            axes[r, c].set_title(title, fontsize=7)
            axis_off(axes[r, c])
        axes[r, 0].set_ylabel(f"{row['effect']}\n(true {row['true']})", fontsize=7)
    fig.tight_layout()
    return fig

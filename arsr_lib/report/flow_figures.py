"""Flow on each method's frames (notebook 04, the paper's Fig. 3): colour-coded flow and end-point errors."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from arsr_lib.core import protocol
from arsr_lib.data.datasets import SplitDataset, VideoItem
from arsr_lib.data.flow import compute_flow, end_point_error
from arsr_lib.data.flowcolor import flow_to_color
from arsr_lib.data.synth import load_ground_truth
from arsr_lib.report.sr_figures import axis_off
from arsr_lib.sr.sreval import method_video


def flow_comparison_figure(
    ds: SplitDataset,
    items: list[VideoItem],
    methods: list[str],
    sr_root: str | Path,
    flow_method: str,
    frame: int = 6,
    with_gt: bool = False,
) -> Figure:
    """The paper's Fig. 3: colour-coded flow computed on HR, bicubic and each SR output for the same
    frames."""
    cols = (["true flow"] if with_gt else []) + ["HR"] + list(methods)
    fig, axes = plt.subplots(len(items), len(cols), figsize=(1.9 * len(cols), 2 * len(items)), squeeze=False)
    for r, it in enumerate(items):
        flows = {}
        if with_gt:
            flows["true flow"] = load_ground_truth(ds.path(it))["flow"][frame]
        for m in ["HR"] + list(methods):
            v = method_video(ds, it, m, sr_root)
            flows[m] = compute_flow(v[frame : frame + 2], flow_method)[0]
        rmax = max(np.linalg.norm(flows["HR"], axis=-1).max(), 1.0)
        for c, name in enumerate(cols):
            axes[r, c].imshow(flow_to_color(flows[name], rmax))
            axis_off(axes[r, c])
            if r == 0:
                axes[r, c].set_title(name, fontsize=8)
        axes[r, 0].set_ylabel(it.class_name, fontsize=8)
    fig.tight_layout()
    fig.suptitle(protocol.describe(flow_method), fontsize=7, y=1.01)
    return fig


def flow_epe_table(
    ds: SplitDataset,
    items: list[VideoItem],
    methods: list[str],
    sr_root: str | Path,
    flow_method: str,
    with_gt: bool = False,
) -> pd.DataFrame:
    """End-point error of the flow computed on each method's frames, against HR flow and (SynthActions) the
    true flow, over the whole frame and over the actor; plus the flow's mean magnitude on static
    background."""
    rows = []
    cache = {}
    for m in ["HR", "Bicubic"] + [x for x in methods if x not in ("HR", "Bicubic")]:
        vals: dict[str, list[float]] = {
            "EPE vs HR flow": [],
            "EPE vs true flow": [],
            "EPE vs true flow (actor)": [],
            "background flow (px)": [],
        }
        for it in items:
            fl = compute_flow(method_video(ds, it, m, sr_root), flow_method)
            if it.rel_path not in cache:
                cache[it.rel_path] = (
                    fl if m == "HR" else compute_flow(method_video(ds, it, "HR", sr_root), flow_method)
                )
            vals["EPE vs HR flow"].append(end_point_error(fl, cache[it.rel_path]))
            if with_gt:
                gt = load_ground_truth(ds.path(it))
                n = min(len(fl), len(gt["flow"]))
                tf, mk = gt["flow"][:n], gt["masks"][:n]
                vals["EPE vs true flow"].append(end_point_error(fl[:n], tf))
                vals["EPE vs true flow (actor)"].append(end_point_error(fl[:n], tf, mk))
                vals["background flow (px)"].append(float(np.linalg.norm(fl[:n], axis=-1)[~mk].mean()))
        row: dict[str, str | float] = {"frames from": m}
        row.update({k: float(np.mean(v)) for k, v in vals.items() if v})
        rows.append(row)
    return pd.DataFrame(rows)

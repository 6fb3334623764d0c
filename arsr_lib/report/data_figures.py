"""Figures and tables of the data (notebook 01): splits, what x4 degradation does, the motion of each
class."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from arsr_lib.core import protocol
from arsr_lib.data.datasets import SplitDataset, VideoItem
from arsr_lib.data.degrade import bicubic_upscale, downscale, modcrop
from arsr_lib.data.flow import compute_flow, end_point_error
from arsr_lib.data.flowcolor import flow_to_color
from arsr_lib.data.synth import MOTION_EXAMPLES, load_ground_truth
from arsr_lib.sr.metrics import psnr_rgb


def class_examples(ds: SplitDataset, subset: str = "test") -> list:
    """One video per class (the first listed)."""
    seen, out = set(), []
    for it in getattr(ds, subset):
        if it.label not in seen:
            seen.add(it.label)
            out.append(it)
    return sorted(out, key=lambda i: i.label)


def moving_examples(items: list, classes: tuple[str, ...] = MOTION_EXAMPLES) -> list:
    """The items of ``classes``, whose motion shows best in a figure (SynthActions' arm circles, walking,
    swing and jump); all of ``items`` when none is (a real dataset)."""
    return [i for i in items if i.class_name in classes] or list(items)


def degradation_grid(
    ds: SplitDataset,
    items: list[VideoItem],
    flow_method: str,
    scale: int = protocol.SCALE,
    frame: int = 4,
    with_gt: bool = False,
) -> Figure:
    """Rows: videos; columns HR | LR | bicubic | (actor mask) | flow colour (HR) | flow colour (bicubic)."""
    cols = (
        ["HR", f"LR (x1/{scale})", "Bicubic x4"]
        + (["actor mask"] if with_gt else [])
        + [f"{flow_method} flow on HR", f"{flow_method} flow on bicubic"]
    )
    fig, axes = plt.subplots(
        len(items), len(cols), figsize=(1.9 * len(cols), 1.9 * len(items)), squeeze=False
    )
    for r, it in enumerate(items):
        path = ds.path(it)
        hr = modcrop(ds.read(it, max_frames=frame + 2), scale)
        lr = downscale(hr, scale)
        bic = bicubic_upscale(lr, scale)
        fl_hr = compute_flow(hr[frame : frame + 2], flow_method)[0]
        fl_bi = compute_flow(bic[frame : frame + 2], flow_method)[0]
        rmax = max(np.abs(fl_hr).max(), 1.0)
        panels = [hr[frame], lr[frame], bic[frame]]
        if with_gt:
            panels.append(load_ground_truth(path)["masks"][frame])
        panels += [flow_to_color(fl_hr, rmax), flow_to_color(fl_bi, rmax)]
        for c, img in enumerate(panels):
            ax = axes[r, c]
            ax.imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(cols[c], fontsize=8)
        axes[r, 0].set_ylabel(it.class_name, fontsize=8)
    fig.tight_layout()
    fig.suptitle(protocol.describe(flow_method), fontsize=7, y=1.005)
    return fig


def motion_strip(ds: SplitDataset, items: list[VideoItem], n_frames: int = 6) -> Figure:
    """Rows: videos; columns: evenly spaced HR frames showing the motion."""
    fig, axes = plt.subplots(len(items), n_frames, figsize=(1.5 * n_frames, 1.5 * len(items)), squeeze=False)
    for r, it in enumerate(items):
        frames = ds.read(it)
        idx = np.linspace(0, len(frames) - 1, n_frames).round().astype(int)
        for c, k in enumerate(idx):
            ax = axes[r, c]
            ax.imshow(frames[k])
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"t={k}", fontsize=8)
        axes[r, 0].set_ylabel(it.class_name, fontsize=8)
    fig.tight_layout()
    return fig


def degradation_stats(
    ds: SplitDataset,
    items: list[VideoItem],
    flow_method: str,
    scale: int = protocol.SCALE,
    with_gt: bool = False,
    workers: int = 1,
) -> pd.DataFrame:
    """Per video: size, frames, bicubic PSNR (whole frame and actor region), flow EPE of HR/bicubic
    flow against the true flow (SynthActions) or of bicubic flow against HR flow (``workers`` processes)."""
    rows = []
    for it in items:
        path = ds.path(it)
        hr = modcrop(ds.read(it), scale)
        bic = bicubic_upscale(downscale(hr, scale), scale)
        fl_hr, fl_bi = compute_flow(hr, flow_method, workers), compute_flow(bic, flow_method, workers)
        row = {
            "class": it.class_name,
            "video": Path(it.rel_path).name,
            "frames": len(hr),
            "HR size": f"{hr.shape[2]}x{hr.shape[1]}",
            "PSNR bicubic (dB)": psnr_rgb(bic, hr),
        }
        if with_gt:
            gt = load_ground_truth(path)
            m = gt["masks"][:, : hr.shape[1], : hr.shape[2]]
            tf = gt["flow"][:, : hr.shape[1], : hr.shape[2]]
            row.update(
                {
                    "actor px (%)": 100 * float(m.mean()),
                    "PSNR bicubic actor (dB)": psnr_rgb(bic, hr, m),
                    "EPE HR flow vs true (actor)": end_point_error(fl_hr, tf, m[:-1]),
                    "EPE bicubic flow vs true (actor)": end_point_error(fl_bi, tf, m[:-1]),
                }
            )
        else:
            row["EPE bicubic flow vs HR flow"] = end_point_error(fl_bi, fl_hr)
        rows.append(row)
    return pd.DataFrame(rows)


def split_table(ds_by_split: dict[int, SplitDataset]) -> pd.DataFrame:
    rows = []
    for s, ds in sorted(ds_by_split.items()):
        c = ds.counts()
        rows.append(
            {
                "split": s,
                "classes": c["classes"],
                "train": c["train"],
                "validation": c["val"],
                "test": c["test"],
                "test groups": ", ".join(f"g{g:02d}" for g in sorted({i.group for i in ds.test if i.group})),
                "validation groups": ", ".join(
                    f"g{g:02d}" for g in sorted({i.group for i in ds.val if i.group})
                ),
            }
        )
    return pd.DataFrame(rows)

"""Figures of SR training and outputs (notebooks 02 and 03): weight maps, curves, crops, siamese pairs,
flicker."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from arsr_lib.core import protocol
from arsr_lib.data.datasets import SplitDataset, VideoItem
from arsr_lib.data.degrade import downscale, modcrop
from arsr_lib.data.flow import compute_flow, motion_weight_map, warp
from arsr_lib.data.flowcolor import flow_to_color
from arsr_lib.data.synth import load_ground_truth
from arsr_lib.data.video import read_video
from arsr_lib.sr.metrics import rgb_to_y
from arsr_lib.sr.sreval import sr_video_path


def axis_off(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def weight_map_figure(
    ds: SplitDataset,
    items: list[VideoItem],
    flow_method: str,
    floor: float = 0.1,
    frame: int = 4,
    reference: float | None = None,
) -> Figure:
    """Rows: videos; columns: HR frame, flow colour, SoSR weight map (the per-pixel loss weight; weight 1 at
    ``reference`` px of flow, or at each frame's 99th percentile when None)."""
    fig, axes = plt.subplots(len(items), 3, figsize=(6, 2 * len(items)), squeeze=False)
    for r, it in enumerate(items):
        hr = ds.read(it, max_frames=frame + 2)
        fl = compute_flow(hr[frame : frame + 2], flow_method)[0]
        for c, (img, title) in enumerate(
            [
                (hr[frame], "HR frame"),
                (flow_to_color(fl), f"{flow_method} flow"),
                (
                    motion_weight_map(fl, floor, reference=reference),
                    f"weight map (floor {floor}, 1 at {reference or 'p99'} px)",
                ),
            ]
        ):
            axes[r, c].imshow(
                img, cmap="magma" if c == 2 else None, vmin=0 if c == 2 else None, vmax=1 if c == 2 else None
            )
            axis_off(axes[r, c])
            if r == 0:
                axes[r, c].set_title(title, fontsize=8)
        axes[r, 0].set_ylabel(it.class_name, fontsize=8)
    fig.tight_layout()
    return fig


def training_curves(
    runs: dict, columns: tuple[str, ...] = ("loss", "pixel", "total", "val_psnr_y")
) -> Figure:
    """One panel per column present; one line per run (``name -> run folder`` with log.csv)."""
    logs = {k: pd.read_csv(Path(v) / "log.csv") for k, v in runs.items() if (Path(v) / "log.csv").is_file()}
    cols = [c for c in columns if any(c in df for df in logs.values())]
    fig, axes = plt.subplots(1, len(cols), figsize=(4 * len(cols), 3), squeeze=False)
    for ax, col in zip(axes[0], cols):
        for name, df in logs.items():
            if col in df:
                d = df[["step", col]].dropna()
                ax.plot(d["step"], d[col], label=name, marker="." if col.startswith("val") else None)
        ax.set_title(col, fontsize=9)
        ax.set_xlabel("step")
        if not col.startswith("val"):
            ax.set_yscale("log")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _actor_box(mask: np.ndarray | None, shape, size: int):
    h, w = shape
    if mask is not None and mask.any():
        ys, xs = np.nonzero(mask)
        cy, cx = int(ys.mean()), int(xs.mean())
    else:
        cy, cx = h // 2, w // 2
    y0 = int(np.clip(cy - size // 2, 0, max(0, h - size)))
    x0 = int(np.clip(cx - size // 2, 0, max(0, w - size)))
    return slice(y0, y0 + size), slice(x0, x0 + size)


def sr_crops_figure(
    ds: SplitDataset,
    methods: dict,
    root: str | Path,
    items: list[VideoItem],
    frame: int = 6,
    crop: int = 48,
    with_gt: bool = False,
) -> Figure:
    """Rows: videos; columns: LR, each method's SR and HR, cropped around the actor."""
    cols = ["LR"] + list(methods) + ["HR"]
    fig, axes = plt.subplots(
        len(items), len(cols), figsize=(1.8 * len(cols), 1.9 * len(items)), squeeze=False
    )
    for r, it in enumerate(items):
        hr = modcrop(ds.read(it), protocol.SCALE)
        mask = None
        if with_gt:
            mask = load_ground_truth(ds.path(it))["masks"][frame]
        ys, xs = _actor_box(mask, hr.shape[1:3], crop)
        lr_up = np.repeat(np.repeat(downscale(hr[frame : frame + 1])[0], 4, 0), 4, 1)
        panels = (
            [lr_up] + [read_video(sr_video_path(root, m, it.rel_path))[frame] for m in methods] + [hr[frame]]
        )
        for c, img in enumerate(panels):
            axes[r, c].imshow(img[ys, xs], interpolation="nearest")
            axis_off(axes[r, c])
            if r == 0:
                axes[r, c].set_title(cols[c], fontsize=8)
        axes[r, 0].set_ylabel(it.class_name, fontsize=8)
    fig.tight_layout()
    return fig


def siamese_pair_figure(sample: dict, n: int = 3) -> Figure:
    """ToSR training pairs: HR1, HR2, HR flow 1->2, HR2 warped onto frame 1, |HR1 - warped|."""
    fig, axes = plt.subplots(n, 5, figsize=(9, 1.9 * n), squeeze=False)
    titles = [
        "HR frame 1 (t-2)",
        "HR frame 2 (t)",
        "HR flow 1->2",
        "frame 2 warped to 1",
        "|frame 1 - warped|",
    ]
    for r, s in enumerate(sample[:n]):
        hr1, hr2, fl = s["hr1"], s["hr2"], s["flow"]
        w, valid = warp(hr2[None], fl[None])
        to_img = lambda t: t.permute(1, 2, 0).clamp(0, 1).numpy()  # noqa: E731
        diff = (hr1 - w[0]).abs().mean(0) * valid[0, 0]
        panels = [to_img(hr1), to_img(hr2), flow_to_color(fl.numpy()), to_img(w[0]), diff.numpy()]
        for c, img in enumerate(panels):
            axes[r, c].imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest")
            axis_off(axes[r, c])
            if r == 0:
                axes[r, c].set_title(titles[c], fontsize=8)
    fig.tight_layout()
    return fig


def flicker_figure(
    ds: SplitDataset, item: VideoItem, methods: dict, root: str | Path, frame: int = 6, with_gt: bool = False
) -> Figure:
    """The paper's Fig. 4: per method, |SR_{t+1} - SR_t| (Y) and an x-t slice through the actor's row."""

    hr = modcrop(ds.read(item), protocol.SCALE)
    row = hr.shape[1] // 2
    if with_gt:
        m = load_ground_truth(ds.path(item))["masks"]
        row = int(np.nonzero(m.any(axis=(0, 2)))[0].mean())
    videos = {"HR": hr, **{k: read_video(sr_video_path(root, k, item.rel_path)) for k in methods}}
    fig, axes = plt.subplots(2, len(videos), figsize=(2.2 * len(videos), 4.6), squeeze=False)
    for c, (name, v) in enumerate(videos.items()):
        y = rgb_to_y(v)
        axes[0, c].imshow(np.abs(y[frame + 1] - y[frame]), cmap="inferno", vmin=0, vmax=60)
        axes[0, c].set_title(name, fontsize=8)
        axes[1, c].imshow(y[:, row, :], cmap="gray", aspect="auto", interpolation="nearest")
        axis_off(axes[0, c])
        axis_off(axes[1, c])
    axes[0, 0].set_ylabel(f"|Y(t+1) - Y(t)|, t={frame}", fontsize=8)
    axes[1, 0].set_ylabel(f"x-t slice, row {row}", fontsize=8)
    fig.suptitle(f"{item.class_name}: {Path(item.rel_path).name}", fontsize=8)
    fig.tight_layout()
    return fig

"""Figures and tables for the notebooks (the end of the data flow: may import everything else)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from arsr_lib import protocol
from arsr_lib.datasets import SplitDataset
from arsr_lib.degrade import bicubic_upscale, downscale, modcrop
from arsr_lib.flow import compute_flow, end_point_error, flow_to_color
from arsr_lib.video import read_video


def save_figure(fig, path: str | Path, dpi: int = 80) -> Path:
    from arsr_lib.atomic import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return path


def save_table(df: pd.DataFrame, stem: str | Path, caption: str = "") -> tuple[Path, Path]:
    """Write ``<stem>.csv`` and ``<stem>.md`` (the Markdown carries ``caption``, e.g. the protocol)."""
    from arsr_lib.atomic import write_text_atomic

    stem = Path(stem)
    csv, md = stem.with_suffix(".csv"), stem.with_suffix(".md")
    write_text_atomic(csv, df.to_csv(index=False))
    write_text_atomic(md, (f"{caption}\n\n" if caption else "") + df.to_markdown(index=False) + "\n")
    return csv, md


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Plain RGB PSNR (uint8 scale) for data-prep statistics; SR metrics live in arsr_lib.metrics."""
    d = (np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2
    if mask is not None:
        d = d[np.broadcast_to(mask[..., None], d.shape)] if d.ndim == mask.ndim + 1 else d[mask]
    mse = float(d.mean())
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def class_examples(ds: SplitDataset, subset: str = "test") -> list:
    """One video per class (the first listed)."""
    seen, out = set(), []
    for it in getattr(ds, subset):
        if it.label not in seen:
            seen.add(it.label)
            out.append(it)
    return sorted(out, key=lambda i: i.label)


def degradation_grid(ds: SplitDataset, items, flow_method: str, scale: int = protocol.SCALE, frame: int = 4,
                     with_gt: bool = False):
    """Rows: videos; columns HR | LR | bicubic | (actor mask) | flow colour (HR) | flow colour (bicubic)."""
    import matplotlib.pyplot as plt

    cols = ["HR", f"LR (x1/{scale})", "Bicubic x4"] + (["actor mask"] if with_gt else []) + \
           [f"{flow_method} flow on HR", f"{flow_method} flow on bicubic"]
    fig, axes = plt.subplots(len(items), len(cols), figsize=(1.9 * len(cols), 1.9 * len(items)), squeeze=False)
    for r, it in enumerate(items):
        path = ds.path(it)
        hr = modcrop(read_video(path, max_frames=frame + 2), scale)
        lr = downscale(hr, scale)
        bic = bicubic_upscale(lr, scale)
        fl_hr = compute_flow(hr[frame:frame + 2], flow_method)[0]
        fl_bi = compute_flow(bic[frame:frame + 2], flow_method)[0]
        rmax = max(np.abs(fl_hr).max(), 1.0)
        panels = [hr[frame], lr[frame], bic[frame]]
        if with_gt:
            from arsr_lib.synth import load_ground_truth

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


def motion_strip(ds: SplitDataset, items, n_frames: int = 6):
    """Rows: videos; columns: evenly spaced HR frames showing the motion."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(items), n_frames, figsize=(1.5 * n_frames, 1.5 * len(items)), squeeze=False)
    for r, it in enumerate(items):
        frames = read_video(ds.path(it))
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


def degradation_stats(ds: SplitDataset, items, flow_method: str, scale: int = protocol.SCALE,
                      with_gt: bool = False) -> pd.DataFrame:
    """Per video: size, frames, bicubic PSNR (whole frame and actor region), flow EPE of HR/bicubic
    flow against the true flow (SynthActions) or of bicubic flow against HR flow."""
    rows = []
    for it in items:
        path = ds.path(it)
        hr = modcrop(read_video(path), scale)
        bic = bicubic_upscale(downscale(hr, scale), scale)
        fl_hr, fl_bi = compute_flow(hr, flow_method), compute_flow(bic, flow_method)
        row = {"class": it.class_name, "video": Path(it.rel_path).name, "frames": len(hr),
               "HR size": f"{hr.shape[2]}x{hr.shape[1]}", "PSNR bicubic (dB)": psnr(bic, hr)}
        if with_gt:
            from arsr_lib.synth import load_ground_truth

            gt = load_ground_truth(path)
            m = gt["masks"][:, :hr.shape[1], :hr.shape[2]]
            tf = gt["flow"][:, :hr.shape[1], :hr.shape[2]]
            row.update({"actor px (%)": 100 * float(m.mean()), "PSNR bicubic actor (dB)": psnr(bic, hr, m),
                        "EPE HR flow vs true (actor)": end_point_error(fl_hr, tf, m[:-1]),
                        "EPE bicubic flow vs true (actor)": end_point_error(fl_bi, tf, m[:-1])})
        else:
            row["EPE bicubic flow vs HR flow"] = end_point_error(fl_bi, fl_hr)
        rows.append(row)
    return pd.DataFrame(rows)


def split_table(ds_by_split: dict[int, SplitDataset]) -> pd.DataFrame:
    rows = []
    for s, ds in sorted(ds_by_split.items()):
        c = ds.counts()
        rows.append({"split": s, "classes": c["classes"], "train": c["train"], "test": c["test"],
                     "test groups": ", ".join(f"g{g:02d}" for g in sorted({i.group for i in ds.test if i.group}))})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# SR figures (notebooks 02 and 03)
# ---------------------------------------------------------------------------------------------
def _axis_off(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def weight_map_figure(ds: SplitDataset, items, flow_method: str, floor: float = 0.1, frame: int = 4):
    """Rows: videos; columns: HR frame, flow colour, SoSR weight map (the per-pixel loss weight)."""
    import matplotlib.pyplot as plt

    from arsr_lib.losses import motion_weight_map

    fig, axes = plt.subplots(len(items), 3, figsize=(6, 2 * len(items)), squeeze=False)
    for r, it in enumerate(items):
        hr = read_video(ds.path(it), max_frames=frame + 2)
        fl = compute_flow(hr[frame:frame + 2], flow_method)[0]
        for c, (img, title) in enumerate([(hr[frame], "HR frame"), (flow_to_color(fl), f"{flow_method} flow"),
                                          (motion_weight_map(fl, floor), f"weight map (floor {floor})")]):
            axes[r, c].imshow(img, cmap="magma" if c == 2 else None, vmin=0 if c == 2 else None, vmax=1 if c == 2 else None)
            _axis_off(axes[r, c])
            if r == 0:
                axes[r, c].set_title(title, fontsize=8)
        axes[r, 0].set_ylabel(it.class_name, fontsize=8)
    fig.tight_layout()
    return fig


def training_curves(runs: dict, columns=("loss", "pixel", "total", "val_psnr_y")):
    """One panel per column present; one line per run (``name -> run folder`` with log.csv)."""
    import matplotlib.pyplot as plt

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


def sr_crops_figure(ds: SplitDataset, methods, root, items, frame: int = 6, crop: int = 48, with_gt: bool = False):
    """Rows: videos; columns: LR, each method's SR and HR, cropped around the actor."""
    import matplotlib.pyplot as plt

    from arsr_lib.sreval import sr_video_path

    cols = ["LR"] + list(methods) + ["HR"]
    fig, axes = plt.subplots(len(items), len(cols), figsize=(1.8 * len(cols), 1.9 * len(items)), squeeze=False)
    for r, it in enumerate(items):
        hr = modcrop(read_video(ds.path(it)), protocol.SCALE)
        mask = None
        if with_gt:
            from arsr_lib.synth import load_ground_truth

            mask = load_ground_truth(ds.path(it))["masks"][frame]
        ys, xs = _actor_box(mask, hr.shape[1:3], crop)
        lr_up = np.repeat(np.repeat(downscale(hr[frame:frame + 1])[0], 4, 0), 4, 1)
        panels = [lr_up] + [read_video(sr_video_path(root, m, it.rel_path))[frame] for m in methods] + [hr[frame]]
        for c, img in enumerate(panels):
            axes[r, c].imshow(img[ys, xs], interpolation="nearest")
            _axis_off(axes[r, c])
            if r == 0:
                axes[r, c].set_title(cols[c], fontsize=8)
        axes[r, 0].set_ylabel(it.class_name, fontsize=8)
    fig.tight_layout()
    return fig


def siamese_pair_figure(sample: dict, n: int = 3):
    """ToSR training pairs: HR1, HR2, HR flow 1->2, HR2 warped onto frame 1, |HR1 - warped|."""
    import matplotlib.pyplot as plt

    from arsr_lib.flow import warp

    fig, axes = plt.subplots(n, 5, figsize=(9, 1.9 * n), squeeze=False)
    titles = ["HR frame 1 (t-2)", "HR frame 2 (t)", "HR flow 1->2", "frame 2 warped to 1", "|frame 1 - warped|"]
    for r, s in enumerate(sample[:n]):
        hr1, hr2, fl = s["hr1"], s["hr2"], s["flow"]
        w, valid = warp(hr2[None], fl[None])
        to_img = lambda t: t.permute(1, 2, 0).clamp(0, 1).numpy()  # noqa: E731
        diff = (hr1 - w[0]).abs().mean(0) * valid[0, 0]
        panels = [to_img(hr1), to_img(hr2), flow_to_color(fl.numpy()), to_img(w[0]), diff.numpy()]
        for c, img in enumerate(panels):
            axes[r, c].imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest")
            _axis_off(axes[r, c])
            if r == 0:
                axes[r, c].set_title(titles[c], fontsize=8)
    fig.tight_layout()
    return fig


def flicker_figure(ds: SplitDataset, item, methods, root, frame: int = 6, with_gt: bool = False):
    """The paper's Fig. 4: per method, |SR_{t+1} - SR_t| (Y) and an x-t slice through the actor's row."""
    import matplotlib.pyplot as plt

    from arsr_lib.metrics import rgb_to_y
    from arsr_lib.sreval import sr_video_path

    hr = modcrop(read_video(ds.path(item)), protocol.SCALE)
    row = hr.shape[1] // 2
    if with_gt:
        from arsr_lib.synth import load_ground_truth

        m = load_ground_truth(ds.path(item))["masks"]
        row = int(np.nonzero(m.any(axis=(0, 2)))[0].mean())
    videos = {"HR": hr, **{k: read_video(sr_video_path(root, k, item.rel_path)) for k in methods}}
    fig, axes = plt.subplots(2, len(videos), figsize=(2.2 * len(videos), 4.6), squeeze=False)
    for c, (name, v) in enumerate(videos.items()):
        y = rgb_to_y(v)
        axes[0, c].imshow(np.abs(y[frame + 1] - y[frame]), cmap="inferno", vmin=0, vmax=60)
        axes[0, c].set_title(name, fontsize=8)
        axes[1, c].imshow(y[:, row, :], cmap="gray", aspect="auto", interpolation="nearest")
        _axis_off(axes[0, c])
        _axis_off(axes[1, c])
    axes[0, 0].set_ylabel(f"|Y(t+1) - Y(t)|, t={frame}", fontsize=8)
    axes[1, 0].set_ylabel(f"x-t slice, row {row}", fontsize=8)
    fig.suptitle(f"{item.class_name}: {Path(item.rel_path).name}", fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# flow comparison (notebook 04) and recognition figures (notebook 05)
# ---------------------------------------------------------------------------------------------
def _method_video(ds, it, method, sr_root):
    from arsr_lib.sreval import sr_video_path

    hr = modcrop(read_video(ds.path(it)), protocol.SCALE)
    if method == "HR":
        return hr
    if method == "Bicubic":
        return bicubic_upscale(downscale(hr))
    return read_video(sr_video_path(sr_root, method, it.rel_path))


def flow_comparison_figure(ds: SplitDataset, items, methods, sr_root, flow_method: str, frame: int = 6,
                           with_gt: bool = False):
    """The paper's Fig. 3: colour-coded flow computed on HR, bicubic and each SR output for the same frames."""
    import matplotlib.pyplot as plt

    cols = (["true flow"] if with_gt else []) + ["HR"] + list(methods)
    fig, axes = plt.subplots(len(items), len(cols), figsize=(1.9 * len(cols), 2 * len(items)), squeeze=False)
    for r, it in enumerate(items):
        flows = {}
        if with_gt:
            from arsr_lib.synth import load_ground_truth

            flows["true flow"] = load_ground_truth(ds.path(it))["flow"][frame]
        for m in ["HR"] + list(methods):
            v = _method_video(ds, it, m, sr_root)
            flows[m] = compute_flow(v[frame:frame + 2], flow_method)[0]
        rmax = max(np.linalg.norm(flows["HR"], axis=-1).max(), 1.0)
        for c, name in enumerate(cols):
            axes[r, c].imshow(flow_to_color(flows[name], rmax))
            _axis_off(axes[r, c])
            if r == 0:
                axes[r, c].set_title(name, fontsize=8)
        axes[r, 0].set_ylabel(it.class_name, fontsize=8)
    fig.tight_layout()
    fig.suptitle(protocol.describe(flow_method), fontsize=7, y=1.01)
    return fig


def flow_epe_table(ds: SplitDataset, items, methods, sr_root, flow_method: str, with_gt: bool = False) -> pd.DataFrame:
    """End-point error of the flow computed on each method's frames, against HR flow and (SynthActions) the true
    flow, over the whole frame and over the actor; plus the flow's mean magnitude on static background."""
    rows = []
    cache = {}
    for m in ["HR", "Bicubic"] + [x for x in methods if x not in ("HR", "Bicubic")]:
        vals = {"EPE vs HR flow": [], "EPE vs true flow": [], "EPE vs true flow (actor)": [], "background flow (px)": []}
        for it in items:
            fl = compute_flow(_method_video(ds, it, m, sr_root), flow_method)
            if it.rel_path not in cache:
                cache[it.rel_path] = fl if m == "HR" else compute_flow(_method_video(ds, it, "HR", sr_root), flow_method)
            vals["EPE vs HR flow"].append(end_point_error(fl, cache[it.rel_path]))
            if with_gt:
                from arsr_lib.synth import load_ground_truth

                gt = load_ground_truth(ds.path(it))
                n = min(len(fl), len(gt["flow"]))
                tf, mk = gt["flow"][:n], gt["masks"][:n]
                vals["EPE vs true flow"].append(end_point_error(fl[:n], tf))
                vals["EPE vs true flow (actor)"].append(end_point_error(fl[:n], tf, mk))
                vals["background flow (px)"].append(float(np.linalg.norm(fl[:n], axis=-1)[~mk].mean()))
        row = {"frames from": m}
        row.update({k: float(np.mean(v)) for k, v in vals.items() if v})
        rows.append(row)
    return pd.DataFrame(rows)


def prediction_flip_figure(ds: SplitDataset, flips_df: pd.DataFrame, method: str, sr_root, flow_method: str,
                           n: int = 3, frame: int = 6):
    """The paper's Fig. 2: clips where ``method``'s frames flip the spatial prediction (better / worse):
    bicubic frame, SR frame, flow weight map."""
    import matplotlib.pyplot as plt

    from arsr_lib.losses import motion_weight_map

    picks = pd.concat([flips_df[flips_df.effect == "better"].head(n), flips_df[flips_df.effect == "worse"].head(n)])
    if picks.empty:
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.text(0.5, 0.5, f"no test video changes its spatial prediction between Bicubic and {method}",
                ha="center", va="center", fontsize=8)
        ax.axis("off")
        return fig
    items = {i.rel_path: i for i in ds.test}
    fig, axes = plt.subplots(len(picks), 3, figsize=(6.5, 2.3 * len(picks)), squeeze=False)
    for r, (_, row) in enumerate(picks.iterrows()):
        it = items[row["video"]]
        bic = _method_video(ds, it, "Bicubic", sr_root)
        sr = _method_video(ds, it, method, sr_root)
        hr = _method_video(ds, it, "HR", sr_root)
        w = motion_weight_map(compute_flow(hr[frame:frame + 2], flow_method)[0])
        for c, (img, title) in enumerate([(bic[frame], f"Bicubic: {row['Bicubic']}"), (sr[frame], f"{method}: {row[method]}"),
                                          (w, "flow weight map")]):
            axes[r, c].imshow(img, cmap="magma" if c == 2 else None)
            axes[r, c].set_title(title, fontsize=7)
            _axis_off(axes[r, c])
        axes[r, 0].set_ylabel(f"{row['effect']}\n(true {row['true']})", fontsize=7)
    fig.tight_layout()
    return fig

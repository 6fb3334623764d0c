"""SR of test videos for every method, cached; quality and temporal-consistency tables.

SR videos are written losslessly to ``<root>/<method>/<Class>/<video>.avi``; a method folder is
tied to its checkpoint by a digest in ``<root>/<method>/.method.json`` and redone when the
checkpoint changes. Each video is written atomically, so a killed run redoes only what is missing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from arsr_lib.config import Experiment
from arsr_lib.core.atomic import file_digest, write_json_atomic
from arsr_lib.core.codekey import code_digest
from arsr_lib.core.devices import gpu_bf16, resolve_device
from arsr_lib.core.protocol import SCALE, describe
from arsr_lib.data.datasets import SplitDataset, VideoItem, generation_tag
from arsr_lib.data.degrade import bicubic_upscale, downscale, modcrop
from arsr_lib.data.flow import compute_flow, motion_weight_map
from arsr_lib.data.synth import load_ground_truth
from arsr_lib.data.video import iter_frames, read_video, write_video
from arsr_lib.models.pretrained import is_pretrained, weights_digest
from arsr_lib.sr import metrics as M
from arsr_lib.sr.inference import load_sr_model, super_resolve_stream


def checkpoint_digest(checkpoint: str | Path | None) -> str:
    """Identifies an SR model: the digest of its ``final.pt`` or of a named model's weights, or
    ``"bicubic"``."""
    if checkpoint is None or str(checkpoint) == "bicubic":
        return "bicubic"
    if is_pretrained(checkpoint):
        return weights_digest(str(checkpoint))
    return file_digest(checkpoint)


def sr_video_path(root: str | Path, method: str, rel_path: str) -> Path:
    p = PurePosixPath(rel_path)
    return Path(root, method, *p.parent.parts, p.stem + ".avi")


def make_sr_videos(
    ds: SplitDataset,
    methods: dict,
    root: str | Path,
    items: list[VideoItem] | None = None,
    scale: int = 4,
    device: str = "cpu",
    progress: bool = True,
    batch: int = 16,
    bf16: bool = False,
) -> dict[str, Path]:
    """SR of the LR version of each item's HR video for every method (``name -> checkpoint | None``), streamed
    frame by frame (memory holds one batch, whatever the video's length)."""
    from tqdm.auto import tqdm

    resolved = resolve_device(device)
    bf16 = gpu_bf16(resolved, bf16)
    items = list(ds.test if items is None else items)
    out = {}
    for name, ckpt in methods.items():
        mdir = Path(root, name)
        # the model, the dataset's generation, the code that makes SR videos, the frame cap and precision
        dig = (
            f"{checkpoint_digest(ckpt)}-{generation_tag(ds.root)}-{code_digest('sr_videos')}"
            f"-{ds.max_frames}-{'bf16' if bf16 else 'fp32'}"
        )
        meta = mdir / ".method.json"
        if mdir.exists() and (not meta.exists() or json.loads(meta.read_text()).get("digest") != dig):
            shutil.rmtree(mdir)
        mdir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(meta, {"digest": dig, "checkpoint": str(ckpt)})
        model = load_sr_model(ckpt or "bicubic", device=str(resolved))
        for it in tqdm(items, desc=f"SR {name}", disable=not progress, unit="video"):
            dst = sr_video_path(root, name, it.rel_path)
            if dst.exists():
                continue
            lr = (downscale(f, scale) for f in iter_frames(ds.path(it), ds.max_frames))
            write_video(dst, super_resolve_stream(model, lr, batch=batch, device=resolved, amp=bf16))
        out[name] = mdir
    return out


def quality_table(
    ds: SplitDataset,
    methods: dict,
    root: str | Path,
    items: list[VideoItem],
    flow_method: str = "dis",
    scale: int = 4,
    with_gt: bool = False,
    weight_floor: float = 0.1,
) -> pd.DataFrame:
    """Per method: PSNR-Y, SSIM-Y, actor-region PSNR-Y (SynthActions), motion-weighted PSNR-Y and the
    warping error (with the true flow on SynthActions, else with the HR flow), averaged over ``items``."""

    keys = ("PSNR-Y", "SSIM-Y", "actor PSNR-Y", "motion-weighted PSNR-Y", "warping error")
    vals: dict[str, dict[str, list[float]]] = {name: {k: [] for k in keys} for name in methods}
    hr_warping = []
    for it in items:  # one video in memory at a time
        hr = modcrop(ds.read(it), scale)
        if with_gt:
            gt = load_ground_truth(ds.path(it))
            flow, mask = gt["flow"][: len(hr) - 1], gt["masks"][: len(hr)]
        else:
            flow, mask = compute_flow(hr, flow_method), None
        wmap = motion_weight_map(compute_flow(hr, flow_method), weight_floor)
        hr_warping.append(M.warping_error(hr, flow))
        for name in methods:
            sr = read_video(sr_video_path(root, name, it.rel_path))
            v = vals[name]
            v["PSNR-Y"].append(M.psnr_y(sr, hr))
            v["SSIM-Y"].append(M.ssim_y(sr, hr))
            if mask is not None:
                v["actor PSNR-Y"].append(M.masked_psnr_y(sr, hr, mask))
            v["motion-weighted PSNR-Y"].append(M.weighted_psnr_y(sr[:-1], hr[:-1], wmap))
            v["warping error"].append(M.warping_error(sr, flow))
    rows = [
        {"method": name, **{k: float(np.mean(v)) if v else float("nan") for k, v in vals[name].items()}}
        for name in methods
    ]
    hr_row = {
        "method": "HR",
        "PSNR-Y": float("inf"),
        "SSIM-Y": 1.0,
        "actor PSNR-Y": float("inf"),
        "motion-weighted PSNR-Y": float("inf"),
        "warping error": float(np.mean(hr_warping)),
    }
    df = pd.DataFrame(rows + [hr_row])
    if not with_gt:
        df = df.drop(columns=["actor PSNR-Y"])
    return df


def detail_twins(
    ds: SplitDataset,
    pairs: Iterable[tuple[str, str]],
    items: list[VideoItem] | None = None,
    max_twins: int | None = None,
) -> dict[tuple[str, str], list]:
    """``(a, b) -> [(video of a, its twin of b), ...]``: the test videos of class ``a`` (of ``items``) whose
    twin (same group and clip) is among them too, at most ``max_twins`` per pair, in list order (what
    :func:`detail_recovery_table` reads)."""
    items = list(ds.test if items is None else items)
    by_rel = {it.rel_path: it for it in items}
    twins = {}
    for a, b in pairs:
        twins[(a, b)] = [
            (it, by_rel[rel])
            for it in items
            if it.class_name == a
            for rel in [it.rel_path.replace(a, b)]
            if rel in by_rel
        ]
        if not twins[(a, b)]:
            raise ValueError(
                f"detail_recovery_table: no test video of {a!r} has its {b!r} twin among the items"
            )
        twins[(a, b)] = twins[(a, b)][:max_twins]
    return twins


def twin_budget(exp: Experiment, n_classes: int) -> int | None:
    """Detail twins per pair the recognition chapter super-resolves whole: ``data.detail_twins``, else about
    one per class of the evaluation budget (``data.eval_videos``), else all (None)."""
    if exp.data.detail_twins:
        return exp.data.detail_twins
    budget = exp.data.eval_videos
    return None if budget is None else max(1, budget // n_classes)


def twin_videos(ds: SplitDataset, pairs: Iterable[tuple[str, str]], max_twins: int | None) -> list:
    """Both videos of every detail twin pair of :func:`detail_twins`, in order."""
    twins = detail_twins(ds, pairs, max_twins=max_twins)
    return [v for pairs_of in twins.values() for pair in pairs_of for v in pair]


def detail_recovery_table(
    ds: SplitDataset,
    methods: dict,
    root: str | Path,
    pairs: Iterable[tuple[str, str]],
    items: list[VideoItem] | None = None,
    scale: int = 4,
    max_twins: int | None = None,
    progress: bool = True,
    device: str = "cpu",
) -> pd.DataFrame:
    """Per SR method (``name -> checkpoint | None``): the share of the HR detail
    (:func:`metrics.detail_recovery`, in %) its outputs restore, per twin pair of classes ``(a, b)`` that
    differ only in that detail (SynthActions' ``DETAIL_PAIRS``), averaged over the test videos of ``a`` whose
    twin (same group and clip) is in ``items`` too (at most ``max_twins`` per pair of classes, in list
    order). SR videos are made where missing. Bicubic is the floor to beat, HR is 100."""
    twins = detail_twins(ds, pairs, items, max_twins)
    needed = [x for lst in twins.values() for pair in lst for x in pair]
    make_sr_videos(ds, methods, root, needed, scale=scale, device=device, progress=progress)
    hr = {it.rel_path: modcrop(ds.read(it), scale) for it in needed}
    rows = []
    for name in methods:
        row = {"method": name}
        for (a, b), lst in twins.items():
            vals = [
                M.detail_recovery(
                    read_video(sr_video_path(root, name, ia.rel_path)),
                    read_video(sr_video_path(root, name, ib.rel_path)),
                    hr[ia.rel_path],
                    hr[ib.rel_path],
                )
                for ia, ib in lst
            ]
            row[f"{a} / {b} (%)"] = 100 * float(np.mean(vals))
        row["twin videos"] = sum(len(lst) for lst in twins.values())
        rows.append(row)
    return pd.DataFrame(rows)


def method_video(ds: SplitDataset, it: VideoItem, method: str, sr_root: str | Path) -> np.ndarray:
    """The frames a method gives for test item ``it``: HR (modcropped), Bicubic (made here) or its SR
    video."""
    hr = modcrop(ds.read(it), SCALE)
    if method == "HR":
        return hr
    if method == "Bicubic":
        return bicubic_upscale(downscale(hr))
    return read_video(sr_video_path(sr_root, method, it.rel_path))


LOSS_TERMS = ("pixel", "w_pixel", "w_gan_g", "w_feature", "share_pixel", "share_gan_g", "share_feature")


def training_table(runs: dict, last: float = 0.25) -> pd.DataFrame:
    """Per training run (``name -> run folder`` with ``log.csv``): steps, the loss terms over the last
    ``last`` share of the steps (weighted values ``w_*`` and shares of the output gradient ``share_*``: how
    much of the update each term of a GAN step makes) and the validation PSNR-Y at the first and last
    validation and two measures of what the last ``last`` share of steps still gained (near 0: the curve has
    levelled off): the last validation against the last one before that share (one point against another,
    so it carries both points' step-to-step noise), and the mean of the validation points in that share
    against the mean of those in the share before it (``val mean gain``: averaging over the window's points
    damps that noise)."""
    rows = []
    for name, folder in runs.items():
        path = Path(folder) / "log.csv"
        if not path.is_file():
            continue
        log = pd.read_csv(path)
        steps = int(log["step"].max())
        tail = log[log["step"] > steps * (1 - last)]
        row = {"run": name, "steps": steps}
        for term in LOSS_TERMS:
            if term in log and log[term].notna().any():
                row[term] = float(tail[term].mean())
        if "val_psnr_y" in log and log["val_psnr_y"].notna().any():
            val = log[["step", "val_psnr_y"]].dropna()
            before = val[val["step"] <= steps * (1 - last)]
            row["val PSNR-Y first"] = float(val["val_psnr_y"].iloc[0])
            row["val PSNR-Y last"] = float(val["val_psnr_y"].iloc[-1])
            if len(before):
                row["val gain, last share (dB)"] = float(
                    val["val_psnr_y"].iloc[-1] - before["val_psnr_y"].iloc[-1]
                )
            inside = val[val["step"] > steps * (1 - last)]
            previous = before[before["step"] > steps * (1 - 2 * last)]
            if len(inside) and len(previous):
                row["val mean gain, last share vs the one before (dB)"] = float(
                    inside["val_psnr_y"].mean() - previous["val_psnr_y"].mean()
                )
        rows.append(row)
    return pd.DataFrame(rows)


def training_report(
    runs: dict, flow_method: str | None, profile: str, val_videos: int, last: float = 0.25
) -> tuple[pd.DataFrame, str]:
    """:func:`training_table` of ``runs`` and its caption: the protocol, what the term columns mean and the
    ``val_videos`` validation videos whose patches the validation PSNR-Y is measured on."""
    caption = describe(
        flow_method,
        profile=profile,
        terms=f"mean over the last {last * 100:g} % of steps; w_* weighted value, "
        "share_* share of the L2 norm of the gradient at the SR output",
        validation=f"PSNR-Y of {val_videos} validation videos' patches",
    )
    return training_table(runs, last), caption

"""SynthActions on disk: videos with ground truth beside them, split files, resumable generation."""

from __future__ import annotations

import functools
import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np

from arsr_lib.core.atomic import (
    MARKER,
    atomic_path,
    check_writable,
    is_complete,
    write_json_atomic,
    write_text_atomic,
)
from arsr_lib.data.synth.render import render_clip
from arsr_lib.data.synth.spec import CLASS_SPECS, SIZES, SynthConfig
from arsr_lib.data.video import write_video


# ---------------------------------------------------------------------------------------------
# dataset on disk
# ---------------------------------------------------------------------------------------------
def video_name(class_name: str, group: int, clip: int) -> str:
    return f"{class_name}/v_{class_name}_g{group:02d}_c{clip:02d}.avi"


def split_groups(cfg: SynthConfig, split: int) -> list[int]:
    """Test groups of split 1..3: consecutive blocks, like UCF101's g01-07 / g08-14 / g15-21."""
    n = cfg.n_test_groups
    return list(range((split - 1) * n + 1, split * n + 1))


def gt_path(video: str | os.PathLike) -> Path:
    video = Path(video)
    return video.with_name(video.stem + ".gt.npz")


def load_ground_truth(video: str | os.PathLike) -> dict:
    """``masks`` (T,H,W) bool and true ``flow`` (T-1,H,W,2) float32 stored beside a SynthActions video."""
    path = gt_path(video)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no SynthActions ground truth beside {video}")
    with np.load(path) as z:
        shape = tuple(z["mask_shape"])
        masks = np.unpackbits(z["masks"], count=int(np.prod(shape))).reshape(shape).astype(bool)
        return {"masks": masks, "flow": z["flow"].astype(np.float32)}


def _write_clip(args) -> str:
    cfg, root, cls, g, c = args
    cv2.setNumThreads(1)
    rel = video_name(cls, g, c)
    out = Path(root) / rel
    r = render_clip(cfg, cls, g, c)
    write_video(out, r["frames"], fps=cfg.fps)
    with atomic_path(gt_path(out)) as tmp:
        with open(tmp, "wb") as fh:  # np.savez would append .npz to a path without it
            np.savez_compressed(
                fh,
                masks=np.packbits(r["masks"].ravel()),
                mask_shape=np.array(r["masks"].shape),
                flow=r["flow"].astype(np.float16),
            )
    return rel


def _config_dict(cfg: SynthConfig) -> dict:
    """The dataset marker's config: the SynthConfig and the digest of this renderer's source, so that a
    dataset drawn by an older renderer is regenerated (and everything derived from it redone), not silently
    reused."""
    conf = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}
    return {**conf, "renderer": _renderer_digest()}


@functools.lru_cache(maxsize=None)
def _renderer_digest() -> str:
    """SHA-256 over the source of the synth package (every module that draws the data)."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def generate(
    root: str | os.PathLike,
    cfg: SynthConfig = SIZES["smoke"],
    workers: int = 1,
    progress: bool = True,
    force: bool = False,
) -> Path:
    """Generate SynthActions under ``root`` (videos, ground truth, ``ucfTrainTestlist``).

    Resumable: a clip whose video and ground truth exist is kept; the dataset marker
    ``root/.done.json`` (holding the config) is written last. Returns ``root``.
    """
    from tqdm.auto import tqdm

    root = Path(root)
    conf = _config_dict(cfg)
    if not force and is_complete(root, conf):
        return root
    check_writable(root)
    if (root / MARKER).exists():  # a complete dataset of another config: start over cleanly
        (root / MARKER).unlink()
        for cls in CLASS_SPECS:
            for f in (root / cls).glob("v_*") if (root / cls).is_dir() else []:
                f.unlink()
    jobs = []
    for cls in cfg.classes:
        for g in range(1, cfg.groups + 1):
            for c in range(1, cfg.clips_per_group + 1):
                out = root / video_name(cls, g, c)
                if force or not (out.is_file() and gt_path(out).is_file()):
                    jobs.append((cfg, str(root), cls, g, c))
    bar = tqdm(total=len(jobs), desc="SynthActions", unit="clip", disable=not progress)
    try:
        if workers <= 1:
            for j in jobs:
                _write_clip(j)
                bar.update()
        else:
            with ProcessPoolExecutor(workers) as pool:
                for _ in pool.map(_write_clip, jobs, chunksize=4):
                    bar.update()
    finally:
        bar.close()
    write_split_files(root, cfg)
    write_json_atomic(
        root / MARKER,
        {
            "config": conf,
            "classes": list(cfg.classes),
            "videos": len(cfg.classes) * cfg.groups * cfg.clips_per_group,
        },
    )
    return root


def write_split_files(root: str | os.PathLike, cfg: SynthConfig) -> Path:
    """``ucfTrainTestlist`` with CRLF endings and 1-based labels, three group-disjoint splits; with
    ``cfg.val_groups``, ``vallistNN.txt`` (same format as the train lists) holds the validation groups, which
    are in no split's train or test list."""
    d = Path(root) / "ucfTrainTestlist"
    d.mkdir(parents=True, exist_ok=True)
    nl = "\r\n"
    write_text_atomic(d / "classInd.txt", "".join(f"{i} {c}{nl}" for i, c in enumerate(cfg.classes, 1)))
    val_groups = set(cfg.validation_groups)
    for split in (1, 2, 3):
        test_groups = set(split_groups(cfg, split))
        train: list[tuple[str, int]] = []
        test: list[tuple[str, int]] = []
        val: list[tuple[str, int]] = []
        for i, cls in enumerate(cfg.classes, 1):
            for g in range(1, cfg.groups + 1):
                for c in range(1, cfg.clips_per_group + 1):
                    rel = video_name(cls, g, c)
                    (val if g in val_groups else test if g in test_groups else train).append((rel, i))
        write_text_atomic(d / f"trainlist{split:02d}.txt", "".join(f"{r} {i}{nl}" for r, i in train))
        write_text_atomic(d / f"testlist{split:02d}.txt", "".join(f"{r}{nl}" for r, _ in test))
        path = d / f"vallist{split:02d}.txt"
        if val:
            write_text_atomic(path, "".join(f"{r} {i}{nl}" for r, i in val))
        elif path.exists():
            path.unlink()
    return d

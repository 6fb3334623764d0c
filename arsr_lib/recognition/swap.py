"""The background swap test: can SR detail on the background mislead an HR-trained spatial stream?

The paper's Fig. 2b shows SR hallucinating texture on the background, where it can mislead a recogniser that
reads scene context. The test isolates that half of the spatial premise: every frame the spatial stream reads
is the **HR frame with the method's background pasted in** (the actor, from SynthActions' exact masks dilated
by ``ACTOR_RIM`` px so that the actor's antialiased rim stays HR, is left untouched). The HR recogniser scores
those frames; a prediction that changes from its prediction on the HR frame changed because of the
background alone. Bicubic's row is the reference: a background that merely lost its detail.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from arsr_lib.core.atomic import MARKER, atomic_folder, files_tag, read_marker
from arsr_lib.core.codekey import code_digest
from arsr_lib.data.datasets import SplitDataset, VideoItem
from arsr_lib.data.frames import FramesConfig, output_dir, write_sparse_rawframes
from arsr_lib.data.synth.dataset import load_ground_truth
from arsr_lib.recognition.scores import Harness

ACTOR_RIM = 2  # px the actor masks are dilated by (the antialiased outline of the drawn actor stays HR)
SWAP_SUFFIX = " background"


def swap_name(method: str) -> str:
    """The harness name of ``method``'s background pasted into the HR frames."""
    return f"HR + {method}{SWAP_SUFFIX}"


def actor_masks(ds: SplitDataset, item: VideoItem, rim: int = ACTOR_RIM) -> np.ndarray:
    """The (T, H, W) bool actor masks of a SynthActions video, dilated by ``rim`` px."""
    masks = load_ground_truth(ds.path(item))["masks"]
    if rim <= 0:
        return masks
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1, 2 * rim + 1))
    return np.stack([cv2.dilate(m.astype(np.uint8), kernel).astype(bool) for m in masks])


def composite(hr: np.ndarray, other: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``hr`` where ``mask`` (the actor), ``other`` elsewhere (its background); frames of one size."""
    if hr.shape != other.shape or mask.shape != hr.shape[:2]:
        raise ValueError(
            f"composite: the HR frame {hr.shape}, the other frame {other.shape} and the mask {mask.shape} "
            "must have one size"
        )
    return np.where(mask[..., None], hr, other)


def _read(folder: Path, index: int) -> np.ndarray:
    path = folder / f"img_{index + 1:05d}.jpg"
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f"{path}: a frame the swap test reads is missing or unreadable")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def make_swap_frames(
    ds: SplitDataset,
    hr_root: Path,
    method_root: Path,
    out_root: Path,
    source_tag: str,
    hr_tag: str = "",
    quality: int = 95,
) -> str:
    """For each video of ``ds.test``: the frames present in the method's rawframes folder, as HR frames with
    the method's background (sparse rawframes, RGB only, under ``out_root``); made where missing. Returns
    the source tag of what was made (the method's frames, the masks' rim and this code)."""
    cfg = FramesConfig(variant="hr", flow_method=None, jpeg_quality=quality)
    # the rawframes readers read the image format from the marker's frames config
    conf = {
        **asdict(cfg),
        "source": source_tag,
        "hr": hr_tag,
        "rim": ACTOR_RIM,
        "code_swap": code_digest("swap"),
    }
    for item in ds.test:
        out = output_dir(out_root, item.rel_path)
        meta = read_marker(out)
        if meta is not None and meta.get("config") == conf:
            continue
        src, hr = output_dir(method_root, item.rel_path), output_dir(hr_root, item.rel_path)
        info = read_marker(src)
        if info is None:
            raise FileNotFoundError(f"{src}: the method's frames are not made (no {MARKER})")
        present = info.get("present_frames") or list(range(int(info["frames"])))
        masks = actor_masks(ds, item)
        frames = {i: composite(_read(hr, i), _read(src, i), masks[i]) for i in present}
        with atomic_folder(out, conf) as (tmp, written):
            written.update(write_sparse_rawframes(tmp, int(info["frames"]), frames, {}, cfg))
    return f"swap-{ACTOR_RIM}-" + files_tag([output_dir(out_root, i.rel_path) / MARKER for i in ds.test])


def swap_harness(base: Harness, methods: list[str], swap_root: Path, cache_dir: Path) -> Harness:
    """A harness over ``base``'s videos whose methods are HR and, per method, HR frames with its background
    (made here where missing); it scores with ``base``'s recognisers, the spatial stream only."""
    hr_root = Path(base.frames_roots["HR"])
    roots, tags, streams = {"HR": hr_root}, {"HR": base.tags["HR"]}, {"HR": ("rgb",)}
    for m in methods:
        name = swap_name(m)
        roots[name] = swap_root / m
        method_root = Path(base.frames_roots[m])
        tags[name] = make_swap_frames(
            base.ds, hr_root, method_root, roots[name], base.tags[m], base.tags["HR"]
        )
        streams[name] = ("rgb",)
    return Harness(
        base.experiment,
        base.ds,
        roots,
        tags,
        base.recognisers,
        cache_dir,
        base.recognition,
        base.flow_method,
        streams,
        base.rt,
    )


def swap_table(base: Harness, swap: Harness, methods: list[str], kind: str = "tsn_rgb") -> pd.DataFrame:
    """Per method: the spatial stream's top-1 on its own frames, on HR frames with its background, and the
    share of videos whose prediction the background alone changed (from the HR frames' prediction), split
    into right -> wrong and wrong -> right."""
    labels = base.labels
    hr_pred = base.scores(kind, "rgb", "HR").argmax(1)
    rows = []
    for m in methods:
        own = base.scores(kind, "rgb", m).argmax(1)
        pasted = swap.scores(kind, "rgb", swap_name(m)).argmax(1)
        changed = pasted != hr_pred
        rows.append(
            {
                "method": m,
                "top-1, own frames (%)": 100 * float(np.mean(own == labels)),
                "top-1, HR actor + its background (%)": 100 * float(np.mean(pasted == labels)),
                "predictions changed (%)": 100 * float(np.mean(changed)),
                "right -> wrong (%)": 100 * float(np.mean(changed & (hr_pred == labels))),
                "wrong -> right (%)": 100 * float(np.mean(changed & (pasted == labels))),
            }
        )
    return pd.DataFrame(rows).set_index("method")

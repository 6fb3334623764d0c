"""Two-stream recognition on rawframes: data, TSN / ST-ResNet training tasks, the test protocol.

Input conventions (TSN):

* RGB: one frame per snippet, ImageNet mean/std;
* flow: ``new_length`` (5) consecutive x/y flow JPEGs stacked to ``2 * new_length`` channels,
  ``(q / 255 - 0.5) / 0.226`` (mean 128); a horizontal flip inverts the x images (``255 - q``);
* training: K = 3 segments, one snippet at a random position in each, random crop + flip;
* test: ``n_snippets`` evenly spaced snippets x ``crops`` (1 = centre, 10 = 4 corners + centre, each
  also flipped); the scores of all of them are averaged (no softmax), as TSN's eval_net.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import nn

from arsr_lib.core.cache import ByteLRU
from arsr_lib.core.devices import autocast, resolve_device
from arsr_lib.data.rawframes import rawframes_info, read_rawframes
from arsr_lib.data.snippets import available_starts, snippet_indices, snippet_starts

RGB_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
RGB_STD = np.array([0.229, 0.224, 0.225], np.float32)


def _normalise(x: np.ndarray, modality: str) -> np.ndarray:
    x = x.astype(np.float32) / 255.0
    if modality == "rgb":
        return (x - RGB_MEAN) / RGB_STD
    return (x - 0.5) / 0.226


def read_snippets(
    folder: str,
    modality: str,
    starts: list[int],
    new_length: int,
    meta: dict,
    read: Callable[..., list[np.ndarray]] | None = None,
) -> list[np.ndarray]:
    """``(H, W, C)`` uint8 input of each snippet, reading only the images the snippets use; ``read(folder,
    modality, indices, meta)`` returns those images (default :func:`read_rawframes`; a cache may serve
    them)."""
    n = meta["frames"] if modality == "rgb" else meta["flows"]
    per = [snippet_indices(s, modality, new_length, n) for s in starts]
    needed = sorted({i for p in per for i in p})
    images = dict(zip(needed, (read or read_rawframes)(folder, modality, needed, meta=meta)))
    if modality == "rgb":
        return [images[p[0]] for p in per]
    return [np.concatenate([images[i] for i in p], -1) for p in per]  # x1 y1 x2 y2 ...


def _flip(s: np.ndarray, modality: str) -> np.ndarray:
    s = s[:, ::-1]
    if modality == "flow":
        s = s.copy()
        s[..., 0::2] = 255 - s[..., 0::2]  # horizontal motion changes sign
    return s


def crops_of(s: np.ndarray, size: int, n_crops: int, modality: str) -> list[np.ndarray]:
    h, w = s.shape[:2]
    cy, cx = (h - size) // 2, (w - size) // 2
    centre = s[cy : cy + size, cx : cx + size]
    if n_crops == 1:
        return [centre]
    if n_crops != 10:
        raise ValueError(f"test crops must be 1 or 10 (got {n_crops})")
    boxes = [(0, 0), (0, w - size), (h - size, 0), (h - size, w - size), (cy, cx)]
    out = [s[y : y + size, x : x + size] for y, x in boxes]
    return out + [_flip(c, modality) for c in out]


@dataclass
class ClipConfig:
    modality: str = "rgb"  # "rgb" | "flow" | "both" (ST-ResNet)
    segments: int = 3
    new_length: int = 5
    crop: int = 80
    # TSN's multi-scale crop: sizes {1, .875, .75, .66} x a base of crop / 0.875 (so .875 is the test scale)
    scale_jitter: tuple[float, ...] = (1.0, 0.875, 0.75, 0.66)
    # horizontal flips (x-flow negated): label-preserving on UCF101, not where classes are mirror images
    # of each other (SynthActions' WalkLeft / WalkRight)
    flip: bool = True


class RawframeClips(torch.utils.data.Dataset):
    """Training clips of TSN: ``{"rgb"/"flow": (K, C, crop, crop), "label"}``.

    Index ``i`` is video ``i % n_videos`` with snippets, crop and flip drawn from ``(seed, i)``; the
    dataset is ``repeats`` times longer than the video list so that every draw of the sampler sees a
    new augmentation of its video (a fixed augmentation per video would be memorised).

    Decoded images are kept in a least-recently-used cache of ``cache_bytes`` (0: none), one per process
    (each DataLoader worker holds its own): a training run reads every image many times (TSN-flow reads
    3 segments x 5 flows x 2 JPEGs per clip). Cached images are read-only; the samples are the same with or
    without the cache (``reports/benchmarks/smoke_caches.md``: the smoke tables did not change).
    """

    def __init__(
        self,
        folders: list[str],
        labels: list[int],
        cfg: ClipConfig,
        seed: int = 0,
        repeats: int = 10_000,
        cache_bytes: int = 0,
    ):
        if len(folders) != len(labels) or not folders:
            raise ValueError("RawframeClips: need one label per folder and at least one folder")
        if cache_bytes < 0:
            raise ValueError(f"RawframeClips: cache_bytes must be >= 0 (got {cache_bytes})")
        self.folders, self.labels, self.cfg, self.seed = [str(f) for f in folders], labels, cfg, seed
        self.repeats = repeats
        self._images = ByteLRU(cache_bytes) if cache_bytes else None
        self._meta: dict[str, dict] = {}  # folder -> marker (a few hundred bytes each)

    def _info(self, folder: str) -> dict:
        if folder not in self._meta:
            self._meta[folder] = rawframes_info(folder)
        return self._meta[folder]

    def _read(self, folder: str, modality: str, indices: list[int], meta: dict) -> list[np.ndarray]:
        if self._images is None:
            return list(read_rawframes(folder, modality, indices, meta=meta))

        def decode(i: int) -> np.ndarray:
            image = read_rawframes(folder, modality, [i], meta=meta)[0]
            image.flags.writeable = False
            return image

        return [self._images.get((folder, modality, i), functools.partial(decode, i)) for i in indices]

    def __len__(self):
        return len(self.folders) * self.repeats

    def __getitem__(self, idx: int) -> dict:
        c = self.cfg
        rng = np.random.default_rng([self.seed, idx])
        i = idx % len(self.folders)
        mods = ["rgb", "flow"] if c.modality == "both" else [c.modality]
        meta = self._info(self.folders[i])
        n_flow = meta["flows"] if "flow" in mods else None
        n_avail = (n_flow - c.new_length + 1) if n_flow else meta["frames"]
        starts = snippet_starts(n_avail, c.segments, "train", rng)
        h, w = meta["height"], meta["width"]
        size = min(h, w, int(round(c.crop / 0.875 * rng.choice(c.scale_jitter))))
        y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        flip = bool(rng.integers(2)) and c.flip
        out = {"label": torch.tensor(self.labels[i])}
        for m in mods:
            snips = []
            for sn in read_snippets(self.folders[i], m, starts, c.new_length, meta, read=self._read):
                sn = sn[y : y + size, x : x + size]
                if flip:
                    sn = _flip(sn, m)
                sn = cv2.resize(np.ascontiguousarray(sn), (c.crop, c.crop), interpolation=cv2.INTER_LINEAR)
                if sn.ndim == 2:
                    sn = sn[..., None]
                snips.append(_normalise(sn, m))
            out[m] = torch.from_numpy(np.stack(snips)).permute(0, 3, 1, 2).contiguous()
        return out


def test_inputs(
    folder: str, modality: str, n_snippets: int, n_crops: int, crop: int, new_length: int = 5
) -> torch.Tensor:
    """All test snippets x crops of one video: ``(n_snippets * n_crops, C, crop, crop)``."""
    meta = rawframes_info(folder)
    starts = snippet_starts(available_starts(meta, modality, new_length), n_snippets, "test")
    out = []
    for sn in read_snippets(str(folder), modality, starts, new_length, meta):
        h, w = sn.shape[:2]
        if min(h, w) < crop:
            raise ValueError(f"{folder}: frames {w}x{h} are smaller than the recogniser's crop {crop}")
        out += [_normalise(np.ascontiguousarray(c), modality) for c in crops_of(sn, crop, n_crops, modality)]
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).contiguous()


class TestInputs(torch.utils.data.Dataset):
    """The test inputs of each video (for a DataLoader: videos are read by workers while the model runs)."""

    def __init__(
        self,
        folders: list[str],
        modality: str,
        n_snippets: int,
        n_crops: int,
        crop: int,
        new_length: int,
        flow_folders: list[str] | None = None,
    ):
        self.folders, self.flow_folders = list(folders), flow_folders
        self.args = (n_snippets, n_crops, crop, new_length)
        self.modality = modality

    def __len__(self):
        return len(self.folders)

    def __getitem__(self, i: int):
        if self.modality != "both":
            return test_inputs(self.folders[i], self.modality, *self.args)
        flow_folder = self.flow_folders[i] if self.flow_folders else self.folders[i]
        return test_inputs(self.folders[i], "rgb", *self.args), test_inputs(flow_folder, "flow", *self.args)


@torch.no_grad()
def score_videos(
    model: nn.Module,
    folders: list[str],
    modality: str,
    n_snippets: int,
    n_crops: int,
    crop: int,
    new_length: int = 5,
    device: str | torch.device = "cpu",
    progress: bool = False,
    desc: str = "score",
    flow_folders: list[str] | None = None,
    workers: int = 0,
    bf16: bool = False,
) -> np.ndarray:
    """Class scores (n_videos, n_classes) with the test protocol; ``modality`` "both" runs ST-ResNet, with
    the flow read from ``flow_folders`` when given (frames of one SR method, flow of another). ``workers``
    DataLoader processes read the inputs; ``bf16`` autocasts the model on ``device``."""
    from tqdm.auto import tqdm

    device = resolve_device(device)
    model = model.to(device).eval()
    data = TestInputs(folders, modality, n_snippets, n_crops, crop, new_length, flow_folders)
    loader = torch.utils.data.DataLoader(data, batch_size=None, num_workers=workers)
    out = []
    for item in tqdm(loader, disable=not progress, desc=desc, unit="video", total=len(data)):
        with autocast(device, bf16):
            if modality == "both":
                rgb, flo = item
                # one "video" per crop, the snippets of that crop along K
                k = n_snippets
                rgb = rgb.view(k, n_crops, *rgb.shape[1:]).transpose(0, 1)
                flo = flo.view(k, n_crops, *flo.shape[1:]).transpose(0, 1)
                out.append(model(rgb.to(device), flo.to(device)).float().mean(0).cpu().numpy())
            else:
                out.append(model(item[None].to(device))[0].float().cpu().numpy())
    return np.stack(out)

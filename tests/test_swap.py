"""The background swap test's frames: the HR actor, another method's background, made once, atomically."""

import cv2
import numpy as np
import pytest

from arsr_lib.core.atomic import MARKER, atomic_folder, read_marker
from arsr_lib.data import synth
from arsr_lib.data.frames import FramesConfig, output_dir, write_sparse_rawframes
from arsr_lib.data.splitfiles import load_ucf101
from arsr_lib.recognition import swap

CFG = synth.SynthConfig(
    classes=("SwingRacket", "Wave"), groups=3, clips_per_group=1, frames=4, height=48, width=48
)


def _write(root, ds, item, frames: dict) -> None:
    cfg = FramesConfig(variant="hr", flow_method=None)
    with atomic_folder(output_dir(root, item.rel_path), {}) as (tmp, info):
        info.update(write_sparse_rawframes(tmp, CFG.frames, frames, {}, cfg))


def test_composite_keeps_the_actor_and_takes_the_background():
    hr, other = np.full((4, 4, 3), 200, np.uint8), np.zeros((4, 4, 3), np.uint8)
    mask = np.zeros((4, 4), bool)
    mask[1:3, 1:3] = True
    out = swap.composite(hr, other, mask)
    assert (out[mask] == 200).all() and (out[~mask] == 0).all()
    with pytest.raises(ValueError, match="one size"):
        swap.composite(hr, other[:2], mask)


def test_swap_frames_paste_each_methods_background_under_the_hr_actor(tmp_path):
    root = synth.generate(tmp_path / "synth", CFG, workers=1, progress=False)
    ds = load_ucf101(root / "ucfTrainTestlist", 1, root).filter_present(strict=True)
    hr_root, sr_root, out_root = tmp_path / "hr", tmp_path / "sr", tmp_path / "swap"
    for item in ds.test:
        video = synth.render_clip(CFG, ds.classes[item.label], item.group, 1)["frames"]
        _write(hr_root, ds, item, {i: video[i] for i in range(CFG.frames)})
        # the "SR" frames: a flat grey at two of the frames (what a sparse protocol folder holds)
        _write(sr_root, ds, item, {i: np.full_like(video[i], 77) for i in (0, 2)})
    tag = swap.make_swap_frames(ds, hr_root, sr_root, out_root, "sr-tag")
    item = ds.test[0]
    folder = output_dir(out_root, item.rel_path)
    assert read_marker(folder)["present_frames"] == [0, 2]
    masks = swap.actor_masks(ds, item)
    raw = synth.load_ground_truth(ds.path(item))["masks"]
    assert (masks >= raw).all() and masks.sum() > raw.sum()  # dilated by the rim
    img = cv2.cvtColor(cv2.imread(str(folder / "img_00003.jpg")), cv2.COLOR_BGR2RGB).astype(int)
    hr = cv2.cvtColor(
        cv2.imread(str(output_dir(hr_root, item.rel_path) / "img_00003.jpg")), cv2.COLOR_BGR2RGB
    )
    bg = ~cv2.dilate(masks[2].astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert np.abs(img[bg] - 77).mean() < 2  # the method's background (JPEG)
    inner = cv2.erode(masks[2].astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert np.abs(img[inner] - hr[inner].astype(int)).mean() < 4  # the HR actor
    # made once: a second call rewrites nothing, and the tag names what was made
    stamp = (folder / MARKER).stat().st_mtime_ns
    assert swap.make_swap_frames(ds, hr_root, sr_root, out_root, "sr-tag") == tag
    assert (folder / MARKER).stat().st_mtime_ns == stamp
    # a changed source remakes them; a missing source folder is named
    swap.make_swap_frames(ds, hr_root, sr_root, out_root, "another-sr")
    assert read_marker(folder)["config"]["source"] == "another-sr"
    with pytest.raises(FileNotFoundError, match="not made"):
        swap.make_swap_frames(ds, hr_root, tmp_path / "nowhere", out_root, "x")
    assert not list(out_root.rglob(".*partial*"))

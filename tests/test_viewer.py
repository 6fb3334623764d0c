"""The viewer (notebook 06) through its Python and widget API, on a tiny generated dataset."""

import shutil

import cv2
import numpy as np
import pytest

from arsr_lib.data import synth
from arsr_lib.data.extract import extract_dataset
from arsr_lib.data.frames import FramesConfig
from arsr_lib.data.splitfiles import load_ucf101
from arsr_lib.report.viewer import VIEWS, Catalogue, Zoom, montage, render, tile
from arsr_lib.report.viewer_widget import Viewer


def make_catalogue(tmp) -> Catalogue:
    """Two test videos of a tiny SynthActions with hr/lr/bicubic rawframes and one stand-in SR method."""
    cfg = synth.SynthConfig(
        classes=("SwingRacket", "Wave"), groups=3, clips_per_group=1, frames=6, height=32, width=32
    )
    root = synth.generate(tmp / "synth-t", cfg, progress=False)
    ds = load_ucf101(root / "ucfTrainTestlist", 1, root)
    frames = tmp / "rawframes" / "synth-t"
    for v in ("hr", "lr", "bicubic"):
        extract_dataset(
            ds,
            frames / v,
            FramesConfig(
                variant=v,
                flow_method=None if v == "lr" else "dis",
                image_ext="png" if v == "lr" else "jpg",
                min_frames=1 if v == "lr" else 2,
            ),
            subsets=("test",),
            progress=False,
        )
    shutil.copytree(
        frames / "bicubic", frames / "sr-smoke" / "VDSR"
    )  # stands in for an SR method's rawframes
    return Catalogue(tmp / "rawframes", data_root=tmp, profile="smoke")


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    return make_catalogue(tmp_path_factory.mktemp("viewer"))


def test_catalogue_finds_datasets_videos_and_methods(catalogue, tmp_path):
    assert catalogue.datasets() == ["synth-t"]
    vids = catalogue.videos("synth-t")
    assert len(vids) == 2 and all(v.count("/") == 1 for v in vids)
    assert catalogue.methods("synth-t", vids[0]) == ["LR", "Bicubic", "VDSR", "HR"]
    assert catalogue.masks("synth-t", vids[0]).shape == (6, 32, 32)
    with pytest.raises(FileNotFoundError, match="no rawframes folder"):
        Catalogue(tmp_path / "nothing")


def test_tiles_are_what_they_say(catalogue):
    v = catalogue.videos("synth-t")[0]
    hr, hr_flow = catalogue.load("synth-t", "HR", v)
    lr, lr_flow = catalogue.load("synth-t", "LR", v)
    bic, bic_flow = catalogue.load("synth-t", "Bicubic", v)
    # LR is shown pixel for pixel: 4 x 4 blocks of the LR frame
    np.testing.assert_array_equal(
        tile("frames", lr, lr_flow, hr, hr_flow, 2), np.repeat(np.repeat(lr[2], 4, 0), 4, 1)
    )
    # HR against itself has no error; bicubic has some, and the error map shows it
    e_hr = tile("error vs HR", hr, hr_flow, hr, hr_flow, 2)
    e_bi = tile("error vs HR", bic, bic_flow, hr, hr_flow, 2)
    assert (e_hr == e_hr[0, 0]).all() and (e_bi != e_hr[0, 0]).any(axis=-1).mean() > 0.5
    # LR rawframes carry no flow: the panel says so instead of inventing one
    assert (tile("flow colour", lr, lr_flow, hr, hr_flow, 2)[0, 0] == 60).all()
    # the mask view outlines the actor in green on the frame, nowhere else
    masks = catalogue.masks("synth-t", v)
    m = tile("actor mask", hr, hr_flow, hr, hr_flow, 2, masks)
    changed = (m != hr[2]).any(-1)
    ring = cv2.dilate(masks[2].astype(np.uint8), np.ones((3, 3))) > 0
    assert changed.any() and not (changed & ~ring).any()
    # the weight map is brightest where the HR flow is largest
    w = tile("SoSR weight map", hr, hr_flow, hr, hr_flow, 2).astype(float).sum(-1)
    mag = np.linalg.norm(hr_flow[2], axis=-1)
    assert w[mag > np.percentile(mag, 95)].mean() > w[mag < np.percentile(mag, 50)].mean()
    with pytest.raises(ValueError, match="unknown view"):
        render(catalogue, "synth-t", v, ["HR"], view="depth")


def test_render_layout_and_zoom(catalogue):
    v = catalogue.videos("synth-t")[0]
    img = render(catalogue, "synth-t", v, ["LR", "HR"], "frames", 1, scale=2)
    assert img.shape == (14 + 64, 2 * (64 + 4), 3)
    z = render(catalogue, "synth-t", v, ["LR", "HR"], "frames", 1, Zoom(0.0, 0.0, 8), scale=2)
    assert z.shape == (2 * 14 + 64 + 64, 2 * (64 + 4), 3)
    hr = catalogue.load("synth-t", "HR", v)[0][1]
    col = 68  # HR column: its zoom is the top-left 8 x 8 crop, 8 times
    np.testing.assert_array_equal(
        z[14 + 64 + 14 :, col : col + 64], np.repeat(np.repeat(hr[:8, :8], 8, 0), 8, 1)
    )
    assert (z[14 : 14 + 64, col : col + 64] == (255, 255, 0)).all(-1).any()  # the crop's box on the frame
    m = montage(catalogue, "synth-t", v, ["Bicubic", "HR"], 1, Zoom())
    assert m.shape[0] > 5 * 64


def test_viewer_widgets_drive_the_picture(catalogue):
    pytest.importorskip("ipywidgets")
    vw = Viewer(catalogue)
    assert vw.dataset.value == "synth-t" and vw.video.value == catalogue.videos("synth-t")[0]
    assert set(vw.methods.value) == {"LR", "Bicubic", "HR"} and vw.frame.max == 5 and vw.play.max == 5
    first = vw.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    vw.frame.value = 4
    assert vw.image.value != first
    shapes = {}
    for view in VIEWS:
        vw.view.value = view
        shapes[view] = cv2.imdecode(np.frombuffer(vw.image.value, np.uint8), cv2.IMREAD_COLOR).shape
    assert len(set(shapes.values())) == 1 and shapes["frames"][1] == 3 * (64 + 4)
    vw.methods.value = ("VDSR", "HR")
    assert cv2.imdecode(np.frombuffer(vw.image.value, np.uint8), cv2.IMREAD_COLOR).shape[1] == 2 * 68
    vw.zoom_on.value = True
    assert (
        cv2.imdecode(np.frombuffer(vw.image.value, np.uint8), cv2.IMREAD_COLOR).shape[0] > shapes["frames"][0]
    )
    vw.video.value = catalogue.videos("synth-t")[1]  # a new video keeps the chosen methods
    assert vw.methods.value == ("VDSR", "HR") and vw.video.value in vw.status.value
    assert vw.frame.value == 4

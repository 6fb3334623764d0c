import cv2
import numpy as np
import pytest
import torch

from arsr_lib.core.errors import FlowError
from arsr_lib.data import flow as F

from conftest import textured_frames


@pytest.mark.parametrize("method", ["dis", "tvl1", "farneback"])
def test_flow_recovers_translation(method):
    frames = textured_frames(t=3, h=48, w=64, shift=(2, 1))
    fl = F.compute_flow(frames, method)
    assert fl.shape == (2, 48, 64, 2) and fl.dtype == np.float32
    c = fl[:, 12:-12, 12:-12]  # away from the borders where content enters
    tol = 0.6 if method == "farneback" else 0.25
    assert abs(np.median(c[..., 0]) - 2) < tol and abs(np.median(c[..., 1]) - 1) < tol


def test_workers_give_identical_flow():
    frames = textured_frames(t=5, h=32, w=32, shift=(1, 0))
    np.testing.assert_array_equal(F.compute_flow(frames, "dis"), F.compute_flow(frames, "dis", workers=2))


def test_flow_errors(monkeypatch):
    with pytest.raises(FlowError, match="unknown flow method 'raft'"):
        F.compute_flow(textured_frames(t=2), "raft")
    with pytest.raises(FlowError, match="at least 2 frames"):
        F.compute_flow(textured_frames(t=1), "dis")
    monkeypatch.delattr(cv2, "optflow")
    with pytest.raises(FlowError, match="pip install opencv-contrib-python-headless"):
        F.compute_flow(textured_frames(t=2), "tvl1")


def test_quantisation_roundtrip_within_half_step():
    rng = np.random.RandomState(0)
    fl = rng.uniform(-25, 25, (3, 20, 20, 2)).astype(np.float32)
    q = F.quantize(fl, 20)
    assert q.dtype == np.uint8
    back = F.dequantize(q, 20)
    inside = np.abs(fl) <= 20
    step = F.quant_step(20)
    assert step == pytest.approx(40 / 255)
    assert np.abs(back - fl)[inside].max() <= step / 2 + 1e-6
    np.testing.assert_allclose(back[fl > 20], 20, atol=1e-5)  # clipped at the bound
    assert (
        F.quantize(np.zeros((1, 1, 1, 2)))[0, 0, 0, 0] == 128
    )  # round(127.5) -> 128 (banker's) ~ zero motion
    assert F.quantize(np.full((1, 1, 1, 2), -20.0))[0, 0, 0, 0] == 0


def test_quantisation_roundtrip_through_jpeg(tmp_path):
    yy, xx = np.mgrid[0:64, 0:64]
    fl = np.stack([np.sin(xx / 9.0) * 6, np.cos(yy / 11.0) * 4], -1)[None].astype(np.float32)
    q = F.quantize(fl)
    p = tmp_path / "x.jpg"
    cv2.imwrite(str(p), q[0, ..., 0], [cv2.IMWRITE_JPEG_QUALITY, 95])
    back = F.dequantize(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE))
    err = np.abs(back - fl[0, ..., 0])
    assert err.mean() <= F.quant_step() / 2  # on average within the quantisation step
    assert err.max() <= 2 * F.quant_step()  # JPEG q95 adds at most ~1.5 levels here


def test_warp_integer_shift_known_answer():
    rng = np.random.RandomState(0)
    img = torch.from_numpy(rng.rand(2, 3, 10, 12).astype(np.float32))
    flow = torch.zeros(2, 10, 12, 2)
    flow[..., 0] = 2  # sample 2 px to the right
    flow[..., 1] = -1  # and 1 px up
    out, valid = F.warp(img, flow)
    # out(y, x) = img(y - 1, x + 2) where that is inside
    torch.testing.assert_close(out[:, :, 1:, :-2], img[:, :, :-1, 2:])
    assert valid[:, 0, 1:, :-2].all() and not valid[:, 0, 0].any() and not valid[:, 0, :, -2:].any()
    assert (out[:, :, 0] == 0).all()


def test_warp_numpy_and_fractional():
    img = np.tile(np.arange(8, dtype=np.float32), (4, 1))[..., None]
    flow = np.zeros((4, 8, 2), np.float32)
    flow[..., 0] = 0.25
    out, valid = F.warp(img, flow)
    np.testing.assert_allclose(out[:, :7, 0], img[:, :7, 0] + 0.25, atol=1e-6)  # bilinear on a ramp
    assert valid[:, 7].sum() == 0 and valid[:, :7].all()


def test_flow_to_color():
    fl = np.zeros((3, 3, 2), np.float32)
    fl[0, 0] = (5, 0)
    fl[2, 2] = (-5, 0)
    from arsr_lib.data.flowcolor import flow_to_color

    col = flow_to_color(fl)
    assert col.shape == (3, 3, 3) and col.dtype == np.uint8
    assert (col[1, 1] == 255).all()  # no motion = white
    assert not np.array_equal(col[0, 0], col[2, 2])  # opposite directions, different hues
    assert F.end_point_error(fl, fl) == 0

"""Known answers derived by hand from MATLAB's cubic kernel (a = -0.5) and its antialias scaling."""

import numpy as np
import pytest

from arsr_lib.data.degrade import bicubic_upscale, cubic, downscale, imresize, modcrop, resize_matrix


def test_kernel_values():
    x = np.array([0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5])
    expect = [1, 0.8671875, 0.5625, 0.2265625, 0, -0.0703125, -0.0625, -0.0234375, 0, 0]
    np.testing.assert_allclose(cubic(x), expect, atol=1e-15)
    np.testing.assert_allclose(cubic(-x), expect, atol=1e-15)


def test_upscale_x2_interior_weights():
    # output pixel x=5 (1-based) maps to u = 5/2 + 0.25 = 2.75: taps at 1..4 with distances 1.75, 0.75, 0.25,
    # 1.25
    m = resize_matrix(8, 16, 2.0)
    np.testing.assert_allclose(m[4, :4], [-0.0234375, 0.2265625, 0.8671875, -0.0703125], atol=1e-15)
    np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-12)


def test_downscale_quarter_antialias_weights():
    # x1/4 with antialias: h(d) = 1/4 * cubic(d/4), support 16; output x=3 sits at u = 4*3 - 1.5 = 10.5
    m = resize_matrix(32, 8, 0.25)
    d = 10.5 - np.arange(1, 33)
    expect = 0.25 * cubic(d / 4)
    np.testing.assert_allclose(m[2], expect, atol=1e-15)  # the 16 taps already sum to exactly 1
    assert m[2, 9] == pytest.approx(0.25 * 0.9638671875)  # input 10: d = 0.5 -> cubic(0.125)


def test_border_uses_symmetric_padding():
    # output 1 of x1/4 at u = 2.5 reaches input indices -5..10 (1-based): mirrored 1..n, n..1
    m = resize_matrix(32, 8, 0.25)
    idx = np.arange(-5, 11)  # 1-based taps
    w = 0.25 * cubic((2.5 - idx) / 4)
    mirrored = np.where(idx < 1, 1 - idx, idx)  # 0 -> 1, -1 -> 2, ... (MATLAB's symmetric rule)
    expect = np.zeros(32)
    np.add.at(expect, mirrored - 1, w)
    np.testing.assert_allclose(m[0], expect / w.sum(), atol=1e-15)


def test_impulse_image_and_constant():
    img = np.zeros((32, 32))
    img[9, 9] = 1.0  # 1-based (10, 10)
    lr = imresize(img, 0.25)
    k = 0.25 * cubic(0.125)
    assert lr[2, 2] == pytest.approx(k * k)  # separable
    const = np.full((13, 21, 3), 77, np.uint8)
    np.testing.assert_array_equal(imresize(const, 0.25), np.full((4, 6, 3), 77, np.uint8))
    np.testing.assert_array_equal(imresize(const, 4.0), np.full((52, 84, 3), 77, np.uint8))


def test_odd_sizes_and_modcrop():
    img = (np.arange(7 * 9).reshape(7, 9) * 3 % 256).astype(np.uint8)
    assert imresize(img, 0.25).shape == (2, 3)  # MATLAB: ceil(7/4) x ceil(9/4)
    assert modcrop(img, 4).shape == (4, 8)  # bottom/right crop
    video = np.zeros((3, 98, 131, 3), np.uint8)
    assert downscale(video).shape == (3, 24, 32, 3)
    assert bicubic_upscale(downscale(video)).shape == (3, 96, 128, 3)
    with pytest.raises(ValueError, match="smaller than the scale"):
        modcrop(np.zeros((3, 3)), 4)


def test_linear_ramp_is_reproduced_inside_when_upscaling():
    ramp = np.tile(np.arange(16, dtype=np.float64), (16, 1))
    up = imresize(ramp, 4.0)
    u = (np.arange(1, 65) / 4 + 0.5 * (1 - 1 / 4)) - 1  # 0-based source coordinate of each output column
    inside = (u > 2) & (u < 13)
    np.testing.assert_allclose(up[20, inside], u[inside], atol=1e-12)


def test_uint8_rounding_and_clipping():
    img = np.zeros((16, 16), np.uint8)
    img[:, 8:] = 255  # a step overshoots with the negative lobes -> clipped
    up = imresize(img, 4.0)
    assert up.dtype == np.uint8 and up.min() == 0 and up.max() == 255
    f = imresize(img.astype(np.float64), 4.0)
    assert f.max() > 255 and f.min() < 0
    np.testing.assert_array_equal(up, np.clip(np.floor(f + 0.5), 0, 255).astype(np.uint8))


def _set5(root):
    import cv2

    pairs = []
    for hr_path in sorted(root.glob("*_HR.png")):
        hr = cv2.cvtColor(cv2.imread(str(hr_path)), cv2.COLOR_BGR2RGB)
        lr = cv2.cvtColor(cv2.imread(str(hr_path).replace("_HR", "_LR")), cv2.COLOR_BGR2RGB)
        pairs.append((hr_path.name, hr, lr))
    assert len(pairs) == 5, f"expected the five Set5 images in {root}"
    return pairs


def test_downscale_matches_matlab_imresize_on_set5(set5):
    """Golden test: our x4 LR of Set5 against the LR images MATLAB's imresize made. MATLAB rounds to uint8
    after each 1-D pass (rows first): with that, every pixel two or more pixels from the border is identical
    (rounding once at the end agrees on only about 89 %); the border rows and columns match exactly when the
    kernel replicates the edge pixel instead of mirroring the image (MATLAB's source mirrors)."""
    same = total = 0
    for name, hr, lr_matlab in _set5(set5):
        lr = downscale(hr)
        assert lr.shape == lr_matlab.shape, name
        np.testing.assert_array_equal(lr[2:-2, 2:-2], lr_matlab[2:-2, 2:-2], err_msg=name)
        same += int((lr == lr_matlab).sum())
        total += lr.size
        replicated = imresize(modcrop(hr), 0.25, padding="replicate")
        np.testing.assert_array_equal(replicated, lr_matlab, err_msg=name)
    assert same / total > 0.98, f"only {100 * same / total:.2f} % of the LR pixels equal MATLAB's"


def test_bicubic_baseline_reproduces_the_published_set5_psnr(set5):
    """Bicubic x4 on Set5 (MATLAB's LR, our MATLAB-exact upscale): 28.42 dB PSNR-Y (Y of BT.601, 4-px
    border)."""
    from arsr_lib.sr.metrics import psnr_y

    values = [psnr_y(bicubic_upscale(lr), modcrop(hr)) for _, hr, lr in _set5(set5)]
    assert np.mean(values) == pytest.approx(28.42, abs=0.02)

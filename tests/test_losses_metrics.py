import numpy as np
import pytest
import torch

from arsr_lib.data.flow import motion_weight_map
from arsr_lib.sr import metrics as M
from arsr_lib.train import losses as L


def test_weighted_mse_forms():
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(2, 3, 8, 8, generator=g), torch.rand(2, 3, 8, 8, generator=g)
    mse = torch.nn.functional.mse_loss(a, b)
    const = torch.full((2, 8, 8), 0.3)
    torch.testing.assert_close(L.weighted_mse(a, b, const, "normalised"), mse)  # a constant map is plain MSE
    torch.testing.assert_close(L.weighted_mse(a, b, torch.ones(2, 8, 8), "code"), mse)
    torch.testing.assert_close(L.weighted_mse(a, b, const, "code"), 0.09 * mse)  # the code form weighs w^2
    w = torch.rand(2, 8, 8, generator=g)
    expect = ((w / w.mean(dim=(-2, -1), keepdim=True))[:, None] * (a - b) ** 2).mean()
    torch.testing.assert_close(L.weighted_mse(a, b, w), expect)
    torch.testing.assert_close(L.weighted_mse(a, b, w, "code"), ((w[:, None] * (a - b)) ** 2).mean())


def test_motion_weight_map():
    flow = np.zeros((10, 10, 2), np.float32)
    flow[2:4, 2:4] = (3.0, 4.0)
    w = motion_weight_map(flow, floor=0.1)
    assert w.min() == pytest.approx(0.1) and w.max() == pytest.approx(1.0) and w[2, 2] == pytest.approx(1.0)


def test_motion_weight_map_with_a_fixed_reference_keeps_small_motion_near_the_floor():
    flow = np.zeros((10, 10, 2), np.float32)
    flow[2:4, 2:4] = (0.3, 0.4)  # 0.5 px: the frame's largest motion
    assert motion_weight_map(flow, floor=0.1)[2, 2] == pytest.approx(1.0)  # per-frame: scaled up to 1
    w = motion_weight_map(flow, floor=0.1, reference=5.0)
    assert w[2, 2] == pytest.approx(0.1 + 0.9 * 0.1) and w[0, 0] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="reference must be > 0"):
        motion_weight_map(flow, reference=0.0)


def test_batch_normalised_weights_keep_static_patches_at_the_floor():
    """Per-patch normalisation gives an all-static patch weight 1 everywhere (as much as a moving patch);
    batch normalisation keeps it at floor / mean weight, and a uniform map gives the plain MSE."""
    floor = 0.1
    w = torch.full((2, 8, 8), floor)
    w[1, :4] = 1.0  # patch 1 half moving, patch 0 all static
    e = torch.zeros(2, 3, 8, 8)
    e[0] = 1.0  # an error on the static patch only
    zero = torch.zeros_like(e)
    per_patch = L.weighted_mse(e, zero, w, "normalised")
    batch = L.weighted_mse(e, zero, w, "batch")
    assert float(per_patch) == pytest.approx(0.5)  # the static patch's error counts fully
    assert float(batch) == pytest.approx(0.5 * floor / float(w.mean()))
    assert float(batch) < 0.35 * float(per_patch)
    torch.testing.assert_close(L.weighted_mse(e, zero, torch.ones(2, 8, 8), "batch"), (e**2).mean())
    with pytest.raises(ValueError, match="one of"):
        L.weighted_mse(e, zero, w, "dataset")


def test_huber_known_values():
    e = torch.tensor([0.0, 0.005, 0.01, 0.03])
    v = L.huber(e, torch.zeros(4), delta=0.01)
    expect = np.mean([0, 0.5 * 0.005**2, 0.5 * 0.01**2, 0.5 * 0.01**2 + 0.01 * 0.02])
    assert float(v) == pytest.approx(expect)


def test_tosr_warp_terms_vanish_for_a_consistent_pair():
    g = torch.Generator().manual_seed(0)
    frame1 = torch.rand(1, 3, 12, 12, generator=g)
    frame2 = torch.zeros_like(frame1)
    frame2[..., :, 2:] = frame1[..., :, :-2]  # content moves 2 px right from frame 1 to frame 2
    flow = torch.zeros(1, 12, 12, 2)
    flow[..., 0] = 2.0
    t = L.tosr_loss(frame1, frame2, frame1, frame2, flow)
    assert float(t["content1"]) == 0 and float(t["content2"]) == 0
    assert (
        float(t["warp_sr"]) < 1e-7 and float(t["warp_hr"]) < 1e-7
    )  # pixels warped from outside are excluded
    t_unmasked = L.tosr_loss(frame1, frame2, frame1, frame2, flow, mask_outside=False)
    assert float(t_unmasked["warp_sr"]) > 1e-4  # the original's border behaviour penalises them


def test_siamese_gradient_reaches_both_branches():
    from arsr_lib.models import VDSR

    torch.manual_seed(0)
    g = VDSR(depth=3, nf=4)
    torch.nn.init.normal_(g.body[-1].weight, std=0.1)
    lr1, lr2 = torch.rand(1, 3, 4, 4), torch.rand(1, 3, 4, 4)
    sr1, sr2 = g(torch.cat((lr1, lr2))).chunk(2)  # one network, two inputs
    flow = torch.zeros(1, 16, 16, 2)
    L.tosr_loss(sr1, sr2, sr1.detach(), sr2.detach(), flow, weights=(0, 0, 1, 0))["total"].backward()
    grad_both = g.body[0].weight.grad.clone()
    g.zero_grad()
    sr1, sr2 = g(torch.cat((lr1, lr2))).chunk(2)
    L.tosr_loss(sr1.detach(), sr2, sr1.detach(), sr2.detach(), flow, weights=(0, 0, 1, 0))["total"].backward()
    assert grad_both.abs().sum() > 0 and not torch.allclose(grad_both, g.body[0].weight.grad)


def test_ragan_losses_are_mirror_images():
    r, f = torch.tensor([[2.0], [1.0]]), torch.tensor([[-1.0], [0.5]])
    torch.testing.assert_close(L.ragan_g_loss(r, f), L.ragan_d_loss(f, r))
    assert float(L.ragan_d_loss(r, f)) < float(L.ragan_g_loss(r, f))


def test_feature_loss_needs_local_weights(tmp_path):
    from arsr_lib.core.weights import WeightsError

    with pytest.raises(WeightsError, match="set the feature-loss weight to 0"):
        L.FeatureLoss(None)
    with pytest.raises(WeightsError, match="ARSR_VGG19_WEIGHTS.*vgg19"):
        L.FeatureLoss(tmp_path / "missing.pth")
    # a VGG19 state dict in torchvision's layout (random values; keys and shapes as torchvision's)
    cfg, sd, cin, i = L._VGG19_CFG, {}, 3, 0
    for v in cfg:
        if v == "M":
            i += 1
            continue
        sd[f"features.{i}.weight"], sd[f"features.{i}.bias"] = (
            torch.randn(v, cin, 3, 3) * 0.01,
            torch.zeros(v),
        )
        cin, i = v, i + 2
    sd["classifier.0.weight"] = torch.zeros(1)
    torch.save(sd, tmp_path / "vgg19.pth")
    fl = L.FeatureLoss(tmp_path / "vgg19.pth")
    assert isinstance(fl.features[34], torch.nn.Conv2d) and len(fl.features) == 35  # conv5_4, before its ReLU
    x = torch.rand(1, 3, 32, 32)
    assert float(fl(x, x)) == 0 and float(fl(x, torch.rand(1, 3, 32, 32))) > 0


def test_psnr_y_known_answer():
    hr = np.full((16, 16, 3), 100, np.uint8)
    sr = np.full((16, 16, 3), 110, np.uint8)
    dy = 219 * 10 / 255  # BT.601: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255, grey -> 219 v / 255
    assert M.psnr_y(sr, hr) == pytest.approx(10 * np.log10(255**2 / dy**2))
    sr2 = hr.copy()
    sr2[:4] = 0  # an error only inside the cropped border
    assert M.psnr_y(sr2, hr, crop=4) == float("inf") and M.psnr_y(sr2, hr, crop=0) < 20
    assert M.rgb_to_y(np.array([255, 255, 255])) == pytest.approx(235) and M.rgb_to_y(np.zeros(3)) == 16


def test_ssim_known_answers():
    a = np.full((24, 24, 3), 50, np.uint8)
    b = np.full((24, 24, 3), 150, np.uint8)
    ya, yb = M.rgb_to_y(a[0, 0]), M.rgb_to_y(b[0, 0])
    c1 = (0.01 * 255) ** 2
    assert M.ssim_y(a, b) == pytest.approx(
        (2 * ya * yb + c1) / (ya**2 + yb**2 + c1)
    )  # flat: luminance term only
    rnd = np.random.default_rng(0).integers(0, 256, (24, 24, 3)).astype(np.uint8)
    assert M.ssim_y(rnd, rnd) == pytest.approx(1.0)


def test_region_and_weighted_psnr_and_warping_error():
    hr = np.zeros((2, 16, 16, 3), np.uint8)
    sr = hr.copy()
    sr[:, 8:] = 20
    mask = np.zeros((2, 16, 16), bool)
    mask[:, :8] = True
    assert M.masked_psnr_y(sr, hr, mask) == float("inf") and M.masked_psnr_y(sr, hr, ~mask) < 30
    assert M.weighted_psnr_y(sr, hr, mask.astype(float)) == float("inf")
    # a video translating by 1 px per frame with its exact flow has no warping error inside the frame
    base = np.random.default_rng(0).integers(0, 256, (16, 40, 3)).astype(np.uint8)
    video = np.stack([base[:, 10 - t : 26 - t] for t in range(4)])
    flow = np.zeros((3, 16, 16, 2), np.float32)
    flow[..., 0] = 1.0
    assert M.warping_error(video, flow) == pytest.approx(0, abs=1e-4)
    assert M.warping_error(video, np.zeros_like(flow)) > 10


def test_detail_recovery_known_answers():
    """1 when SR reproduces the twins' HR difference, 0 when its outputs are identical, the kept contrast for
    a uniformly attenuated detail, and an error when the twins do not differ at all."""
    rng = np.random.default_rng(0)
    hr_b = rng.integers(60, 200, (3, 24, 24, 3)).astype(np.uint8)
    hr_a = hr_b.copy()
    hr_a[:, 8:16, 8:16] = hr_b[:, 8:16, 8:16] + 40  # the detail
    assert M.detail_recovery(hr_a, hr_b, hr_a, hr_b) == pytest.approx(1.0)
    assert M.detail_recovery(hr_b, hr_b, hr_a, hr_b) == 0.0
    faint = hr_b.copy()
    faint[:, 8:16, 8:16] = hr_b[:, 8:16, 8:16] + 10  # a quarter of its contrast left
    assert M.detail_recovery(faint, hr_b, hr_a, hr_b) == pytest.approx(0.25)
    moved = hr_b.copy()
    moved[:, 0:4, 0:4] = (
        hr_b[:, 0:4, 0:4] + 40
    )  # a detail elsewhere (here in the cropped border) restores nothing
    assert M.detail_recovery(moved, hr_b, hr_a, hr_b) == 0.0
    with pytest.raises(ValueError, match="identical"):
        M.detail_recovery(hr_a, hr_b, hr_b, hr_b)


def test_psnr_y_scores_grey_images_on_their_own_channel():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (20, 24), np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-3, 4, a.shape), 0, 255).astype(np.uint8)
    mse = np.mean((a[4:-4, 4:-4].astype(float) - b[4:-4, 4:-4]) ** 2)
    assert M.psnr_y(a, b) == pytest.approx(10 * np.log10(255**2 / mse))
    assert M.psnr_y(a[..., None], b[..., None]) == M.psnr_y(a, b)
    assert M.psnr_y(np.stack([a, a])[..., None], np.stack([b, b])[..., None]) == pytest.approx(M.psnr_y(a, b))
    with pytest.raises(ValueError, match=r"got shape \(20, 24, 2\)"):
        M.psnr_y(np.zeros((20, 24, 2)), np.zeros((20, 24, 2)))

import numpy as np
import pytest
import torch

from arsr_lib.data.degrade import bicubic_upscale, imresize
from arsr_lib.models import (
    DUF,
    VDSR,
    BicubicSR,
    RRDBNet,
    VGGDiscriminator,
    VGGDiscriminatorAnySize,
    build_model,
    convert_esrgan_state_dict,
)
from arsr_lib.sr.inference import super_resolve


@pytest.mark.parametrize("model", [BicubicSR(), VDSR(depth=4, nf=8), RRDBNet(nf=8, nb=1, gc=4)])
def test_single_frame_shapes(model):
    assert model(torch.rand(2, 3, 7, 9)).shape == (2, 3, 28, 36)
    assert model.n_frames == 1 and model.scale == 4


@pytest.mark.parametrize("layers", [16, 28, 52])
def test_duf_shapes_and_layouts(layers):
    m = DUF(num_layer=layers, nf=8, growth=4, trunk=16)
    assert m(torch.rand(1, 7, 3, 6, 5)).shape == (1, 3, 24, 20)
    assert len(m.blocks) == {16: 6, 28: 12, 52: 24}[layers]
    with pytest.raises(ValueError, match=r"\(N, 7, 3, h, w\)"):
        m(torch.rand(1, 5, 3, 6, 5))


def test_full_size_duf_16l_matches_the_published_layout():
    m = DUF()
    assert m.blocks[-1].conv2.out_channels == 32 and m.conv_trunk.out_channels == 256
    assert m.filt_head[-1].out_channels == 25 * 16 and m.res_head[-1].out_channels == 3 * 16
    assert m.expand.requires_grad  # the authors' ToSR code trains the local-expand filters


def test_duf_starts_as_upsampling_of_the_centre_frame():
    m = DUF(nf=8, growth=4, trunk=16).eval()
    x = torch.rand(1, 7, 3, 6, 6)
    x[:, 3] = 0.5  # a flat centre frame: any convex dynamic filter reproduces it (away from the zero padding)
    torch.testing.assert_close(m(x)[..., 8:-8, 8:-8], torch.full((1, 3, 8, 8), 0.5), atol=1e-5, rtol=0)


def test_bicubic_model_equals_matlab_imresize():
    lr = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype(np.uint8)
    out = (
        BicubicSR()(torch.from_numpy(lr).permute(2, 0, 1)[None].double() / 255)[0].permute(1, 2, 0).numpy()
        * 255
    )
    np.testing.assert_allclose(out, imresize(lr, 4.0), atol=1e-6)  # MATLAB's uint8 result
    np.testing.assert_array_equal(super_resolve(BicubicSR(), lr[None]), bicubic_upscale(lr[None]))


def _old_layout(sd: dict, nb: int) -> dict:
    """The 2018 ESRGAN architecture.py names, written out by hand from BasicSR names."""
    top = {
        "conv_first": "model.0",
        "conv_body": f"model.1.sub.{nb}",
        "conv_up1": "model.3",
        "conv_up2": "model.6",
        "conv_hr": "model.8",
        "conv_last": "model.10",
    }
    out = {}
    for k, v in sd.items():
        parts = k.split(".")
        if parts[0] == "body":
            out[f"model.1.sub.{parts[1]}.RDB{parts[2][-1]}.{parts[3]}.0.{parts[4]}"] = v
        else:
            out[f"{top[parts[0]]}.{parts[1]}"] = v
    return out


def _trunk_layout(sd: dict) -> dict:
    top = {
        "conv_first": "conv_first",
        "conv_body": "trunk_conv",
        "conv_up1": "upconv1",
        "conv_up2": "upconv2",
        "conv_hr": "HRconv",
        "conv_last": "conv_last",
    }
    out = {}
    for k, v in sd.items():
        parts = k.split(".")
        if parts[0] == "body":
            out[f"RRDB_trunk.{parts[1]}.RDB{parts[2][-1]}.{parts[3]}.{parts[4]}"] = v
        else:
            out[f"{top[parts[0]]}.{parts[1]}"] = v
    return out


@pytest.mark.parametrize("layout", [_old_layout, _trunk_layout, None])
def test_rrdbnet_loads_both_key_layouts(layout):
    src = RRDBNet(nf=8, nb=3, gc=4)
    sd = src.state_dict()
    assert "body.2.rdb3.conv5.weight" in sd and "conv_first.weight" in sd  # BasicSR names
    given = sd if layout is None else (layout(sd, 3) if layout is _old_layout else layout(sd))
    if layout is _old_layout:
        assert "model.1.sub.0.RDB1.conv1.0.weight" in given and "model.1.sub.3.weight" in given
    dst = RRDBNet(nf=8, nb=3, gc=4)
    dst.load_any_state_dict(given)
    x = torch.rand(1, 3, 6, 6)
    torch.testing.assert_close(dst(x), src(x))
    with pytest.raises(KeyError, match="unexpected key"):
        convert_esrgan_state_dict({"model.99.weight": torch.zeros(1)})


def test_discriminators():
    assert VGGDiscriminator(nf=8)(torch.rand(2, 3, 128, 128)).shape == (2, 1)
    with pytest.raises(ValueError, match="128x128"):
        VGGDiscriminator(nf=8)(torch.rand(2, 3, 64, 64))
    d = VGGDiscriminatorAnySize(nf=8)
    assert d(torch.rand(2, 3, 32, 32)).shape == (2, 1) and d(torch.rand(1, 3, 48, 40)).shape == (1, 1)
    with pytest.raises(ValueError, match="unknown model"):
        build_model("edvr")


def _train_duf(momentum: float, steps: int = 150) -> tuple[DUF, torch.Tensor]:
    """A small DUF trained on one fixed distribution of smooth LR clips (x4 nearest upsampling as HR)."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    model = DUF(nf=8, growth=4, trunk=16, bn_momentum=momentum)
    opt = torch.optim.Adam(model.parameters(), 1e-3)

    def batch():
        base = torch.rand(4, 1, 3, 3, 3, generator=g)
        clip = torch.nn.functional.interpolate(base.flatten(0, 1), size=(8, 8), mode="bilinear")
        clip = clip.view(4, 1, 3, 8, 8).repeat(1, 7, 1, 1, 1)
        clip = clip + 0.05 * torch.randn(4, 7, 3, 8, 8, generator=g)
        return clip, torch.nn.functional.interpolate(clip[:, 3], scale_factor=4, mode="nearest")

    model.train()
    for _ in range(steps):
        lr, hr = batch()
        loss = torch.nn.functional.l1_loss(model(lr), hr)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, batch()[0]


def _train_eval_gap(model: DUF, lr: torch.Tensor) -> float:
    """Mean |train-mode - eval-mode| output, grey levels (0-255), without updating the running statistics."""
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.train()
        train_out = model(lr)
        model.load_state_dict(saved)
        model.eval()
        eval_out = model(lr)
    return float(255 * (train_out - eval_out).abs().mean())


def test_duf_train_and_eval_outputs_agree_after_training():
    """With PyTorch's BN momentum the running statistics track training, so eval mode (what evaluation uses)
    gives what training optimised; TensorFlow's decay 0.999 (momentum 1e-3) leaves them near their initial
    values after 150 steps, and the outputs differ by grey levels."""
    fixed, lr = _train_duf(0.1)
    tf_like, lr_tf = _train_duf(1e-3)
    gap_fixed, gap_tf = _train_eval_gap(fixed, lr), _train_eval_gap(tf_like, lr_tf)
    assert gap_fixed < 0.5, gap_fixed
    assert gap_tf > 4 * gap_fixed, (gap_tf, gap_fixed)

import numpy as np
import pytest
import torch

from arsr_lib.degrade import bicubic_upscale, imresize
from arsr_lib.inference import super_resolve
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

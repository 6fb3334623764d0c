"""SoSR as the authors train it (issue 28): the perceptual loss's feature network trained here on a pretext
task, and the discriminator warmed up before the generator moves."""

import pytest
import torch

from arsr_lib.data import synth
from arsr_lib.models import build_model
from arsr_lib.sr.featurenet import RotatedPatches, feature_loss, train_feature_net
from arsr_lib.sr.recipes import build_recipe, video_source
from arsr_lib.train.checkpoint import load_final
from arsr_lib.train.engine import Engine

from conftest import tmp_experiment

CFG = synth.SynthConfig(
    classes=("SwingRacket", "Wave"), groups=3, clips_per_group=1, frames=8, height=64, width=64
)


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = synth.generate(tmp_path_factory.mktemp("fn") / "synth", CFG, workers=1, progress=False)
    return sorted(str(p) for p in root.rglob("*.avi"))


def test_the_feature_network_takes_features_before_its_last_relu():
    net = build_model("featurenet")
    x = torch.rand(2, 3, 32, 32)
    feats = net.features(x)
    assert feats.shape == (2, 128, 4, 4) and (feats < 0).any()  # before the ReLU
    assert net(x).shape == (2, 4)


def test_the_feature_loss_reads_the_network_frozen_with_its_running_statistics():
    from arsr_lib.train.losses import NetFeatureLoss

    net = build_model("featurenet")
    bn = next(m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d))
    before = bn.running_mean.clone()
    loss = NetFeatureLoss(net)
    sr = torch.rand(2, 3, 32, 32, requires_grad=True)
    loss(sr, torch.rand(2, 3, 32, 32)).backward()
    assert not net.training and torch.equal(bn.running_mean, before)  # eval-mode BN: no statistics drift
    assert sr.grad is not None and all(p.grad is None for p in net.parameters())


def test_rotated_patches_are_seeded_and_labelled_by_their_turn(tmp_path, videos):
    exp = tmp_experiment(tmp_path)
    ds = RotatedPatches(video_source(exp, videos), length=16, seed=3)
    a, b = ds[5], ds[5]
    assert torch.equal(a["x"], b["x"]) and int(a["label"]) in range(4)
    assert {int(ds[i]["label"]) for i in range(16)} == {0, 1, 2, 3}


@pytest.mark.slow
def test_the_trained_feature_loss_and_the_discriminator_warm_up(tmp_path, videos):
    exp = tmp_experiment(
        tmp_path,
        sr_loss={"feature": 1.0, "feature_net": "trained", "feature_net_iters": 30},
        recipes={
            "d_warmup": {
                "arch": "rrdbnet",
                "step": "d_warmup",
                "pixel_loss": "mse",
                "iters": 5,
                "batch": 2,
                "patch": 32,
                "lr": 1e-3,
                "init": "rrdb_psnr",
            },
            "esrgan": {"init": "d_warmup"},
        },
    )
    source = video_source(exp, videos)
    final = train_feature_net(exp, source, torch.device("cpu"), progress=False)
    log = (final.parent / "log.csv").read_text().splitlines()
    assert len(log) == 1 + 30 // 20 + 1 and "acc" in log[0]
    loss, digest = feature_loss(exp, source, torch.device("cpu"), progress=False)
    hr = torch.rand(1, 3, 32, 32)
    assert float(loss(hr, hr)) == 0 and float(loss(hr.flip(-1), hr)) > 0 and digest
    Engine(*build_recipe("rrdb_psnr", exp, videos, None, iters=1), progress=False).run()
    Engine(*build_recipe("d_warmup", exp, videos, None), progress=False).run()
    start, warm = (load_final(exp.runs_dir() / r / "final.pt")["models"] for r in ("rrdb_psnr", "d_warmup"))
    assert all(torch.equal(start["g"][k], warm["g"][k]) for k in start["g"])  # the generator did not move
    task, *_ = build_recipe("esrgan", exp, videos, None, iters=1)
    d = task.models["d"].state_dict()
    assert all(torch.equal(d[k], warm["d"][k]) for k in d)  # the fine-tune starts from the warmed D
    assert task.signature["feature_net"] == digest

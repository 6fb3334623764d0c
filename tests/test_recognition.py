from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from arsr_lib.config.study import Study
from arsr_lib.data.snippets import snippet_starts
from arsr_lib.models.resnet import ResNet, cross_modality_conv1, load_imagenet
from arsr_lib.models.stresnet import STResNet
from arsr_lib.models.tsn import TSN
from arsr_lib.recognition import stats, tables
from arsr_lib.recognition.clips import _flip, crops_of
from arsr_lib.recognition.scores import fuse_tsn


def test_resnet_has_torchvision_names_and_loads_local_weights(tmp_path):
    r50 = ResNet(50)
    names = set(r50.state_dict())
    for k in (
        "conv1.weight",
        "bn1.running_mean",
        "layer1.0.conv3.weight",
        "layer1.0.downsample.0.weight",
        "layer1.0.downsample.1.weight",
        "layer4.2.bn3.bias",
        "fc.weight",
    ):
        assert k in names
    assert sum(p.numel() for p in r50.parameters()) == 25_557_032  # torchvision's resnet50
    assert sum(p.numel() for p in ResNet(18).parameters()) == 11_689_512  # torchvision's resnet18
    src = ResNet(18)
    torch.save(src.state_dict(), tmp_path / "r18.pth")
    flow_net = ResNet(18, num_classes=7, in_ch=10)
    skipped = load_imagenet(flow_net, tmp_path / "r18.pth")
    assert skipped == ["fc.bias", "fc.weight"]
    torch.testing.assert_close(flow_net.layer3[1].conv2.weight, src.layer3[1].conv2.weight)
    from arsr_lib.core.weights import WeightsError

    with pytest.raises(WeightsError, match="ARSR_RESNET50_WEIGHTS.*arsr weights fetch"):
        load_imagenet(flow_net, tmp_path / "missing.pth")


def test_cross_modality_init_equals_averaged_filters():
    rgb = ResNet("tiny", width=8)
    tsn = TSN(5, "flow", "tiny", width=8, new_length=5)
    tsn.init_flow_from_rgb(rgb.conv1.weight)
    w = tsn.base.conv1.weight
    assert w.shape[1] == 10
    mean = rgb.conv1.weight.mean(dim=1)
    for c in range(10):
        torch.testing.assert_close(w[:, c], mean)
    torch.testing.assert_close(cross_modality_conv1(rgb.conv1.weight, 4)[:, 3], mean)


def test_consensus_and_partial_bn():
    torch.manual_seed(0)
    tsn = TSN(6, "rgb", "tiny", width=8, dropout=0.0).eval()
    x = torch.rand(2, 3, 3, 32, 32)
    per = tsn.snippet_scores(x)
    torch.testing.assert_close(tsn(x), per.mean(1))  # average consensus
    tsn.train()
    bns = [m for m in tsn.base.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns[0].training and bns[0].weight.requires_grad
    assert all(not b.training and not b.weight.requires_grad for b in bns[1:])


def test_late_fusion_weights_the_streams_raw_scores():
    """TSN's late fusion (the one used by the harness's tables and by ``arsr recognize``): the weighted sum of
    the streams' raw scores, RGB : flow = ``recognition.fusion``."""
    rgb = np.array([[2.0, 0.0, 1.0]])
    flow = np.array([[0.0, 2.0, 0.0]])
    np.testing.assert_allclose(fuse_tsn(rgb, flow, (1.0, 1.5)), [[2.0, 3.0, 1.0]])
    assert fuse_tsn(rgb, flow, (1.0, 1.5)).argmax() == 1  # the flow stream decides at 1 : 1.5
    assert fuse_tsn(rgb, flow, (1.0, 0.5)).argmax() == 0  # and the RGB stream at 1 : 0.5


def test_stresnet_connections():
    m = STResNet(4, "tiny", width=8).eval()
    out, sa, sm = m(torch.rand(2, 3, 3, 64, 64), torch.rand(2, 3, 10, 64, 64), return_streams=True)
    assert out.shape == (2, 4)
    torch.testing.assert_close(out, (sa + sm) / 2)
    assert m.taps == [
        (6, 8, 16, 16),
        (6, 16, 8, 8),
        (6, 32, 4, 4),
        (6, 64, 2, 2),
    ]  # res2a..res5a, N*K snippets
    # the motion stream feeds the appearance stream: changing only the flow changes the appearance scores
    rgb = torch.rand(1, 3, 3, 64, 64)
    _, a1, _ = m(rgb, torch.zeros(1, 3, 10, 64, 64), return_streams=True)
    _, a2, _ = m(rgb, torch.ones(1, 3, 10, 64, 64), return_streams=True)
    assert not torch.allclose(a1, a2)
    tc = m.tconv_a[0].conv.weight
    assert torch.allclose(tc, torch.full_like(tc, 1 / 3))  # temporal taps start as an average


def test_sampling_crops_and_flow_flip():
    assert snippet_starts(10, 5, "test") == [1, 3, 5, 7, 9]
    assert snippet_starts(9, 3, "val") == [1, 4, 7]
    starts = snippet_starts(30, 3, "train", np.random.default_rng(0))
    assert [s // 10 for s in starts] == [0, 1, 2]
    img = np.arange(6 * 6 * 2, dtype=np.uint8).reshape(6, 6, 2)
    crops = crops_of(img, 4, 10, "flow")
    assert len(crops) == 10 and all(c.shape == (4, 4, 2) for c in crops)
    f = _flip(img, "flow")
    np.testing.assert_array_equal(f[:, :, 0], 255 - img[:, ::-1, 0])  # x flow changes sign
    np.testing.assert_array_equal(f[:, :, 1], img[:, ::-1, 1])


def test_bootstrap_interval_on_a_known_case():
    correct = np.array([1] * 80 + [0] * 20)
    lo, hi = stats.bootstrap_ci(correct, n_boot=4000, seed=0)
    se = np.sqrt(0.8 * 0.2 / 100)  # the binomial standard error
    assert lo == pytest.approx(0.8 - 1.96 * se, abs=0.015) and hi == pytest.approx(0.8 + 1.96 * se, abs=0.015)
    assert stats.bootstrap_ci(np.ones(50)) == (1.0, 1.0)
    labels = np.array([0, 0, 0, 1])
    scores = np.array([[1, 0], [1, 0], [1, 0], [1, 0]])
    assert stats.top1(scores, labels) == 0.75 and stats.mean_class_accuracy(scores, labels) == 0.5


def test_paired_tests():
    a = np.array([1] * 30 + [0] * 10, bool)
    b = np.array([1] * 20 + [0] * 20, bool)
    r = stats.paired_bootstrap(a, b, seed=0)
    assert r["diff"] == pytest.approx(0.25) and r["ci_low"] > 0 and r["p_boot"] < 0.01
    m = stats.mcnemar_exact(a, b)
    assert (m["a_only"], m["b_only"]) == (10, 0) and m["p_mcnemar"] == pytest.approx(2 / 2**10)
    assert stats.mcnemar_exact(a, a)["p_mcnemar"] == 1.0


def test_training_clips_flip_only_when_allowed(tmp_path):
    """Rightward motion stays rightward without flips (mirror-image classes keep their labels); with flips
    about half the clips show it leftward."""
    from arsr_lib.data.frames import FramesConfig, write_rawframes
    from arsr_lib.recognition.clips import ClipConfig, RawframeClips

    from conftest import textured_frames

    frames = textured_frames(t=8, h=40, w=40, shift=(2, 0))
    from dataclasses import asdict

    from arsr_lib.core.atomic import atomic_folder
    from arsr_lib.data.flow import compute_flow

    with atomic_folder(tmp_path / "v", asdict(FramesConfig())) as (tmp, info):
        info.update(write_rawframes(tmp, frames, compute_flow(frames, "dis"), FramesConfig()))
    signs = {}
    for flip in (False, True):
        ds = RawframeClips([str(tmp_path / "v")], [0], ClipConfig("flow", 3, 5, 32, flip=flip), seed=1)
        signs[flip] = [
            float(np.sign(ds[i]["flow"][:, 0::2].mean().item())) for i in range(40)
        ]  # x components
    assert signs[False] == [1.0] * 40
    assert 10 < signs[True].count(-1.0) < 30


def test_training_clips_are_the_same_with_the_decoded_image_cache(tmp_path):
    """The cache serves each image once decoded and changes no sample; a budget smaller than one image keeps
    nothing; cached images cannot be changed in place."""
    from dataclasses import asdict

    from arsr_lib.core.atomic import atomic_folder
    from arsr_lib.data.flow import compute_flow
    from arsr_lib.data.frames import FramesConfig, write_rawframes
    from arsr_lib.recognition.clips import ClipConfig, RawframeClips

    from conftest import textured_frames

    folders = []
    for k, shift in enumerate([(2, 0), (0, 1)]):
        frames = textured_frames(t=10, h=40, w=40, shift=shift, seed=k)
        with atomic_folder(tmp_path / f"v{k}", asdict(FramesConfig())) as (tmp, info):
            info.update(write_rawframes(tmp, frames, compute_flow(frames, "dis"), FramesConfig()))
        folders.append(str(tmp_path / f"v{k}"))
    cfg = ClipConfig("both", 3, 3, 32)
    plain = RawframeClips(folders, [0, 1], cfg, seed=3)
    cached = RawframeClips(folders, [0, 1], cfg, seed=3, cache_bytes=64 << 20)
    tiny = RawframeClips(folders, [0, 1], cfg, seed=3, cache_bytes=10)
    for i in list(range(30)) * 2:
        a, b, c = plain[i], cached[i], tiny[i]
        for key in ("rgb", "flow", "label"):
            assert torch.equal(a[key], b[key]) and torch.equal(a[key], c[key])
    lru = cached._images
    assert lru.hits > 0 and len(lru) <= 2 * (10 + 9)  # 10 frames and 9 flows of each of two videos, at most
    assert len(lru) == lru.misses and len(tiny._images) == 0
    image = lru.peek(next(iter(lru._items)))
    with pytest.raises(ValueError, match="read-only"):
        image[0, 0] = 0
    with pytest.raises(ValueError, match="cache_bytes"):
        RawframeClips(folders, [0, 1], cfg, cache_bytes=-1)


def test_paired_sample_size_meets_the_half_width_it_was_sized_for():
    rng = np.random.default_rng(0)
    a_only, b_only = 0.08, 0.04
    n = stats.paired_sample_size(a_only, b_only, half_width=0.03)
    assert n == int(np.ceil(stats.Z95**2 * (0.12 - 0.04**2) / 0.03**2))
    assert stats.paired_half_width(n, a_only, b_only) <= 0.03 < stats.paired_half_width(n - 1, a_only, b_only)
    # the bootstrap interval of simulated paired outcomes at that n is about that wide
    kind = rng.choice(3, size=n, p=[a_only, b_only, 1 - a_only - b_only])
    correct_a, correct_b = kind == 0, kind == 1
    ci = stats.paired_bootstrap(correct_a, correct_b, n_boot=4000)
    assert abs((ci["ci_high"] - ci["ci_low"]) / 2 - 0.03) < 0.006
    rates = stats.discordance(correct_a, correct_b)
    assert abs(rates["a_only"] - a_only) < 0.03 and abs(rates["b_only"] - b_only) < 0.03
    with pytest.raises(ValueError, match="half_width"):
        stats.paired_sample_size(0.1, 0.1, half_width=0)


class _StubHarness:
    """Scores and labels of a harness, made up: what ``tables.claims`` and ``power_table`` read."""

    def __init__(self, n: int, methods, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 3, n)
        self.frames_roots = {m: None for m in methods}
        self.ds = SimpleNamespace(
            test=[SimpleNamespace(group=i // 4) for i in range(n)], classes=["A", "B", "C"]
        )  # groups of 4
        self._scores = {}
        for m in methods:
            s = rng.random((n, 3))
            s[np.arange(n), self.labels] += rng.random(n)  # mostly right
            self._scores[m] = s

    def scores(self, kind, stream, method, flow_source=None):
        return self._scores[method] + (0 if flow_source in (None, method) else self._scores[flow_source])

    def fused_tsn(self, frames_method, flow_method):
        return self._scores[frames_method] + 1.5 * self._scores[flow_method]


def test_power_table_sizes_each_claim_from_its_validation_discordance():
    methods = ["Bicubic", "ESRGAN", "ESRGAN-FT", "SoSR", "VSR-DUF", "ToSR-DUF"]
    harness = _StubHarness(200, methods)
    study = Study()
    names = [(c, r) for c, r, _, _ in tables.claims(harness, study)]
    assert ("SoSR vs ESRGAN-FT (spatial)", "TSN") in names and (
        "SoSR-VDSR vs VDSR (spatial)",
        "TSN",
    ) not in names
    assert ("SoSR + ToSR-DUF vs ESRGAN + VSR-DUF (plain SR) (two-stream)", "ST-ResNet") in names
    power = tables.power_table(harness, study, n_test=400)
    assert len(power) == len(names) and (power["validation videos"] == 200).all()
    row = power.iloc[0]
    a_only, b_only = row["a only (%)"] / 100, row["b only (%)"] / 100
    assert row["test videos for +-3 pts"] == stats.paired_sample_size(a_only, b_only, 0.03)
    assert row["expected half-width (pts)"] == pytest.approx(
        100 * stats.paired_half_width(400, a_only, b_only)
    )
    paired = tables.paired_tests(harness, study)
    assert list(paired["comparison"]) == [c for c, _ in names]
    assert "focus videos" not in paired  # no focus classes: overall only
    # a claim is also read on the videos it is about (study.focus of its stream): there, its own interval
    focused = tables.paired_tests(harness, replace(study, focus={"rgb": ("A",), "flow": ("B", "C")}))
    spatial = focused.set_index("comparison").loc["SoSR vs ESRGAN-FT (spatial)"]
    assert spatial["focus videos"] == (harness.labels == 0).sum()
    assert spatial["focus CI low"] <= spatial["focus diff (pts)"] <= spatial["focus CI high"]
    assert focused["focus videos"].isna().sum() == sum("two-stream" in c for c in focused["comparison"])


def test_nhwc_tsn_and_reading_workers_score_like_the_default(tmp_path):
    """TSN built in NHWC order computes the same function as NCHW (to float rounding) and its spec records
    the order; a DataLoader worker reading the test inputs (``compute.score_workers``) gives the same bits
    as reading them in the scoring process."""
    from dataclasses import asdict, replace

    from arsr_lib.config import RecognitionConfig
    from arsr_lib.core.atomic import atomic_folder
    from arsr_lib.data.flow import compute_flow
    from arsr_lib.data.frames import FramesConfig, write_rawframes
    from arsr_lib.recognition.clips import score_videos
    from arsr_lib.recognition.training import recogniser_spec

    from conftest import textured_frames

    folders = []
    for k in range(3):
        frames = textured_frames(t=8, h=40, w=40, shift=(1, k), seed=k)
        with atomic_folder(tmp_path / f"v{k}", asdict(FramesConfig())) as (tmp, info):
            info.update(write_rawframes(tmp, frames, compute_flow(frames, "dis"), FramesConfig()))
        folders.append(str(tmp_path / f"v{k}"))
    rec = RecognitionConfig(channels_last=True)
    spec = recogniser_spec("tsn_rgb", 4, rec)["kwargs"]
    assert (
        spec["channels_last"] is True and "channels_last" not in recogniser_spec("stresnet", 4, rec)["kwargs"]
    )
    assert "channels_last" not in recogniser_spec("tsn_rgb", 4, replace(rec, channels_last=False))["kwargs"]
    torch.manual_seed(0)
    nchw = TSN(4, "rgb", "tiny", 8, dropout=0.0, partial_bn=False)
    nhwc = TSN(4, "rgb", "tiny", 8, dropout=0.0, partial_bn=False, channels_last=True)
    nhwc.load_state_dict(nchw.state_dict())
    assert nhwc.base.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    args = (folders, "rgb", 3, 1, 32, 5)
    plain = score_videos(nchw.eval(), *args)
    np.testing.assert_allclose(score_videos(nhwc.eval(), *args), plain, rtol=1e-4, atol=1e-5)
    assert np.array_equal(score_videos(nchw, *args, workers=1), plain)

"""Each kind of training step on tiny models: the losses it reports are the losses it optimises, it updates
what it should (and only that), and the recipe fields choose it."""

import contextlib
import copy

import pytest
import torch
import torch.nn.functional as F

from arsr_lib import config
from arsr_lib.models import build_model
from arsr_lib.sr.recipes import _step
from arsr_lib.train import losses
from arsr_lib.train.steps import ClassifierStep, GanStep, PixelStep, SiameseStep, pixel_loss

SETTINGS = config.load("smoke").sr_loss
NO_AUTOCAST = contextlib.nullcontext


def _batch(seed=0, n=2):
    g = torch.Generator().manual_seed(seed)
    return {
        "lr": torch.rand(n, 3, 8, 8, generator=g),
        "hr": torch.rand(n, 3, 32, 32, generator=g),
        "weight": 0.1 + 0.9 * torch.rand(n, 32, 32, generator=g),
    }


def _models(*names):
    torch.manual_seed(0)
    made = {"g": build_model("vdsr", depth=3, nf=8)}
    if "d" in names:
        made["d"] = build_model("vgg_discriminator_any", nf=8, stages=2)
    return made


def _optimisers(models, lr=1e-2):
    return {k: torch.optim.Adam(m.parameters(), lr=lr) for k, m in models.items()}


def _changed(before, after) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before.parameters(), after.parameters()))


@pytest.mark.parametrize("loss", ["l1", "mse", "flow_weighted_mse", "huber"])
def test_pixel_step_reports_the_loss_it_optimises(loss):
    models, batch = _models(), _batch()
    before = copy.deepcopy(models["g"])
    with torch.no_grad():
        expected = pixel_loss(loss)(before(batch["lr"]), batch, SETTINGS).item()
    out = PixelStep(loss, SETTINGS)(batch, _optimisers(models), NO_AUTOCAST, models)
    assert set(out) == {"loss"} and out["loss"] == pytest.approx(expected, rel=1e-6)
    assert _changed(before, models["g"])


def test_pixel_losses_match_the_loss_functions():
    sr, batch = torch.rand(2, 3, 32, 32), _batch()
    assert pixel_loss("l1")(sr, batch, SETTINGS) == losses.l1(sr, batch["hr"])
    assert pixel_loss("mse")(sr, batch, SETTINGS) == F.mse_loss(sr, batch["hr"])
    weighted = losses.weighted_mse(sr, batch["hr"], batch["weight"], SETTINGS.weight_form)
    assert pixel_loss("flow_weighted_mse")(sr, batch, SETTINGS) == weighted
    assert pixel_loss("huber")(sr, batch, SETTINGS) == losses.huber(
        sr, batch["hr"], delta=SETTINGS.huber_delta
    )
    with pytest.raises(ValueError, match="unknown pixel loss 'l3'"):
        pixel_loss("l3")


def test_gan_step_updates_both_networks_and_sosr_differs_only_in_the_pixel_term():
    runs = {}
    for loss in ("mse", "flow_weighted_mse"):
        models, batch = _models("g", "d"), _batch()
        before = copy.deepcopy(models)
        out = GanStep(loss, SETTINGS)(batch, _optimisers(models), NO_AUTOCAST, models)
        assert set(out) == {"pixel", "gan_g", "gan_d", "w_pixel", "w_gan_g", "share_pixel", "share_gan_g"}
        assert out["w_pixel"] == pytest.approx(SETTINGS.pixel * out["pixel"])
        assert out["share_pixel"] + out["share_gan_g"] == pytest.approx(1.0)
        assert _changed(before["g"], models["g"]) and _changed(before["d"], models["d"])
        assert all(p.requires_grad for p in models["d"].parameters())  # frozen only for the generator update
        runs[loss] = out
    # same start, same batch: the adversarial terms are equal, the pixel terms differ (weights not uniform)
    assert runs["mse"]["gan_g"] == runs["flow_weighted_mse"]["gan_g"]
    assert runs["mse"]["pixel"] != runs["flow_weighted_mse"]["pixel"]


def test_gan_step_with_a_feature_term_reports_it():
    class Feature(torch.nn.Module):
        def forward(self, pred, target):
            return (pred.mean() - target.mean()).abs()

    models, batch = _models("g", "d"), _batch()
    out = GanStep("mse", SETTINGS, Feature())(batch, _optimisers(models), NO_AUTOCAST, models)
    assert {"feature", "w_feature", "share_feature"} <= set(out) and out["feature"] >= 0
    assert sum(out[f"share_{k}"] for k in ("pixel", "gan_g", "feature")) == pytest.approx(1.0)


def test_gan_step_per_term_gradients_give_the_same_update_as_one_backward():
    """The step back-propagates the sum of each term's output gradient: the same generator update as
    ``(w_p pixel + w_g gan).backward()``."""
    models, batch = _models("g", "d"), _batch()
    reference = copy.deepcopy(models)
    GanStep("flow_weighted_mse", SETTINGS)(batch, _optimisers(models), NO_AUTOCAST, models)
    opt = _optimisers(reference)
    for p in reference["d"].parameters():
        p.requires_grad_(False)
    sr = reference["g"](batch["lr"])
    d_fake, d_real = reference["d"](sr), reference["d"](batch["hr"]).detach()
    total = SETTINGS.pixel * pixel_loss("flow_weighted_mse")(sr, batch, SETTINGS)
    total = total + SETTINGS.gan * losses.ragan_g_loss(d_real, d_fake)
    opt["g"].zero_grad()
    total.backward()
    opt["g"].step()
    for a, b in zip(models["g"].parameters(), reference["g"].parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_siamese_step_is_tosr_loss_on_both_frames_in_one_pass():
    models = _models()
    g = torch.Generator().manual_seed(1)
    batch = {
        "lr1": torch.rand(2, 3, 8, 8, generator=g),
        "lr2": torch.rand(2, 3, 8, 8, generator=g),
        "hr1": torch.rand(2, 3, 32, 32, generator=g),
        "hr2": torch.rand(2, 3, 32, 32, generator=g),
        "flow": torch.randn(2, 32, 32, 2, generator=g),
    }
    before = copy.deepcopy(models["g"])
    with torch.no_grad():
        sr1, sr2 = before(batch["lr1"]), before(batch["lr2"])
        expected = losses.tosr_loss(
            sr1,
            sr2,
            batch["hr1"],
            batch["hr2"],
            batch["flow"],
            SETTINGS.tosr_weights,
            SETTINGS.huber_delta,
            SETTINGS.mask_outside,
        )
    out = SiameseStep(SETTINGS)(batch, _optimisers(models), NO_AUTOCAST, models)
    assert set(out) == {"content1", "content2", "warp_sr", "warp_hr", "total"}
    for k, v in expected.items():
        assert out[k] == pytest.approx(v.item(), rel=1e-5)
    assert _changed(before, models["g"])


def test_classifier_step_cross_entropy_and_st_resnet_stream_terms():
    torch.manual_seed(0)
    tsn = build_model(
        "tsn", num_classes=3, modality="rgb", depth="tiny", width=8, dropout=0.0, partial_bn=False
    )
    batch = {"rgb": torch.rand(2, 3, 3, 32, 32), "label": torch.tensor([0, 2])}
    before = copy.deepcopy(tsn).eval()
    with torch.no_grad():
        expected = F.cross_entropy(before(batch["rgb"]), batch["label"]).item()
    tsn.eval()  # no dropout / BN statistics: the reported loss is the one computed before the update
    out = ClassifierStep(("rgb",))(batch, _optimisers({"g": tsn}), NO_AUTOCAST, {"g": tsn})
    assert out["loss"] == pytest.approx(expected, rel=1e-5) and 0 <= out["acc"] <= 1

    st = build_model("stresnet", num_classes=3, depth="tiny", width=8, new_length=2).eval()
    batch = {
        "rgb": torch.rand(2, 3, 3, 32, 32),
        "flow": torch.rand(2, 3, 4, 32, 32),
        "label": torch.tensor([1, 0]),
    }
    with torch.no_grad():
        fused, appearance, motion = copy.deepcopy(st)(batch["rgb"], batch["flow"], return_streams=True)
        plain = F.cross_entropy(fused, batch["label"]).item()
        streams = (
            F.cross_entropy(appearance, batch["label"]).item()
            + F.cross_entropy(motion, batch["label"]).item()
        )
    out = ClassifierStep(("rgb", "flow"), 0.5)(batch, _optimisers({"g": st}), NO_AUTOCAST, {"g": st})
    assert out["loss"] == pytest.approx(plain + 0.5 * streams, rel=1e-5)


def test_the_recipe_fields_choose_the_step():
    from dataclasses import replace

    exp = config.load("smoke")
    kinds = {}
    for name, recipe in exp.recipes.items():
        models, specs = {}, {}
        # started from scratch (no run to load a warmed discriminator from); smoke has no feature loss
        step, feature_digest = _step(
            exp, replace(recipe, init=None), models, specs, None, torch.device("cpu")
        )
        assert feature_digest is None
        kinds[name] = type(step).__name__
        assert ("d" in models) == isinstance(step, GanStep)
        if isinstance(step, (PixelStep, GanStep)):
            assert step.loss == recipe.pixel_loss
    assert kinds == {
        "rrdb_psnr": "PixelStep",
        "esrgan": "GanStep",
        "sosr": "GanStep",
        "vdsr": "PixelStep",
        "sosr_vdsr": "PixelStep",
        "duf": "PixelStep",
        "tosr_duf": "SiameseStep",
        "tosr_vdsr": "SiameseStep",
        "tosr_esrgan": "SiameseStep",
    }

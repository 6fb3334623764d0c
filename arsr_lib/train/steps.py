"""Training steps as named objects: one small callable per kind of step, chosen from a recipe's fields.

Every step follows :class:`TrainStep`: ``step(batch, optimisers, autocast, models) -> {loss name: float}``.
``models`` are the engine's (possibly DDP-wrapped) modules by name, ``optimisers`` their Adam optimisers,
``autocast`` a context-manager factory (bf16 where the schedule asks for it). A step runs the forward pass,
the losses, the backward pass and the optimiser steps; the engine does everything around it.

| step | used by | loss |
|---|---|---|
| :class:`PixelStep` | rrdb_psnr, vdsr, sosr_vdsr, duf | one pixel loss (:data:`PIXEL_LOSSES`) |
| :class:`GanStep` | esrgan, sosr | pixel (plain or flow-weighted MSE) + VGG feature + RaGAN, then D |
| :class:`SiameseStep` | tosr_duf, tosr_vdsr | ToSR's four-term warping loss on a frame pair |
| :class:`ClassifierStep` | TSN, ST-ResNet | cross-entropy (+ each stream's for ST-ResNet) |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ContextManager, Mapping, Protocol

import torch
import torch.nn.functional as F

from arsr_lib.config.schema import SRLossConfig
from arsr_lib.train import losses

# what the engine hands a step: the batch, each model's optimiser, the autocast context, the models
Batch = Mapping[str, torch.Tensor]
Optimisers = Mapping[str, torch.optim.Optimizer]
Autocast = Callable[[], ContextManager]
Models = Mapping[str, torch.nn.Module]


class TrainStep(Protocol):
    def __call__(
        self, batch: Batch, optimisers: Optimisers, autocast: Autocast, models: Models
    ) -> dict[str, float]: ...


def _l1(sr, batch, settings):
    return losses.l1(sr, batch["hr"])


def _mse(sr, batch, settings):
    return losses.weighted_mse(sr, batch["hr"])


def _flow_weighted_mse(sr, batch, settings):
    return losses.weighted_mse(sr, batch["hr"], batch["weight"], settings.weight_form)


def _huber(sr, batch, settings):
    return losses.huber(sr, batch["hr"], delta=settings.huber_delta)


# pixel loss name -> (sr, batch, SRLossConfig) -> loss
PIXEL_LOSSES = {"l1": _l1, "mse": _mse, "flow_weighted_mse": _flow_weighted_mse, "huber": _huber}


def pixel_loss(name: str) -> Callable:
    if name not in PIXEL_LOSSES:
        raise ValueError(f"unknown pixel loss {name!r}; choose one of {sorted(PIXEL_LOSSES)}")
    return PIXEL_LOSSES[name]


@dataclass
class PixelStep:
    """One generator update on a pixel loss."""

    loss: str
    settings: SRLossConfig

    def __post_init__(self):
        self._criterion = pixel_loss(self.loss)

    def __call__(
        self, batch: Batch, optimisers: Optimisers, autocast: Autocast, models: Models
    ) -> dict[str, float]:
        optimisers["g"].zero_grad(set_to_none=True)
        with autocast():
            sr = models["g"](batch["lr"])
        loss = self._criterion(sr.float(), batch, self.settings)
        loss.backward()
        optimisers["g"].step()
        return {"loss": loss.item()}


@dataclass
class GanStep:
    """ESRGAN's generator update (pixel + feature + relativistic GAN) then the discriminator's; SoSR differs
    only in its pixel loss (``flow_weighted_mse``)."""

    loss: str  # "mse" (ESRGAN) or "flow_weighted_mse" (SoSR)
    settings: SRLossConfig
    feature: torch.nn.Module | None = None  # VGG19 feature loss (None: feature weight 0)
    # the discriminator's warm-up (recipe step "d_warmup"): the generator is not updated, only D learns to
    # tell its output from HR, so that a fine-tune starts against a discriminator that already discriminates
    generator_frozen: bool = False

    def __post_init__(self):
        self._criterion = pixel_loss(self.loss)

    def _generator(self, batch, optimisers, autocast, models) -> tuple[torch.Tensor, dict]:
        """The generator update. Every weighted term's gradient at the SR output is taken separately and
        their sum back-propagated once (the same update as ``total.backward()``), so each step logs each
        term's value, its weighted value (``w_*``) and its share of the output gradient (``share_*``, L2
        norms, summing to ~1 when the terms' gradients point apart): what the SoSR pixel term contributes."""
        generator, discriminator = models["g"], models["d"]
        optimisers["g"].zero_grad(set_to_none=True)
        with autocast():
            sr_g = generator(batch["lr"])
            d_fake, d_real = discriminator(sr_g), discriminator(batch["hr"]).detach()
        sr = sr_g.float()
        weighted = {
            "pixel": (self._criterion(sr, batch, self.settings), self.settings.pixel),
            "gan_g": (losses.ragan_g_loss(d_real.float(), d_fake.float()), self.settings.gan),
        }
        if self.feature is not None:
            weighted["feature"] = (self.feature(sr, batch["hr"]), self.settings.feature)
        names = list(weighted)
        grads = [torch.autograd.grad(w * value, sr, retain_graph=True)[0] for value, w in weighted.values()]
        norms = [float(g.norm()) for g in grads]
        total_norm = sum(norms) or 1.0
        sr.backward(sum(grads))
        optimisers["g"].step()
        terms = {}
        for name, (value, w), norm in zip(names, weighted.values(), norms):
            terms[name] = value.item()
            terms["w_" + name] = w * value.item()
            terms["share_" + name] = norm / total_norm
        return sr.detach(), terms

    def __call__(
        self, batch: Batch, optimisers: Optimisers, autocast: Autocast, models: Models
    ) -> dict[str, float]:
        terms: dict[str, float] = {}
        if self.generator_frozen:
            with torch.no_grad(), autocast():
                sr = models["g"](batch["lr"]).float()
        else:
            discriminator_params = list(models["d"].parameters())
            for p in discriminator_params:
                p.requires_grad_(False)
            sr, terms = self._generator(batch, optimisers, autocast, models)
            for p in discriminator_params:
                p.requires_grad_(True)
        optimisers["d"].zero_grad(set_to_none=True)
        with autocast():
            d_real, d_fake = models["d"](batch["hr"]), models["d"](sr.detach())
        loss_d = losses.ragan_d_loss(d_real.float(), d_fake.float())
        loss_d.backward()
        optimisers["d"].step()
        terms["gan_d"] = loss_d.item()
        return terms


@dataclass
class SiameseStep:
    """ToSR: both frames of a pair through the generator in one pass (shared weights), the four-term loss."""

    settings: SRLossConfig

    def __call__(
        self, batch: Batch, optimisers: Optimisers, autocast: Autocast, models: Models
    ) -> dict[str, float]:
        optimisers["g"].zero_grad(set_to_none=True)
        with autocast():
            sr = models["g"](torch.cat((batch["lr1"], batch["lr2"])))
        sr1, sr2 = sr.float().chunk(2)
        s = self.settings
        terms = losses.tosr_loss(
            sr1, sr2, batch["hr1"], batch["hr2"], batch["flow"], s.tosr_weights, s.huber_delta, s.mask_outside
        )
        terms["total"].backward()
        optimisers["g"].step()
        return {k: v.item() for k, v in terms.items()}


@dataclass
class ClassifierStep:
    """Cross-entropy on the (fused) class scores of ``inputs``; with ``streams_weight`` ST-ResNet's per-stream
    cross-entropies are added. Gradients are clipped to norm 20 (TSN)."""

    inputs: tuple[str, ...]  # batch keys fed to the model ("rgb", "flow")
    streams_weight: float = 0.0
    clip_norm: float = 20.0

    def __call__(
        self, batch: Batch, optimisers: Optimisers, autocast: Autocast, models: Models
    ) -> dict[str, float]:
        optimisers["g"].zero_grad(set_to_none=True)
        label = batch["label"]
        with autocast():
            if self.streams_weight:
                fused, appearance, motion = models["g"](*(batch[k] for k in self.inputs), return_streams=True)
            else:
                fused = models["g"](*(batch[k] for k in self.inputs))
        loss = F.cross_entropy(fused.float(), label)
        if self.streams_weight:
            loss = loss + self.streams_weight * (
                F.cross_entropy(appearance.float(), label) + F.cross_entropy(motion.float(), label)
            )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(models["g"].parameters(), self.clip_norm)
        optimisers["g"].step()
        return {"loss": loss.item(), "acc": (fused.argmax(1) == label).float().mean().item()}

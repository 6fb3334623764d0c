"""SR training recipes on top of the one engine.

| recipe | model | loss | starts from |
|---|---|---|---|
| rrdb_psnr | RRDBNet | L1 | scratch |
| esrgan | RRDBNet + VGG discriminator | pixel MSE 1e-2 + feature 1 + RaGAN 5e-3 | rrdb_psnr |
| sosr | same | flow-weighted pixel MSE instead of MSE | rrdb_psnr |
| vdsr | VDSR | MSE | scratch |
| sosr_vdsr | VDSR | flow-weighted MSE | scratch |
| duf | VSR-DUF (7 frames) | Huber (delta 0.01) | scratch |
| tosr_duf | VSR-DUF, siamese | ToSR four-term loss | duf |
| tosr_vdsr | VDSR, siamese | ToSR four-term loss | vdsr |
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from arsr_lib import losses as L
from arsr_lib.atomic import file_digest, files_tag
from arsr_lib.engine import Engine, Task, TrainConfig, load_final, seed_everything
from arsr_lib.inference import to_uint8
from arsr_lib.metrics import psnr_y
from arsr_lib.models import build_model
from arsr_lib.srdata import PairConfig, PatchConfig, SRPatchDataset, ToSRPairDataset, VideoSource

RECIPES = ("rrdb_psnr", "esrgan", "sosr", "vdsr", "sosr_vdsr", "duf", "tosr_duf", "tosr_vdsr")
ARCH_OF = {"rrdb_psnr": "rrdbnet", "esrgan": "rrdbnet", "sosr": "rrdbnet", "vdsr": "vdsr", "sosr_vdsr": "vdsr",
           "duf": "duf", "tosr_duf": "duf", "tosr_vdsr": "vdsr"}
# the SR methods of the evaluation and the recipe giving each
METHODS = {"Bicubic": None, "VDSR": "vdsr", "ESRGAN": "esrgan", "SoSR": "sosr", "SoSR-VDSR": "sosr_vdsr",
           "VSR-DUF": "duf", "ToSR-DUF": "tosr_duf", "ToSR-VDSR": "tosr_vdsr"}


def _validation(model, val: list[dict], device):
    def validate():
        vals = []
        for b in val:
            sr = model(b["lr"][None].to(device))[0]
            vals.append(psnr_y(to_uint8(sr), to_uint8(b["hr"])))
        return {"val_psnr_y": float(np.mean(vals))}

    return validate


def build_recipe(recipe: str, profile: str, train_videos: list, val_videos: list | None = None,
                 runs_dir: str | Path = "runs", flow_method: str = "dis", seed: int = 0, iters: int | None = None,
                 device: str | None = None):
    """(task, dataset, TrainConfig, out_dir) for ``recipe`` under ``profile``'s sizes and schedules."""
    from arsr_lib.profiles import SR_ARCH, SR_LOSS, SR_TRAIN, VGG19_WEIGHTS

    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; choose one of {RECIPES}")
    if profile not in SR_TRAIN:
        raise ValueError(f"profile {profile!r} has no SR recipes; choose one of {sorted(SR_TRAIN)}")
    tr, arch_kw, lw = dict(SR_TRAIN[profile][recipe]), SR_ARCH[profile], SR_LOSS[profile]
    arch = ARCH_OF[recipe]
    runs_dir = Path(runs_dir)
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    seed_everything(seed)
    g = build_model(arch, **arch_kw[arch])
    specs = {"g": {"arch": arch, "kwargs": arch_kw[arch]}}
    init = tr.pop("init", None)
    init_digest = None
    if init:
        init_path = runs_dir / init / "final.pt"
        g.load_state_dict(load_final(init_path)["models"]["g"])
        init_digest = file_digest(init_path)
    n_frames = getattr(g, "n_frames", 1)
    src = VideoSource(train_videos, flow_method=flow_method)
    patch = tr.pop("patch")
    cfg = TrainConfig(**{k: v for k, v in tr.items()}, seed=seed, ckpt_every=50 if profile == "smoke" else 5000,
                      log_every=10 if profile == "smoke" else 100, val_every=50 if profile == "smoke" else 5000,
                      amp=profile != "smoke")
    if iters is not None:
        cfg.iters = iters
    val = []
    if val_videos:
        vsrc = VideoSource(val_videos[:4], flow_method=flow_method)
        vds = SRPatchDataset(vsrc, PatchConfig(patch=min(64, patch * 2), augment=False, n_frames=n_frames),
                             length=8, seed=seed + 1)
        val = [vds[i] for i in range(len(vds))]
    models = {"g": g}
    step = None

    if recipe in ("tosr_duf", "tosr_vdsr"):
        ds = ToSRPairDataset(src, PairConfig(patch=patch, gap=lw["gap"], n_frames=n_frames, top_k=lw["top_k"],
                                             stride=(max(4, patch * 40 // 128), max(4, patch * 30 // 128)),
                                             margin=max(1, patch * 10 // 128)),
                             pairs_per_video=lw.get("pairs_per_video"), seed=seed)

        def step(b, opt, autocast, w):
            opt["g"].zero_grad(set_to_none=True)
            with autocast():
                sr = w["g"](torch.cat((b["lr1"], b["lr2"])))  # one pass, shared weights: the siamese pair
            sr1, sr2 = sr.float().chunk(2)
            terms = L.tosr_loss(sr1, sr2, b["hr1"], b["hr2"], b["flow"], lw["tosr_weights"], lw["huber_delta"],
                                lw["mask_outside"])
            terms["total"].backward()
            opt["g"].step()
            return {k: v.item() for k, v in terms.items()}
    else:
        ds = SRPatchDataset(src, PatchConfig(patch=patch, n_frames=n_frames, weight_floor=lw["weight_floor"]),
                            length=max(cfg.iters * cfg.batch, 1), seed=seed)
        if recipe in ("esrgan", "sosr"):
            dname, dkw = arch_kw["disc"]
            models["d"] = build_model(dname, **dkw)
            specs["d"] = {"arch": dname, "kwargs": dkw}
            feat = L.FeatureLoss(VGG19_WEIGHTS).to(device) if lw["feature"] > 0 else None
            weighted = recipe == "sosr"

            def step(b, opt, autocast, w):
                g_, d_ = w["g"], w["d"]
                for p in models["d"].parameters():
                    p.requires_grad_(False)
                opt["g"].zero_grad(set_to_none=True)
                with autocast():
                    sr = g_(b["lr"])
                    d_fake, d_real = d_(sr), d_(b["hr"]).detach()
                sr = sr.float()
                pix = L.weighted_mse(sr, b["hr"], b["weight"] if weighted else None, lw["weight_form"])
                adv = L.ragan_g_loss(d_real.float(), d_fake.float())
                total = lw["pixel"] * pix + lw["gan"] * adv
                out = {"pixel": pix.item(), "gan_g": adv.item()}
                if feat is not None:
                    fl = feat(sr, b["hr"])
                    total = total + lw["feature"] * fl
                    out["feature"] = fl.item()
                total.backward()
                opt["g"].step()
                for p in models["d"].parameters():
                    p.requires_grad_(True)
                opt["d"].zero_grad(set_to_none=True)
                with autocast():
                    d_real, d_fake = d_(b["hr"]), d_(sr.detach())
                ld = L.ragan_d_loss(d_real.float(), d_fake.float())
                ld.backward()
                opt["d"].step()
                out["gan_d"] = ld.item()
                return out
        else:
            if recipe == "rrdb_psnr":
                crit = lambda sr, b: L.l1(sr, b["hr"])  # noqa: E731
            elif recipe == "vdsr":
                crit = lambda sr, b: L.weighted_mse(sr, b["hr"])  # noqa: E731
            elif recipe == "sosr_vdsr":
                crit = lambda sr, b: L.weighted_mse(sr, b["hr"], b["weight"], lw["weight_form"])  # noqa: E731
            else:  # duf
                crit = lambda sr, b: L.huber(sr, b["hr"], delta=lw["huber_delta"])  # noqa: E731

            def step(b, opt, autocast, w):
                opt["g"].zero_grad(set_to_none=True)
                with autocast():
                    sr = w["g"](b["lr"])
                loss = crit(sr.float(), b)
                loss.backward()
                opt["g"].step()
                return {"loss": loss.item()}

    signature = {"recipe": recipe, "profile": profile, "specs": specs, "loss": lw, "patch": patch,
                 "init": init_digest, "flow": flow_method,
                 "train_videos": files_tag(train_videos)}
    task = Task(models=models, step=step, specs=specs, validate=_validation(g, val, device) if val else None,
                signature=signature)
    return task, ds, cfg, runs_dir / recipe


def train_recipe(recipe: str, profile: str, train_videos: list, val_videos: list | None = None,
                 runs_dir: str | Path = "runs", progress: bool = True, **kw) -> Path:
    """Train (or resume, or reuse a finished run of) ``recipe``; returns its ``final.pt``."""
    task, ds, cfg, out = build_recipe(recipe, profile, train_videos, val_videos, runs_dir, **kw)
    Engine(task, ds, cfg, out, device=kw.get("device"), progress=progress, desc=recipe).run()
    return out / "final.pt"


def load_sr_model(checkpoint: str | Path, device: str = "cpu"):
    """Rebuild a trained generator from ``final.pt`` (or ``"bicubic"``)."""
    if str(checkpoint).lower() == "bicubic":
        return build_model("bicubic").eval()
    state = load_final(checkpoint, map_location=device)
    spec = state["specs"]["g"]
    g = build_model(spec["arch"], **spec["kwargs"])
    g.load_state_dict(state["models"]["g"])
    return g.to(device).eval()


def method_checkpoints(runs_dir: str | Path, methods=tuple(METHODS)) -> dict:
    """``method name -> final.pt`` (None for Bicubic) for the evaluation's SR methods."""
    out = {}
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"unknown SR method {m!r}; choose from {list(METHODS)}")
        out[m] = None if METHODS[m] is None else Path(runs_dir) / METHODS[m] / "final.pt"
    return out

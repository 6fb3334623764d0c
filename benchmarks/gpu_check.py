"""GPU check of the ``paper`` profile: throughput of every GPU stage at paper sizes, and the projected hours
of UCF101 split 1 on this machine.

One command on one H100/H200 (sized for a few minutes; it has not run on a GPU yet)::

    python benchmarks/gpu_check.py                 # writes reports/benchmarks/gpu_check_cuda.{md,json}
    python benchmarks/gpu_check.py --tiny --device cpu --out /tmp/x   # the same code path in seconds (tested)

Measured, each after warm-up iterations, timed with the device synchronised:

* RRDBNet (23 blocks) inference, 80x60 -> 320x240, fp32 and bf16 autocast: frames/s and the share of the
  device's dense peak (FLOPs counted from the convolutions actually run; fp32 against the TF32 peak, which is
  what cuDNN uses for fp32 convolutions by default);
* training iterations/s of every SR recipe kind at the paper's batch and patch (RRDB L1, ESRGAN/SoSR GAN step
  with VGG discriminator and VGG19 feature loss, VDSR, DUF-16L, siamese ToSR-DUF / ToSR-VDSR), bf16 autocast
  as the paper profile's schedule;
* DUF-16L and VDSR inference frames/s;
* TSN ResNet-50 (RGB and flow) and ST-ResNet test videos/s at 25 snippets x 10 crops, and their training
  iterations/s at the paper's batch;
* TV-L1 frame pairs/s on this machine's CPU cores (the flow is computed on the CPU).

The projection multiplies each rate by the paper profile's counts (iterations, videos, frames the test
protocol reads, flows). It is a projection: data loading and disk are not in it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsr_lib import config  # noqa: E402
from arsr_lib.core.devices import autocast, resolve_device  # noqa: E402
from arsr_lib.data import tvl1  # noqa: E402
from arsr_lib.data.flow import compute_flow  # noqa: E402
from arsr_lib.data.snippets import protocol_frames  # noqa: E402
from arsr_lib.models import build_model  # noqa: E402
from arsr_lib.recognition.training import STRESNET_STREAMS_WEIGHT, recogniser_spec  # noqa: E402
from arsr_lib.train.engine import Engine  # noqa: E402
from arsr_lib.train.losses import FeatureLoss, vgg19_features  # noqa: E402
from arsr_lib.train.steps import ClassifierStep, GanStep, PixelStep, SiameseStep  # noqa: E402
from arsr_lib.train.task import Task, TrainConfig  # noqa: E402

# UCF101 split 1 (official lists) and its clips: 7.21 s mean length at 25 fps (the UCF101 paper)
UCF101 = {"train": 9537, "test": 3783, "classes": 101, "frames": 180}
# dense peak TFLOP/s (NVIDIA data sheets, SXM parts): TF32 tensor core, BF16 tensor core
PEAKS = {"H100": (494.7, 989.4), "H200": (494.7, 989.4), "A100": (156.0, 312.0)}
H100_BANDWIDTH = 3.35e12  # bytes/s, H100 SXM HBM3 (data sheet): the torch TV-L1's projection without a GPU


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn, device, warmup: int, iters: int) -> float:
    """Seconds per call of ``fn`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    _sync(device)
    return (time.perf_counter() - t0) / iters


def conv_flops(model: nn.Module, *inputs) -> float:
    """FLOPs (2 x multiply-adds) of the convolutions one forward pass runs."""
    total = [0.0]

    def hook(mod, _inp, out):
        k = np.prod(mod.kernel_size) * mod.in_channels // mod.groups
        total[0] += 2.0 * out.numel() * k

    handles = [
        m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.modules.conv._ConvNd)
    ]
    training = model.training
    model.eval()  # batch-1 counting; BatchNorm in training mode refuses one value per channel
    device = next(model.parameters()).device
    with torch.no_grad():
        model(*(x.to(device) for x in inputs))
    model.train(training)
    for h in handles:
        h.remove()
    return total[0]


class RandomBatches(torch.utils.data.Dataset):
    """Samples of fixed shapes (seeded random tensors): the engine's loader, without disk or decoding."""

    def __init__(self, shapes: dict, n: int = 64, classes: int | None = None):
        g = torch.Generator().manual_seed(0)
        self.items = {k: torch.rand((n, *s), generator=g) for k, s in shapes.items()}
        if classes:
            self.items["label"] = torch.randint(0, classes, (n,), generator=g)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {k: v[i] for k, v in self.items.items()}


def _train_rate(name, models, step, dataset, batch, device, iters, warmup=2) -> float:
    """Training iterations/s of one step kind through the real engine (bf16 autocast on CUDA)."""
    cfg = TrainConfig(iters=warmup + iters, batch=batch, lr=1e-4, amp=True, ckpt_every=10**9, log_every=10**9)
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(
            Task(models=models, step=step), dataset, cfg, tmp, device=device, progress=False, desc=name
        )
        loader = iter(engine._loader())
        engine._set_mode(True)

        def one():
            b = {k: v.to(device, non_blocking=True) for k, v in next(loader).items()}
            engine.task.step(b, engine.opt, engine._autocast, engine.wrapped)

        return 1.0 / _timed(one, device, warmup, iters)


def sr_step_inputs(recipe, arch, loss, feature, gan_pixel_loss: str | None = None) -> tuple:
    """``(models, step, sample shapes, LR shape, HR patch)`` of one training step of an SR ``recipe`` with the
    architectures ``arch`` and loss settings ``loss``; ``feature`` is the GAN step's perceptual loss (None for
    a discriminator warm-up), ``gan_pixel_loss`` replaces a GAN step's pixel loss."""
    g = build_model(recipe.arch, **arch.args_of(recipe.arch))
    lr_p, hr_p, t = recipe.patch // 4, recipe.patch, getattr(g, "n_frames", 1)
    lr_shape = (t, 3, lr_p, lr_p) if t > 1 else (3, lr_p, lr_p)
    models = {"g": g}
    if recipe.step == "siamese":
        hr = (3, hr_p, hr_p)
        shapes = {"lr1": lr_shape, "lr2": lr_shape, "hr1": hr, "hr2": hr, "flow": (hr_p, hr_p, 2)}
        return models, SiameseStep(loss), shapes, lr_shape, hr_p
    shapes = {"lr": lr_shape, "hr": (3, hr_p, hr_p), "weight": (hr_p, hr_p)}
    if recipe.step in ("gan", "d_warmup"):
        models["d"] = build_model(arch.discriminator, **arch.discriminator_args)
        pixel = gan_pixel_loss or recipe.pixel_loss
        step = GanStep(pixel, loss, feature, recipe.step == "d_warmup")
        return models, step, shapes, lr_shape, hr_p
    return models, PixelStep(recipe.pixel_loss, loss), shapes, lr_shape, hr_p


def _train_flops(recipe, models, step, lr_shape, hr_p) -> float:
    """Convolution FLOPs of one training step (forward + backward ~ 3 x forward), counted at batch 1, scaled:
    the generator (both siamese frames), and for a GAN step the discriminator (real and fake, in the G and D
    updates) and the VGG19 feature network (SR and HR)."""
    g = models["g"]
    lr = torch.rand(1, *lr_shape)
    per = 3 * conv_flops(g, lr) * (2 if recipe.step == "siamese" else 1)
    if recipe.step == "gan":
        hr = torch.rand(1, 3, hr_p, hr_p)
        per += 4 * 3 * conv_flops(models["d"], hr) + 3 * 2 * conv_flops(step.feature.features, hr)
    return per * recipe.batch


def _tvl1_rate(size, pairs: int) -> float:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (pairs + 1, size[1], size[0], 3), dtype=np.uint8)
    workers = os.cpu_count() or 1
    chunks = [frames[i : i + 2] for i in range(pairs)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(compute_flow, chunks, ["tvl1"] * pairs))
    return pairs / (time.perf_counter() - t0)


def _tvl1_torch_rate(size, batch: int, device, fused: bool) -> float:
    """Frame pairs/s of the batched torch TV-L1 (``arsr_lib.data.tvl1``) on ``device``, fp32, after one
    untimed batch (which compiles the fused iteration)."""
    w, h = size
    g = torch.Generator().manual_seed(0)
    base = torch.nn.functional.avg_pool2d(torch.rand(1, 1, h + 8, w + 8, generator=g) * 255, 3, 1, 1)[0, 0]
    g0 = torch.stack([base[k % 3 : k % 3 + h, k % 5 : k % 5 + w] for k in range(batch)]).to(device)
    g1 = torch.stack([base[k % 3 + 1 : k % 3 + 1 + h, k % 5 + 1 : k % 5 + 1 + w] for k in range(batch)]).to(
        device
    )
    seconds = _timed(lambda: tvl1.tvl1_batch(g0, g1, fused=fused), device, 1, 1)
    return batch / seconds


def _vgg_weights(folder: Path) -> Path:
    path = folder / "vgg19-random.pth"
    torch.save({f"features.{k}": v for k, v in vgg19_features(layers=None).state_dict().items()}, path)
    return path


def experiment(tiny: bool):
    exp = config.load("paper", env={})
    if not tiny:
        return exp
    return config.override(
        exp,
        {
            "sr_arch": {
                "rrdbnet": {"nf": 8, "nb": 1, "gc": 4},
                "vdsr": {"depth": 3, "nf": 8},
                "duf": {"nf": 8},
                "discriminator_args": {"nf": 8, "size": 32},
            },
            "recognition": {
                "depth": 18,
                "width": 8,
                "crop": 32,
                "batch": 2,
                "test_snippets": 2,
                "test_crops": 10,
            },
            "recipes": {r: {"batch": 2, "patch": 32} for r in exp.recipes},
        },
    )


def run(tiny: bool, device) -> dict:
    exp = experiment(tiny)
    lr_size = (20, 16) if tiny else (80, 60)  # (w, h) LR -> x4
    cpu_paper = device.type == "cpu" and not tiny  # paper sizes on the CPU: one timed step each, fp32 only
    frames_batch, iters = (2, 2) if tiny else ((2, 1) if cpu_paper else (16, 10))
    warm = 0 if cpu_paper else 2  # the CPU has no lazy kernel selection worth warming up
    bf16 = not cpu_paper  # CPU bf16 without hardware support is emulated: many times slower than fp32
    out = {"device": str(device), "tiny": tiny, "inference_precision": "bf16" if bf16 else "fp32"}
    if device.type == "cuda":
        out["device_name"] = torch.cuda.get_device_name(device)
    arch = exp.sr_arch
    # ---------------------------------------------------------------- inference
    rrdb = build_model("rrdbnet", **arch.rrdbnet).to(device).eval()
    x = torch.rand(frames_batch, 3, lr_size[1], lr_size[0], device=device)
    flops = conv_flops(rrdb, x[:1])
    for precision, use_bf16 in (("fp32", False), ("bf16", True))[: 2 if bf16 else 1]:

        def sr(use_bf16=use_bf16):
            with torch.no_grad(), autocast(device, use_bf16):
                rrdb(x)

        fps = frames_batch / _timed(sr, device, warm, iters)
        out[f"rrdb_{precision}_fps"] = fps
        out[f"rrdb_{precision}_tflops"] = fps * flops / 1e12
    out["rrdb_gflop_per_frame"] = flops / 1e9
    name = out.get("device_name", "")
    peak = next((v for k, v in PEAKS.items() if k in name), None)
    if peak:
        out["rrdb_fp32_share_of_tf32_peak"] = out["rrdb_fp32_tflops"] / peak[0]
        out["rrdb_bf16_share_of_bf16_peak"] = out["rrdb_bf16_tflops"] / peak[1]
    out["rrdb_fps"] = out["rrdb_bf16_fps" if bf16 else "rrdb_fp32_fps"]
    out["flops"] = {"rrdb_frame": flops}
    for arch_name, window in (("vdsr", 1), ("duf", 7)):
        model = build_model(arch_name, **arch.args_of(arch_name)).to(device).eval()
        xin = x if window == 1 else torch.rand(frames_batch, 7, 3, lr_size[1], lr_size[0], device=device)
        out["flops"][f"{arch_name}_frame"] = conv_flops(model, xin[:1])

        def infer(model=model, xin=xin):
            with torch.no_grad(), autocast(device, bf16):
                model(xin)

        out[f"{arch_name}_fps"] = frames_batch / _timed(infer, device, warm, iters)
    # ---------------------------------------------------------------- SR training, one rate per step kind
    with tempfile.TemporaryDirectory() as tmp:
        loss = replace(exp.sr_loss, vgg19_weights=str(_vgg_weights(Path(tmp))))
        for name in ("rrdb_psnr", "esrgan", "vdsr", "duf", "tosr_duf", "tosr_vdsr"):
            recipe = exp.recipe(name)
            feature = FeatureLoss(loss.vgg19_weights).to(device) if recipe.step == "gan" else None
            # the GAN step measured is SoSR's (flow-weighted MSE), the costlier of ESRGAN's and SoSR's
            models, step, shapes, lr_shape, hr_p = sr_step_inputs(
                recipe, arch, loss, feature, "flow_weighted_mse"
            )
            data = RandomBatches(shapes, n=4 * recipe.batch)
            out["flops"][f"train_{name}"] = _train_flops(recipe, models, step, lr_shape, hr_p)
            out[f"train_{name}_its"] = _train_rate(
                name, models, step, data, recipe.batch, device, iters, warm
            )
    # ---------------------------------------------------------------- recognisers
    rec = exp.recognition
    crop, k, length = rec.crop, rec.segments, rec.new_length
    for kind, inputs in (("tsn_rgb", ("rgb",)), ("tsn_flow", ("flow",)), ("stresnet", ("rgb", "flow"))):
        spec = recogniser_spec(kind, UCF101["classes"], rec)
        model = build_model(spec["arch"], **spec["kwargs"])
        shapes = {"rgb": (k, 3, crop, crop), "flow": (k, 2 * length, crop, crop)}
        shapes = {m: shapes[m] for m in inputs}
        step = ClassifierStep(inputs, STRESNET_STREAMS_WEIGHT if kind == "stresnet" else 0.0)
        data = RandomBatches(shapes, n=2 * rec.batch, classes=UCF101["classes"])
        one = [torch.rand(1, *shapes[m]) for m in inputs]
        out["flops"][f"train_{kind}"] = 3 * rec.batch * conv_flops(model, *one)
        out[f"train_{kind}_its"] = _train_rate(
            kind, {"g": model}, step, data, rec.batch, device, max(1, iters // 2), warm
        )
        model = model.to(device).eval()
        n, c = rec.test_snippets, rec.test_crops
        rgb = torch.rand(1, n * c, 3, crop, crop, device=device)
        flo = torch.rand(1, n * c, 2 * length, crop, crop, device=device)

        def score(model=model, kind=kind):
            with torch.no_grad(), autocast(device, bf16):
                if kind == "stresnet":
                    model(
                        rgb[0].view(n, c, 3, crop, crop).transpose(0, 1),
                        flo[0].view(n, c, 2 * length, crop, crop).transpose(0, 1),
                    )
                else:
                    model(rgb if kind == "tsn_rgb" else flo)

        if kind == "stresnet":
            per_crop = conv_flops(
                model.cpu(), torch.rand(1, 1, 3, crop, crop), torch.rand(1, 1, 2 * length, crop, crop)
            )
        else:
            per_crop = conv_flops(
                model.cpu(), torch.rand(1, 1, *(rgb if kind == "tsn_rgb" else flo).shape[2:])
            )
        out["flops"][f"score_{kind}"] = per_crop * n * c
        model.to(device)
        out[f"score_{kind}_videos_per_s"] = 1.0 / _timed(score, device, min(1, warm), max(1, iters // 2))
    out["tvl1_pairs_per_s"] = _tvl1_rate(
        (lr_size[0] * 4, lr_size[1] * 4), 4 if tiny else 8 * (os.cpu_count() or 1)
    )
    # the batched torch TV-L1 on this device, unfused and (on a GPU) fused, at several batch sizes
    gpu = device.type == "cuda"
    for fused in (False, True) if gpu else (False,):
        for b in (8, 32, 128) if gpu else ((2,) if tiny else (8,)):
            key = f"tvl1_torch{'_fused' if fused else ''}_b{b}_pairs_per_s"
            out[key] = _tvl1_torch_rate((lr_size[0] * 4, lr_size[1] * 4), b, device, fused)
    out["cpu_cores"] = os.cpu_count()
    out["projection_hours"] = project(exp, out)
    return out


H100_UTILISATION = 0.3  # assumed share of the bf16 dense peak for the projection without a GPU measurement


def project(exp, m: dict) -> dict:
    """Each stage of UCF101 split 1: its units (iterations, frames, videos, flow pairs), the convolution FLOPs
    per unit, the hours at this run's measured rate, and an H100 projection (FLOPs / (30 % of the bf16 dense
    peak); flow: the torch TV-L1 on the GPU, measured when this run is on one, else its fused iteration's
    memory traffic over the H100's bandwidth)."""
    rec, T = exp.recognition, UCF101["frames"]
    test, flops = UCF101["test"], m["flops"]
    kind_rate = {
        "rrdb_psnr": "rrdb_psnr",
        "esrgan": "esrgan",
        "sosr": "esrgan",
        "vdsr": "vdsr",
        "sosr_vdsr": "vdsr",
        "duf": "duf",
        "tosr_duf": "tosr_duf",
        "tosr_vdsr": "tosr_vdsr",
        # not measured apart: a siamese step of the RRDB generator at the rate of an ESRGAN step (a proxy)
        "tosr_esrgan": "esrgan",
    }
    rows = []

    def add(stage, units, unit, rate, flop_per_unit=None, cpu=False):
        hours = units / rate / 3600
        if cpu:
            h100 = units / (rate / (m["cpu_cores"] or 1) * 16) / 3600
        else:
            h100 = units * flop_per_unit / (H100_UTILISATION * PEAKS["H100"][1] * 1e12) / 3600
        rows.append(
            {
                "stage": stage,
                "units": units,
                "unit": unit,
                "gflop_per_unit": (flop_per_unit or 0) / 1e9,
                "hours_here": hours,
                "hours_h100_projection": h100,
            }
        )

    for name, recipe in exp.recipes.items():
        k = kind_rate[name]
        add(f"SR training {name}", recipe.iters, "iteration", m[f"train_{k}_its"], flops[f"train_{k}"])
    rgb_idx, flow_idx = protocol_frames(T, rec.test_snippets, rec.new_length, True)
    with_flow = len(set(rgb_idx) | {j for f in flow_idx for j in (f, f + 1)})
    # SR of the frames the protocol reads: every method's flow feeds the temporal stream, so each method
    # makes the frames of its flows too. RRDB: ESRGAN, SoSR, ToSR-ESRGAN; VDSR: VDSR, SoSR-VDSR, ToSR-VDSR;
    # DUF: VSR-DUF, ToSR-DUF
    for arch, frames in (("rrdb", 3 * with_flow), ("vdsr", 3 * with_flow), ("duf", 2 * with_flow)):
        add(f"SR of test frames ({arch})", test * frames, "frame", m[f"{arch}_fps"], flops[f"{arch}_frame"])
    for kind in rec.iters:
        add(
            f"recogniser training {kind}",
            rec.iters[kind],
            "iteration",
            m[f"train_{kind}_its"],
            flops[f"train_{kind}"],
        )
    for kind in ("tsn_rgb", "tsn_flow"):  # the LR oracle: the TSN streams again, on Bicubic frames
        add(
            f"LR oracle training {kind}",
            max(1, round(rec.iters[kind] * exp.study.oracle_scale)),
            "iteration",
            m[f"train_{kind}_its"],
            flops[f"train_{kind}"],
        )
    # HR, Bicubic and the 8 SR methods for each TSN stream; the 7 pairings for ST-ResNet
    for kind, per_video in (("tsn_rgb", 10), ("tsn_flow", 10), ("stresnet", 7)):
        add(
            f"scoring {kind} ({per_video} methods/pairings)",
            test * per_video,
            "video",
            m[f"score_{kind}_videos_per_s"],
            flops[f"score_{kind}"],
        )
    n_sr_videos = exp.data.sr_train_videos or UCF101["train"]
    # TV-L1 on the device (the torch TV-L1): measured on a GPU, the best batch, fused or not; without one, the
    # fused iteration's memory-traffic model over the H100's bandwidth (a projection)
    torch_rates = [v for k, v in m.items() if k.startswith("tvl1_torch")]
    if m["device"].startswith("cuda") and torch_rates:
        flow_rate, flow_basis = max(torch_rates), "measured"
    else:
        flow_rate, flow_basis = H100_BANDWIDTH / tvl1.bytes_per_pair(240, 320, fused=True), "projected"
    for stage, units in (
        ("TV-L1: rawframes (HR train+test, bicubic test)", (UCF101["train"] + 2 * test) * (T - 1)),
        ("TV-L1: SR test frames (the 9 SR methods' flow)", 9 * test * len(flow_idx)),
        # warmed on the device before training (sr.recipes._warm_flows): every pair of gap 1 (SoSR's weight
        # maps) and of the pairs' gap (ToSR's mining), not only the ones sampled
        (
            "TV-L1: SR training pairs (SoSR weight maps, ToSR mining)",
            n_sr_videos * ((T - 1) + (T - exp.pairs.gap)),
        ),
    ):
        add(stage, units, "frame pair", m["tvl1_pairs_per_s"], cpu=True)
        rows[-1]["hours_h100_projection"] = units / flow_rate / 3600
        rows[-1]["stage"] += f" (H100: torch TV-L1, {flow_basis})"
    return {
        "rows": rows,
        "hours_here": sum(r["hours_here"] for r in rows),
        "hours_h100_projection": sum(r["hours_h100_projection"] for r in rows),
    }


def markdown(r: dict) -> str:
    p = r["projection_hours"]
    where = r.get("device_name", r["device"])
    kind = "TINY models: a code path check, not the paper sizes" if r["tiny"] else "paper sizes"
    lines = [
        f"GPU check ({where}; {r['cpu_cores']} CPU cores; {kind}; inference {r['inference_precision']};"
        f" torch {torch.__version__}, {platform.machine()}; {r.get('seconds', 0):.0f} s)",
        *([r["note"]] if r.get("note") else []),
        "",
        "| measurement | value |",
        "|---|---:|",
    ]
    for k, v in r.items():
        if isinstance(v, float) and k != "seconds":
            lines.append(f"| {k} | {v:.4g} |")
    lines += [
        "",
        f"UCF101 split 1, stage by stage: units x the rate measured here ({where}), and an H100 projection"
        f" (not a measurement): convolution FLOPs / ({H100_UTILISATION:.0%} of the H100's"
        f" {PEAKS['H100'][1]:.0f} TFLOP/s bf16 dense peak); TV-L1: the torch TV-L1 on the GPU (the stage"
        f" says whether measured here or projected from its fused iteration's memory traffic,"
        f" `arsr_lib.data.tvl1.bytes_per_pair`, over {H100_BANDWIDTH / 1e12:.2f} TB/s).",
        "",
        f"| stage | units | unit | GFLOP per unit | hours on {where} | hours, H100 projection |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for row in p["rows"]:
        lines.append(
            f"| {row['stage']} | {row['units']:,} | {row['unit']} | {row['gflop_per_unit']:.3g} | "
            f"{row['hours_here']:.3g} | {row['hours_h100_projection']:.3g} |"
        )
    lines += [
        f"| all stages, one after another | | | | {p['hours_here']:.3g} | {p['hours_h100_projection']:.3g} |",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--tiny", action="store_true", help="tiny models and sizes (a code-path check, e.g. on CPU)"
    )
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks")
    ap.add_argument("--note", default="", help="a line printed under the report's title (e.g. what else ran)")
    ap.add_argument(
        "--reproject",
        type=Path,
        default=None,
        help="a stored measurement (gpu_check_*.json): recompute its projection with the paper profile's "
        "counts now, measuring nothing (the report says so)",
    )
    ap.add_argument(
        "--tvl1-torch-cpu",
        type=float,
        default=None,
        help="with --reproject: the torch TV-L1's "
        "CPU pairs/s to record beside the stored rates (reports/benchmarks/bench_tvl1.md)",
    )
    args = ap.parse_args(argv)
    if args.reproject is not None:
        result = json.loads(args.reproject.read_text())
        if args.tvl1_torch_cpu:
            result["tvl1_torch_b8_pairs_per_s"] = args.tvl1_torch_cpu
        result["projection_hours"] = project(experiment(result["tiny"]), result)
        said = (
            f"Projection recomputed with the paper profile's counts of this commit from the rates stored in "
            f"{args.reproject.name}; nothing was measured again."
        )
        result["note"] = f"{result.get('note', '').replace(said, '').strip()} {said}".strip()
        stem = args.out / args.reproject.stem
        stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
        stem.with_suffix(".md").write_text(markdown(result))
        print(markdown(result))
        return 0
    device = resolve_device(args.device)
    if device.type != "cuda" and not args.tiny and args.device != "cpu":
        print(
            "gpu_check: no CUDA device; --tiny checks the code path, --device cpu measures the paper sizes on"
            " the CPU (slow: one timed step each)",
            file=sys.stderr,
        )
        return 2
    torch.manual_seed(0)
    started = time.perf_counter()
    result = run(args.tiny, device)
    result["seconds"] = time.perf_counter() - started
    result["note"] = args.note
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / ("gpu_check_tiny" if args.tiny else f"gpu_check_{device.type}")
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    stem.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""SR inference and training throughput (whole-process wall clock; not a test).

    .venv/bin/python benchmarks/bench_sr.py [--out reports/benchmarks/bench_sr.md] [--device cuda] [--amp]

Inference: frames/s of each SR model at LR 80x60 (UCF101's x4), batch 1 and 16, with the smoke (tiny)
and paper (full-size) architectures. Training: iterations/s of each smoke recipe on synthetic videos.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arsr_lib import config  # noqa: E402
from arsr_lib.models import build_model  # noqa: E402
from arsr_lib.sr.inference import super_resolve  # noqa: E402


def bench_inference(device: str, amp: bool, sizes=("smoke", "paper"), n_frames: int = 32) -> list[dict]:
    rows = []
    lr = np.random.default_rng(0).integers(0, 256, (n_frames, 60, 80, 3), dtype=np.uint8)
    for size in sizes:
        for arch in ("bicubic", "vdsr", "rrdbnet", "duf"):
            args = {} if arch == "bicubic" else config.load(size).sr_arch.args_of(arch)
            model = build_model(arch, **args).eval()
            for batch in (1, 16):
                frames = lr if (size == "smoke" or device != "cpu" or batch == 16) else lr[:8]
                super_resolve(model, frames[:2], batch=batch, device=device, amp=amp)  # warm-up
                if device.startswith("cuda"):
                    torch.cuda.synchronize()
                t = time.perf_counter()
                super_resolve(model, frames, batch=batch, device=device, amp=amp)
                if device.startswith("cuda"):
                    torch.cuda.synchronize()
                dt = time.perf_counter() - t
                rows.append(
                    {
                        "arch": arch,
                        "size": size,
                        "batch": batch,
                        "device": device,
                        "amp": amp,
                        "frames/s": len(frames) / dt,
                    }
                )
    return rows


def bench_training(tmp: Path, iters: int = 20) -> list[dict]:
    from arsr_lib.data import synth
    from arsr_lib.sr.recipes import build_recipe
    from arsr_lib.train.engine import Engine

    root = synth.generate(
        tmp / "s", synth.SynthConfig(groups=3, clips_per_group=1, frames=16), progress=False
    )
    videos = sorted(str(p) for p in root.rglob("*.avi"))
    rows = []
    warm = config.load("smoke", paths={"project": str(tmp / "warm"), "reports_root": str(tmp)})
    timed = config.load("smoke", paths={"project": str(tmp / "timed"), "reports_root": str(tmp)})
    for r in warm.recipes:
        task, ds, cfg, out = build_recipe(r, warm, videos, None, iters=3)
        Engine(task, ds, cfg, out, progress=False).run()  # warm-up: decoding, flow, mining; makes init runs
        task, ds, cfg, out = build_recipe(r, timed, videos, None, iters=iters)
        t = time.perf_counter()
        Engine(task, ds, cfg, out, progress=False).run()
        rows.append({"recipe": r, "batch": cfg.batch, "it/s": iters / (time.perf_counter() - t)})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--amp", action="store_true", help="bf16 autocast")
    ap.add_argument("--no-train", action="store_true")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    import pandas as pd

    env = (
        f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"threads {torch.get_num_threads()}"
    )
    if args.device.startswith("cuda"):
        env += f", {torch.cuda.get_device_name()}"
    parts = [
        f"machine: {env}",
        pd.DataFrame(bench_inference(args.device, args.amp)).round(2).to_markdown(index=False),
    ]
    if not args.no_train:
        with tempfile.TemporaryDirectory() as tmp:
            parts.append(pd.DataFrame(bench_training(Path(tmp))).round(2).to_markdown(index=False))
    text = "\n\n".join(parts) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

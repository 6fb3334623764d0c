"""SR quality on real images: Set5 x4 (MATLAB-made LR) and real UCF101 clips (HR -> our MATLAB-exact x4 LR).

    .venv/bin/python benchmarks/bench_sr_real.py [--runs runs/smoke] [--frames 3]
        [--out reports/benchmarks/sr_real.md]

Methods: bicubic, the pretrained RealSR (DF2K) and Real-ESRGAN x4plus, and every SR model a profile trained
(``runs/<profile>/<recipe>/final.pt`` where present; the VSR-DUFs need 7-frame windows, so they have no Set5
figure). PSNR / SSIM on Y (BT.601), 4-px border removed. RealSR and Real-ESRGAN were trained for real-world
degradations (estimated blur kernels and noise; second-order synthetic degradations), not for the bicubic x4
measured here, and Real-ESRGAN aims at perceptual quality: PSNR is not what either optimises.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsr_lib.data.degrade import bicubic_upscale, downscale, modcrop  # noqa: E402
from arsr_lib.data.video import read_video  # noqa: E402
from arsr_lib.sr.inference import load_sr_model, super_resolve  # noqa: E402
from arsr_lib.sr.metrics import psnr_y, ssim_y  # noqa: E402
from arsr_lib.sr.recipes import METHODS  # noqa: E402

SHARED = ROOT.parent / "shared"


def set5() -> list[tuple[str, np.ndarray, np.ndarray]]:
    out = []
    for hr_path in sorted((SHARED / "benchmarks" / "set5").glob("*_HR.png")):
        hr = cv2.cvtColor(cv2.imread(str(hr_path)), cv2.COLOR_BGR2RGB)
        lr = cv2.cvtColor(cv2.imread(str(hr_path).replace("_HR", "_LR")), cv2.COLOR_BGR2RGB)
        out.append((hr_path.name[:7], hr[None], lr[None]))
    return out


def clips(n_frames: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """The real UCF101 clips: ``n_frames`` frames from the middle of each, HR and our x4 LR."""
    out = []
    for path in sorted((SHARED / "realdata" / "clips" / "ucf101").rglob("v_*")):
        frames = read_video(path)
        start = max(0, len(frames) // 2 - n_frames // 2)
        hr = modcrop(frames[start : start + n_frames])
        out.append((path.stem, hr, downscale(hr)))
    return out


def models(runs: Path | None) -> dict:
    chosen = {"Bicubic": "bicubic", "RealSR (DF2K)": "realsr-df2k", "Real-ESRGAN x4plus": "realesrgan-x4plus"}
    if runs:
        for method, recipe in METHODS.items():
            if recipe and (runs / recipe / "final.pt").is_file():
                chosen[f"{method} ({runs.name})"] = runs / recipe / "final.pt"
    return chosen


def evaluate(name, source, images, multi_frame_ok: bool) -> dict:
    model = load_sr_model(source)
    if getattr(model, "n_frames", 1) > 1 and not multi_frame_ok:
        return {}
    psnr, ssim, started, count = [], [], time.perf_counter(), 0
    for _, hr, lr in images:
        sr = bicubic_upscale(lr) if source == "bicubic" else super_resolve(model, lr, batch=4)
        psnr.append(psnr_y(sr, hr))
        ssim.append(ssim_y(sr, hr))
        count += len(lr)
    return {
        "PSNR-Y": float(np.mean(psnr)),
        "SSIM-Y": float(np.mean(ssim)),
        "s/frame": (time.perf_counter() - started) / count,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=Path, default=ROOT / "runs" / "smoke", help="trained SR runs to include")
    ap.add_argument("--frames", type=int, default=3, help="frames per real clip")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks" / "sr_real.md")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    data = {"Set5 (MATLAB LR)": set5(), f"UCF101 clips ({args.frames} frames each)": clips(args.frames)}
    rows = []
    for name, source in models(args.runs if args.runs.is_dir() else None).items():
        row = {"method": name}
        for label, images in data.items():
            result = evaluate(name, source, images, multi_frame_ok=label.startswith("UCF101"))
            row.update({f"{label} {k}": v for k, v in result.items() if k != "s/frame"})
        rows.append(row)
        print(row, flush=True)
    table = pd.DataFrame(rows).round(3)
    counts = {label: sum(len(lr) for _, _, lr in images) for label, images in data.items()}
    caption = (
        "protocol: scale x4; Set5: MATLAB-made LR (shared/benchmarks/set5); UCF101: "
        f"{len(data[next(iter(list(data)[1:]))])} real clips, our MATLAB-exact x4 LR; PSNR/SSIM on Y "
        f"(BT.601), 4-px border; frames: {counts}; {platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}"
    )
    text = f"{caption}\n\n{table.to_markdown(index=False)}\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

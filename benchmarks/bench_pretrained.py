"""Pretrained RRDBNet speed on this CPU, and what tiling costs (whole-process wall clock; not a test).

    .venv/bin/python benchmarks/bench_pretrained.py [--frames 4]
        [--out reports/benchmarks/bench_pretrained.md]

1. RealSR / Real-ESRGAN (RRDBNet 64/23/32, fp32) frames/s at LR 80x60 -> 320x240 (UCF101's x4), and its
   achieved GFLOP/s as a share of this CPU's 3x3 convolution throughput measured in the same run (a 64->64
   conv on 16 maps of 80x60 and on one of 320x240, the sizes RRDBNet runs at).
2. Tiling at 1920x1080 LR: the smoke-size RRDBNet untiled against 192-px tiles with 16 px of context (what
   ``arsr sr`` picks for large frames), and the share of extra pixels the overlap computes.
3. ``arsr sr`` of a two-frame 1920x1080 clip with bicubic, to FFV1 and to PNG frames: wall time and the peak
   RSS of the whole process.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsr_lib.data.video import write_video  # noqa: E402
from arsr_lib.models import build_model  # noqa: E402
from arsr_lib.sr.inference import load_sr_model, super_resolve  # noqa: E402


def conv_gflops(h: int, w: int, batch: int, repeats: int = 10) -> float:
    """Throughput of a 64->64 3x3 convolution on ``batch`` feature maps of h x w (best of ``repeats``)."""
    conv = torch.nn.Conv2d(64, 64, 3, padding=1).eval()
    x = torch.rand(batch, 64, h, w)
    best = float("inf")
    with torch.no_grad():
        conv(x)
        for _ in range(repeats):
            started = time.perf_counter()
            conv(x)
            best = min(best, time.perf_counter() - started)
    return 2 * 64 * 64 * 9 * h * w * batch / best / 1e9


def model_flops(model, h: int, w: int) -> float:
    """Multiply-adds x 2 of every convolution for one LR frame of h x w."""
    total = []

    def hook(module, inputs, output):
        total.append(2 * module.in_channels * module.out_channels * 9 * output.shape[-2] * output.shape[-1])

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        model(torch.rand(1, 3, h, w))
    for handle in handles:
        handle.remove()
    return float(sum(total))


def bench_pretrained(frames: int) -> list[dict]:
    lr = np.random.default_rng(0).integers(0, 256, (frames, 60, 80, 3), dtype=np.uint8)
    conv = {"80x60": conv_gflops(60, 80, batch=16), "320x240": conv_gflops(240, 320, batch=1)}
    rows = []
    for name in ("realsr-df2k", "realesrgan-x4plus"):
        model = load_sr_model(name)
        super_resolve(model, lr[:1], batch=1)  # warm-up
        started = time.perf_counter()
        super_resolve(model, lr, batch=1)
        seconds = (time.perf_counter() - started) / frames
        gflops = model_flops(model, 60, 80) / seconds / 1e9
        rows.append(
            {
                "model": name,
                "LR -> SR": "80x60 -> 320x240",
                "s/frame": seconds,
                "frames/s": 1 / seconds,
                "GFLOP/frame": model_flops(model, 60, 80) / 1e9,
                "achieved GFLOP/s": gflops,
                "conv 64->64 GFLOP/s at 80x60 (x16)": conv["80x60"],
                "at 320x240": conv["320x240"],
                "% of the faster conv": 100 * gflops / max(conv.values()),
            }
        )
    return rows


def bench_tiling() -> dict:
    torch.manual_seed(0)
    model = build_model("rrdbnet", nf=16, nb=2, gc=8).eval()
    lr = np.random.default_rng(1).integers(0, 256, (1, 1080, 1920, 3), dtype=np.uint8)
    times = {}
    for label, tile in (("untiled", None), ("tiles 192 + 16", 192)):
        started = time.perf_counter()
        super_resolve(model, lr, batch=1, tile=tile, tile_pad=16)
        times[label] = time.perf_counter() - started

    def span(start: int, length: int) -> int:  # the tile with its context, clipped to the frame
        return min(length, start + 192 + 16) - max(0, start - 16)

    spans_y = [span(y, 1080) for y in range(0, 1080, 192)]
    spans_x = [span(x, 1920) for x in range(0, 1920, 192)]
    computed = sum(spans_y) * sum(spans_x)
    tiles_y, tiles_x = len(spans_y), len(spans_x)
    return {
        "model": "RRDBNet smoke size (16/2/8)",
        "LR": "1920x1080",
        "untiled s": times["untiled"],
        "tiled s": times["tiles 192 + 16"],
        "time overhead %": 100 * (times["tiles 192 + 16"] / times["untiled"] - 1),
        "tiles": tiles_y * tiles_x,
        "pixel overhead %": 100 * (computed / (1080 * 1920) - 1),
    }


def bench_cli_hd(work: Path) -> list[dict]:
    """Whole ``arsr sr`` processes on a 1920x1080 clip: wall time and peak RSS, measured by GNU time around a
    fresh process (a forked child would inherit this process's high-water mark)."""
    clip = work / "hd.avi"
    write_video(clip, np.random.default_rng(2).integers(0, 256, (2, 1080, 1920, 3), dtype=np.uint8))
    rows = []
    for label, output in (("FFV1 AVI", work / "o.avi"), ("PNG frames", work / "frames")):
        command = [
            sys.executable,
            "-m",
            "arsr_lib",
            "sr",
            str(clip),
            "-m",
            "bicubic",
            "-o",
            str(output),
            "--quiet",
        ]
        started = time.perf_counter()
        res = subprocess.run(
            ["/usr/bin/time", "-f", "maxrss_kb=%M", *command],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        kilobytes = int(res.stderr.rsplit("maxrss_kb=", 1)[1].split()[0])
        rows.append(
            {
                "command": f"arsr sr (bicubic), 2 frames 1920x1080 -> 7680x4320, {label}",
                "wall s": time.perf_counter() - started,
                "peak RSS GiB": kilobytes / 2**20,
            }
        )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks" / "bench_pretrained.md")
    args = ap.parse_args()
    threads = torch.get_num_threads()
    env = f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, threads {threads}"
    with tempfile.TemporaryDirectory() as tmp:
        cli = pd.DataFrame(bench_cli_hd(Path(tmp)))
        parts = [pd.DataFrame(bench_pretrained(args.frames)), pd.DataFrame([bench_tiling()]), cli]
    text = f"machine: {env}\n\n" + "\n\n".join(p.round(3).to_markdown(index=False) for p in parts) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

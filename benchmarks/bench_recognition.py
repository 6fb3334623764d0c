"""Recognition throughput and an estimate of the full UCF101 split-1 evaluation (not a test).

    .venv/bin/python benchmarks/bench_recognition.py [--out reports/benchmarks/bench_recognition.md]

Measures test-protocol videos/s (snippets x crops per video) of the TSN RGB and flow streams and of
ST-ResNet, with the smoke and paper architectures. The estimate of the whole UCF101 split-1 test set
(3783 videos) through every SR method and both recognisers combines measured per-frame costs:
SR (benchmarks/bench_sr.py's paper-size frames/s), TV-L1 (bench_flow.py) and scoring (here), with
an assumed 180 frames per video (UCF101's mean duration, 7.2 s, at 25 fps).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arsr_lib import config  # noqa: E402
from arsr_lib.models import build_model  # noqa: E402
from arsr_lib.recognition.training import recogniser_spec  # noqa: E402


@torch.no_grad()
def bench(device: str) -> list[dict]:
    rows = []
    for size in ("smoke", "paper"):
        r = config.load(size).recognition
        n = r.test_snippets * r.test_crops
        for kind in ("tsn_rgb", "tsn_flow", "stresnet"):
            spec = recogniser_spec(kind, 101, r)
            m = build_model(spec["arch"], **spec["kwargs"]).to(device).eval()
            rgb = torch.rand(1, n, 3, r.crop, r.crop, device=device)
            flo = torch.rand(1, n, 2 * r.new_length, r.crop, r.crop, device=device)
            run = (
                (lambda: m(rgb, flo))
                if kind == "stresnet"
                else (lambda: m(rgb if kind == "tsn_rgb" else flo))
            )
            run()
            t = time.perf_counter()
            n_videos = 3 if size == "smoke" else 1
            for _ in range(n_videos):
                run()
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            dt = (time.perf_counter() - t) / n_videos
            rows.append(
                {"model": kind, "size": size, "inputs per video": n, "videos/s": 1 / dt, "s/video": dt}
            )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument(
        "--sr-fps", type=float, help="paper-size SR frames/s averaged over methods (from bench_sr)"
    )
    ap.add_argument("--tvl1-pairs", type=float, default=1.89, help="TV-L1 pairs/s at 320x240 (bench_flow)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    import pandas as pd

    rows = bench(args.device)
    df = pd.DataFrame(rows).round(3)
    text = (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {args.device}\n\n"
    )
    text += df.to_markdown(index=False) + "\n"
    if args.sr_fps:
        frames, videos, methods = 180, 3783, 7  # 7 SR methods besides HR and Bicubic
        paper = df[df["size"] == "paper"].set_index("model")["s/video"]
        per_video = (
            methods * frames / args.sr_fps
            + (methods + 2) * frames / args.tvl1_pairs
            + (methods + 2) * (paper["tsn_rgb"] + paper["tsn_flow"])
            + 7 * paper["stresnet"]
        )
        text += (
            f"\nestimate, UCF101 split-1 test set ({videos} videos x {frames} frames), {methods} SR methods "
            f"+ HR + Bicubic, TV-L1 flow, TSN both streams and ST-ResNet on 7 pairings: "
            f"{per_video:.0f} s per video, "
            f"{per_video * videos / 3600:.0f} h in total on this machine\n"
        )
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""numpy's BLAS threads (``compute.blas_threads``): what 1 thread saves and that it keeps the bits.

    python benchmarks/blas_threads.py [--frames 400] [--runs default 1]

Each setting runs in a fresh process that first does what a pipeline process does before its numpy work (a
torch convolution on ``compute.threads`` = 2 threads), then times ``degrade.downscale`` (the x4 LR of a
96x96 SynthActions frame: two small matrix products in numpy's BLAS) and ``bicubic_upscale``, alone and with
a torch convolution between frames (as SR inference interleaves them), and hashes every output. ``default``
leaves numpy's BLAS at its own thread count (one per core); ``N`` limits it to N threads with threadpoolctl,
as ``devices.pin_cpu_numerics`` does. Equal digests: the same bits. Writes
``reports/benchmarks/blas_threads.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(setting: str, n_frames: int) -> None:
    import hashlib

    import numpy as np
    import torch
    from threadpoolctl import ThreadpoolController

    sys.path.insert(0, str(ROOT))
    from arsr_lib.data.degrade import bicubic_upscale, downscale

    torch.set_num_threads(2)
    controller = ThreadpoolController()
    if setting != "default":
        controller.select(internal_api="openblas").limit(limits=int(setting))
    blas = [
        {"library": i["internal_api"], "threads": i["num_threads"]}
        for i in controller.info()
        if i["user_api"] == "blas"
    ]
    conv = torch.nn.Conv2d(32, 32, 3, padding=1)
    x = torch.rand(4, 32, 24, 24)
    with torch.no_grad():
        conv(x)
    frames = np.random.default_rng(0).integers(0, 256, (n_frames, 96, 96, 3), dtype=np.uint8)
    digest = hashlib.sha256()
    out = {"setting": setting, "blas": blas}

    t = time.perf_counter()
    lrs = [downscale(f) for f in frames]
    out["downscale ms/frame"] = 1000 * (time.perf_counter() - t) / n_frames
    t = time.perf_counter()
    ups = [bicubic_upscale(lr) for lr in lrs]
    out["bicubic_upscale ms/frame"] = 1000 * (time.perf_counter() - t) / n_frames
    t = time.perf_counter()
    with torch.no_grad():
        for f in frames:
            conv(x)
            downscale(f)
    out["conv + downscale ms/frame"] = 1000 * (time.perf_counter() - t) / n_frames
    for a in (*lrs, *ups):
        digest.update(a.tobytes())
    out["digest"] = digest.hexdigest()[:16]
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", nargs="+", default=["default", "1"])
    ap.add_argument("--frames", type=int, default=400)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.frames)
        return
    import pandas as pd

    rows = []
    for setting in args.runs:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", setting, "--frames", str(args.frames)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        row["blas"] = ", ".join(f"{b['library']} x{b['threads']}" for b in row["blas"])
        rows.append(row)
    table = pd.DataFrame(rows).round(3)
    same = table["digest"].nunique() == 1
    text = (
        f"machine: {platform.machine()}, {os.cpu_count()} cores; torch on 2 threads; {args.frames} random "
        "96x96 frames per setting; each setting a fresh process\n\n"
        + table.to_markdown(index=False)
        + f"\n\nsame bits across settings: {'yes' if same else 'NO'}\n"
    )
    out = ROOT / "reports" / "benchmarks" / "blas_threads.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

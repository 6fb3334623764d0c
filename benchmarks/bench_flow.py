"""Flow and rawframes throughput (whole-process wall-clock figures, not a test).

    .venv/bin/python benchmarks/bench_flow.py [--pairs 16] [--out reports/bench_flow.md]

Flow: frame pairs/s for TV-L1, DIS and Farneback at 320x240 and 96x96, in one process and
with ``workers=2`` (pairs split over a process pool). Rawframes: videos/s and frames/s of
``arsr frames`` (HR variant, DIS flow, JPEG) on SynthActions, with --workers 1 and 2.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arsr_lib.data.flow import compute_flow  # noqa: E402


def frames_for(h: int, w: int, n: int) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(0)
    big = cv2.GaussianBlur(rng.integers(0, 256, (h + 64, w + 64, 3), dtype=np.uint8), (0, 0), 1.5)
    return np.stack([big[32 - k % 5 : 32 - k % 5 + h, 32 + k % 7 : 32 + k % 7 + w] for k in range(n + 1)])


def bench_flow(pairs: int) -> list[dict]:
    rows = []
    for w, h in ((320, 240), (96, 96)):
        for method in ("tvl1", "dis", "farneback"):
            n = pairs if method != "tvl1" or w < 200 else max(4, pairs // 2)
            fr = frames_for(h, w, n)
            for workers in (1, 2):
                compute_flow(fr[:2], method)  # warm-up (library load)
                t = time.perf_counter()
                compute_flow(fr, method, workers=workers)
                dt = time.perf_counter() - t
                rows.append(
                    {
                        "method": method,
                        "size": f"{w}x{h}",
                        "workers": workers,
                        "pairs": n,
                        "pairs/s": n / dt,
                        "ms/pair": 1000 * dt / n,
                    }
                )
    return rows


def bench_rawframes(tmp: Path) -> list[dict]:
    from arsr_lib.data import synth
    from arsr_lib.data.extract import extract_dataset
    from arsr_lib.data.frames import FramesConfig
    from arsr_lib.data.splitfiles import load_ucf101

    cfg = synth.SynthConfig(groups=3, clips_per_group=2, frames=32)
    root = synth.generate(tmp / "synth", cfg, workers=2, progress=False)
    ds = load_ucf101(root / "ucfTrainTestlist", 1, root)
    rows = []
    for workers in (1, 2):
        out = tmp / f"frames{workers}"
        t = time.perf_counter()
        extract_dataset(
            ds, out, FramesConfig(variant="hr", flow_method="dis"), workers=workers, progress=False
        )
        dt = time.perf_counter() - t
        n = len(ds.train) + len(ds.test)
        rows.append(
            {
                "what": "rawframes hr+DIS flow 96x96",
                "workers": workers,
                "videos": n,
                "videos/s": n / dt,
                "frames/s": n * cfg.frames / dt,
            }
        )
        shutil.rmtree(out)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=16)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    import pandas as pd

    cpu = platform.processor() or platform.machine()
    env = f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    flow = pd.DataFrame(bench_flow(args.pairs)).round(2)
    with tempfile.TemporaryDirectory() as tmp:
        raw = pd.DataFrame(bench_rawframes(Path(tmp))).round(2)
    text = f"machine: {env}\n\n{flow.to_markdown(index=False)}\n\n{raw.to_markdown(index=False)}\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

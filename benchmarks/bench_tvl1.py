"""The torch TV-L1 (``arsr_lib.data.tvl1``) against OpenCV's: accuracy and speed, on this CPU.

::

    python benchmarks/bench_tvl1.py                  # writes reports/benchmarks/bench_tvl1.{md,json}
    python benchmarks/bench_tvl1.py --quick --out /tmp/x   # a few pairs (tested)

Accuracy, the same pairs through both implementations with the pinned parameters (``protocol.TVL1_PARAMS``):

* SynthActions clips (validation groups of the ``synth`` size, 96x96) against their exact ground-truth flow:
  end-point error over the whole frame and over the actor, torch and OpenCV side by side;
* the real UCF101 clips of ../shared/realdata at their own size (320x240): the end-point error between the
  two, and the share of TSN-quantised values (bound 20, 8 bits) that are equal or within one level.

Speed: frame pairs per second at 320x240 and 96x96 for OpenCV's TV-L1 and the torch one, one after the other
in this process with the same thread count (OpenCV one pair at a time, torch in batches), and the ratio. The
GPU figure is a projection from a stated model (labelled as such): the bytes an unfused iteration moves per
pixel times the iterations of a pair (``tvl1.iterations_per_pair``) over an H100's memory bandwidth.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsr_lib.core import protocol  # noqa: E402
from arsr_lib.data import tvl1  # noqa: E402
from arsr_lib.data.flow import _gray, make_flow_engine, quantize  # noqa: E402
from arsr_lib.data.synth import CLASS_SPECS, config_for, render_clip  # noqa: E402
from arsr_lib.data.video import read_video  # noqa: E402

REAL = ROOT.parent / "shared" / "realdata" / "clips" / "ucf101"
H100_BANDWIDTH = 3.35e12  # bytes/s, H100 SXM HBM3 (NVIDIA data sheet)


def _opencv(pairs) -> tuple[list[np.ndarray], float]:
    engine = make_flow_engine("tvl1")
    t0 = time.perf_counter()
    out = [engine.calc(_gray(a), _gray(b), None) for a, b in pairs]
    return out, time.perf_counter() - t0


def _torch(pairs, batch: int, fused: bool = False) -> tuple[list[np.ndarray], float]:
    if fused:  # compile outside the timing: the first call of each shape compiles
        tvl1.tvl1_flow(pairs[: min(batch, len(pairs))], batch=batch, fused=True)
    t0 = time.perf_counter()
    out = tvl1.tvl1_flow(pairs, batch=batch, fused=fused)
    return out, time.perf_counter() - t0


def synth_accuracy(n_clips: int) -> dict:
    cfg = config_for("synth")
    pairs, gts, masks = [], [], []
    classes = [c for c in CLASS_SPECS if c in cfg.classes]
    for k in range(n_clips):
        cls = classes[k % len(classes)]
        r = render_clip(
            cfg, cls, cfg.validation_groups[k % len(cfg.validation_groups)], 1 + k // len(classes)
        )
        for t in (3, 9):
            pairs.append((r["frames"][t], r["frames"][t + 1]))
            gts.append(r["flow"][t])
            masks.append(r["masks"][t])
    cv, _ = _opencv(pairs)
    th, _ = _torch(pairs, 16)
    row = {"pairs": len(pairs)}
    for name, flows in (("OpenCV", cv), ("torch", th)):
        e = [np.linalg.norm(f - g, axis=-1) for f, g in zip(flows, gts)]
        row[f"{name} EPE (px)"] = float(np.mean([x.mean() for x in e]))
        row[f"{name} actor EPE (px)"] = float(np.mean([x[m].mean() for x, m in zip(e, masks) if m.any()]))
    row["torch / OpenCV, actor EPE"] = row["torch actor EPE (px)"] / row["OpenCV actor EPE (px)"]
    return row


def real_agreement(max_pairs: int) -> dict:
    pairs = []
    for video in sorted(p for p in REAL.rglob("*") if p.suffix in (".avi", ".mp4")):
        frames = read_video(video, max_frames=4)
        pairs += [(frames[i], frames[i + 1]) for i in range(len(frames) - 1)]
        if len(pairs) >= max_pairs:
            break
    pairs = pairs[:max_pairs]
    cv, _ = _opencv(pairs)
    sizes = ", ".join(sorted({f"{a.shape[1]}x{a.shape[0]}" for a, _ in pairs}))
    row: dict = {"pairs": len(pairs), "videos": len(pairs) // 3, "sizes": sizes}
    qa = np.concatenate([quantize(f[None]).ravel() for f in cv]).astype(int)
    for label, fused in (("torch", False), ("torch fused", True)):
        th, _ = _torch(pairs, 4, fused)
        qb = np.concatenate([quantize(f[None]).ravel() for f in th]).astype(int)
        row[f"EPE {label} vs OpenCV (px)"] = float(
            np.mean([np.linalg.norm(a - b, axis=-1).mean() for a, b in zip(cv, th)])
        )
        row[f"{label}: quantised equal (%)"] = 100 * float(np.mean(qa == qb))
        row[f"{label}: quantised within one level (%)"] = 100 * float(np.mean(np.abs(qa - qb) <= 1))
    return row


def speed(size: tuple[int, int], pairs_n: int, batch: int) -> dict:
    w, h = size
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur(rng.integers(0, 256, (h + 8, w + 8, 3), dtype=np.uint8), (0, 0), 1.5)
    frames = [np.ascontiguousarray(base[k % 3 : k % 3 + h, k % 5 : k % 5 + w]) for k in range(pairs_n + 1)]
    pairs = [(frames[i], frames[i + 1]) for i in range(pairs_n)]
    _, t_cv = _opencv(pairs)
    _, t_th = _torch(pairs, batch)
    _, t_fu = _torch(pairs, batch, fused=True)
    return {
        "size": f"{w}x{h}",
        "pairs": pairs_n,
        "torch batch": batch,
        "OpenCV pairs/s": pairs_n / t_cv,
        "torch pairs/s": pairs_n / t_th,
        "torch fused pairs/s": pairs_n / t_fu,
        "torch / OpenCV": t_cv / t_th,
        "torch fused / OpenCV": t_cv / t_fu,
    }


def gpu_projection() -> dict:
    unfused, fused = (tvl1.bytes_per_pair(240, 320, f) for f in (False, True))
    return {
        "full-resolution iterations per pair (320x240, at most)": tvl1.iterations_per_pair(240, 320),
        "bytes per pair, unfused (model)": unfused,
        "H100 pairs/s, unfused, memory-bound (projection)": H100_BANDWIDTH / unfused,
        "bytes per pair, fused (model)": fused,
        "H100 pairs/s, fused, memory-bound (projection)": H100_BANDWIDTH / fused,
    }


def markdown(r: dict) -> str:
    lines = [
        f"TV-L1, torch (arsr_lib.data.tvl1) against OpenCV's cv2.optflow.DualTVL1OpticalFlow; "
        f"{platform.machine()}, {torch.get_num_threads()} torch thread(s), OpenCV {cv2.__version__} with "
        f"{cv2.getNumThreads()} thread(s); parameters {protocol.TVL1_PARAMS}",
        "",
        "**On SynthActions against the exact flow** (validation clips of the synth size, 96x96)",
        "",
        "| measure | value |",
        "|---|---:|",
        *[f"| {k} | {v:.4g} |" for k, v in r["synth"].items()],
        "",
        "**On the real UCF101 clips, torch against OpenCV** (TSN quantisation: bound 20, 8 bits)",
        "",
        "| measure | value |",
        "|---|---:|",
        *[f"| {k} | {v if isinstance(v, str) else f'{v:.4g}'} |" for k, v in r["real"].items()],
        "",
        "**Speed on this CPU**, one after the other in one process",
        "",
        "| size | pairs | torch batch | OpenCV pairs/s | torch pairs/s | torch fused pairs/s | "
        "torch / OpenCV | fused / OpenCV |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {s['size']} | {s['pairs']} | {s['torch batch']} | {s['OpenCV pairs/s']:.2f} | "
            f"{s['torch pairs/s']:.2f} | {s['torch fused pairs/s']:.2f} | {s['torch / OpenCV']:.2f} | "
            f"{s['torch fused / OpenCV']:.2f} |"
            for s in r["speed"]
        ],
        "",
        "fused: the fixed-point iteration (`tvl1._inner`) compiled by torch.compile (inductor, C++ on the "
        "CPU), compiled before the timing.",
        "",
        "**GPU: a projection, not a measurement** (no GPU was lent): "
        f"{tvl1.BYTES_PER_PIXEL_ITERATION[False]} (unfused) or {tvl1.BYTES_PER_PIXEL_ITERATION[True]} "
        f"(fused) bytes per pixel and iteration x the iterations of a pair (at most: pairs that converge "
        f"early cost less) / the H100's {H100_BANDWIDTH / 1e12:.2f} TB/s",
        "",
        "| measure | value |",
        "|---|---:|",
        *[f"| {k} | {v:.4g} |" for k, v in r["gpu"].items()],
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "reports" / "benchmarks" / "bench_tvl1"))
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    cv2.setNumThreads(a.threads)
    t0 = time.perf_counter()
    r = {
        "synth": synth_accuracy(2 if a.quick else 26),
        "real": real_agreement(2 if a.quick else 30),
        "speed": [
            speed((320, 240), 2 if a.quick else 8, 4 if a.quick else 8),
            speed((96, 96), 4 if a.quick else 32, 4 if a.quick else 32),
        ],
        "gpu": gpu_projection(),
    }
    r["seconds"] = time.perf_counter() - t0
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(markdown(r))
    out.with_suffix(".json").write_text(json.dumps(r, indent=1))
    print(markdown(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())

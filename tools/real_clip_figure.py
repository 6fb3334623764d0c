"""Figure: a real UCF101 frame at x4 LR, then bicubic, RealSR and Real-ESRGAN, and the HR frame, cropped.

    .venv/bin/python tools/real_clip_figure.py
        [--clip ../shared/realdata/clips/ucf101/Basketball/v_Basketball_g01_c01.avi]
        [--frame 30] [--out reports/benchmarks/real_clip_sr.png]

The LR is our MATLAB-exact x4 degradation of the HR frame; each panel is the same 96x96 HR-pixel crop around
the frame's most detailed region, nearest-neighbour enlarged. PSNR-Y of each whole frame is in its title.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsr_lib.data.degrade import bicubic_upscale, downscale, modcrop  # noqa: E402
from arsr_lib.data.video import read_video  # noqa: E402
from arsr_lib.report.io import save_figure  # noqa: E402
from arsr_lib.sr.inference import load_sr_model, super_resolve  # noqa: E402
from arsr_lib.sr.metrics import psnr_y, rgb_to_y  # noqa: E402

CLIP = ROOT.parent / "shared" / "realdata" / "clips" / "ucf101" / "Basketball" / "v_Basketball_g01_c01.avi"
CROP = 96


def detailed_box(hr: np.ndarray, size: int) -> tuple[slice, slice]:
    """The ``size`` x ``size`` window with the most gradient energy (on a coarse grid)."""
    y = rgb_to_y(hr)
    energy = np.abs(np.diff(y, axis=0))[:, :-1] + np.abs(np.diff(y, axis=1))[:-1]
    best, box = -1.0, (0, 0)
    for top in range(0, energy.shape[0] - size, size // 4):
        for left in range(0, energy.shape[1] - size, size // 4):
            value = energy[top : top + size, left : left + size].sum()
            if value > best:
                best, box = value, (top, left)
    return slice(box[0], box[0] + size), slice(box[1], box[1] + size)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", type=Path, default=CLIP)
    ap.add_argument("--frame", type=int, default=30)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks" / "real_clip_sr.png")
    args = ap.parse_args()
    hr = modcrop(read_video(args.clip, max_frames=args.frame + 1)[args.frame : args.frame + 1])
    lr = downscale(hr)
    panels = {"LR (x1/4)": np.repeat(np.repeat(lr, 4, 1), 4, 2), "Bicubic": bicubic_upscale(lr)}
    for title, name in (("RealSR (DF2K)", "realsr-df2k"), ("Real-ESRGAN x4plus", "realesrgan-x4plus")):
        panels[title] = super_resolve(load_sr_model(name), lr)
    panels["HR"] = hr
    ys, xs = detailed_box(hr[0], CROP)
    fig, axes = plt.subplots(1, len(panels), figsize=(2.2 * len(panels), 2.6))
    for ax, (title, frames) in zip(axes, panels.items()):
        ax.imshow(frames[0][ys, xs], interpolation="nearest")
        score = "" if title.startswith(("LR", "HR")) else f"\n{psnr_y(frames, hr):.2f} dB PSNR-Y"
        ax.set_title(title + score, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(
        f"{args.clip.name}, frame {args.frame} ({hr.shape[2]}x{hr.shape[1]}); MATLAB-exact x4 LR; "
        f"crop {CROP}x{CROP} HR px",
        fontsize=8,
    )
    fig.tight_layout()
    save_figure(fig, args.out, dpi=100)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

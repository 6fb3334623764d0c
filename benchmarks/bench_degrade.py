"""How exactly our x4 degradation reproduces MATLAB's imresize: the Set5 golden comparison, as a table.

    .venv/bin/python benchmarks/bench_degrade.py [--out reports/benchmarks/degrade_set5.md]

Per Set5 image: the share of LR pixels identical to the MATLAB-made LR file, for our degradation (rounding
after each 1-D pass, symmetric border as MATLAB's source), the same with the edge pixel repeated at the
border, and the single rounding at the end this project used before; the share identical away from a 2-px
border; and the bicubic x4 PSNR-Y of the MATLAB LR (Y of BT.601, 4-px border), whose Set5 mean is published
as 28.42 dB.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsr_lib.data.degrade import _round_uint8, bicubic_upscale, downscale, imresize, modcrop, resize_matrix  # noqa: E402
from arsr_lib.sr.metrics import psnr_y  # noqa: E402

SET5 = ROOT.parent / "shared" / "benchmarks" / "set5"


def single_rounding(hr: np.ndarray) -> np.ndarray:
    """The earlier degradation: both passes in float, rounded once at the end."""
    a = modcrop(hr).astype(np.float64)
    mh = resize_matrix(a.shape[0], a.shape[0] // 4, 0.25)
    mw = resize_matrix(a.shape[1], a.shape[1] // 4, 0.25)
    return _round_uint8(np.einsum("oh,hwc,pw->opc", mh, a, mw)).astype(np.uint8)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks" / "degrade_set5.md")
    args = ap.parse_args()
    rows, totals = [], {}
    for hr_path in sorted(SET5.glob("*_HR.png")):
        hr = cv2.cvtColor(cv2.imread(str(hr_path)), cv2.COLOR_BGR2RGB)
        lr = cv2.cvtColor(cv2.imread(str(hr_path).replace("_HR", "_LR")), cv2.COLOR_BGR2RGB)
        ours = downscale(hr)
        variants = {
            "ours (%)": ours,
            "edge repeated (%)": imresize(modcrop(hr), 0.25, padding="replicate"),
            "one rounding (%)": single_rounding(hr),
        }
        row = {"image": hr_path.name[:7], "LR size": f"{lr.shape[1]}x{lr.shape[0]}"}
        for name, out in variants.items():
            row[name] = 100 * float((out == lr).mean())
            totals.setdefault(name, []).append(((out == lr).sum(), lr.size))
        row["ours, 2 px from the border (%)"] = 100 * float((ours[2:-2, 2:-2] == lr[2:-2, 2:-2]).mean())
        row["bicubic x4 PSNR-Y (dB)"] = psnr_y(bicubic_upscale(lr), modcrop(hr))
        rows.append(row)
    table = pd.DataFrame(rows)
    summary = {"image": "all", "LR size": ""}
    for name, parts in totals.items():
        summary[name] = 100 * sum(s for s, _ in parts) / sum(n for _, n in parts)
    summary["ours, 2 px from the border (%)"] = table["ours, 2 px from the border (%)"].mean()
    summary["bicubic x4 PSNR-Y (dB)"] = table["bicubic x4 PSNR-Y (dB)"].mean()
    table = pd.concat([table, pd.DataFrame([summary])], ignore_index=True)
    caption = (
        "protocol: Set5 x4 (shared/benchmarks/set5), MATLAB-made LR; identical = the share of LR values "
        "(pixel x channel) equal to MATLAB's; PSNR-Y on Y of BT.601, 4-px border; 'all' pools the values "
        "(PSNR: mean of the five images)"
    )
    text = f"{caption}\n\n{table.round(3).to_markdown(index=False)}\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

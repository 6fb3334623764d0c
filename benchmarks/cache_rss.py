"""Resident memory of recogniser training's decoded-image cache, with glibc's mmap threshold free or pinned.

``python benchmarks/cache_rss.py --root data/rawframes/synth-synth/hr --samples 12000``
(writes ``reports/benchmarks/cache_rss.md``; the root is any rawframes variant folder: ``<class>/<video>/``)

Each row is a fresh process that reads ``--samples`` TSN-RGB training samples (3 segments x 5 frames, 80-px
crops) through :class:`arsr_lib.recognition.RawframeClips` with a 1 GiB decoded-image cache, and reports how
much its resident memory grew against the bytes the cache holds. glibc raises its mmap threshold each time
a large mmapped block is freed; the sample's temporaries then come from the heap, and the small long-lived
cached images pin its pages. ``cache.pin_mmap_threshold`` keeps the threshold at glibc's initial 128 kB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import glob, json, sys, time
from arsr_lib.cache import pin_mmap_threshold
from arsr_lib.recognition import ClipConfig, RawframeClips
mode, root, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "pinned":
    assert pin_mmap_threshold()
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) >> 10
folders = sorted(glob.glob(root + "/*/*"))
clips = RawframeClips(folders, [0] * len(folders), ClipConfig("rgb", 3, 5, 80, flip=True), seed=0,
                      cache_bytes=1 << 30)
base, t = rss(), time.time()
for i in range(samples):
    clips[i]
grown = rss() - base
print(json.dumps({"videos": len(folders), "cached_mb": clips._images.bytes >> 20, "rss_growth_mb": grown,
                  "seconds": round(time.time() - t, 1)}))
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, required=True, help="a rawframes variant folder (<class>/<video>/)")
    ap.add_argument("--samples", type=int, default=12000)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks" / "cache_rss.md")
    args = ap.parse_args(argv)
    rows = []
    for mode in ("free", "pinned"):
        res = subprocess.run(
            [sys.executable, "-c", CHILD, mode, str(args.root), str(args.samples)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT)},
        )
        rows.append((mode, json.loads(res.stdout.strip().splitlines()[-1])))
    names = {"free": "glibc's dynamic (default)", "pinned": "pinned at 128 kB (`cache.pin_mmap_threshold`)"}
    lines = [
        "# Recogniser training's decoded-image cache: resident memory against the bytes cached",
        "",
        f"`benchmarks/cache_rss.py --samples {args.samples}` on {rows[0][1]['videos']} videos' rawframes "
        f"(`{args.root.name}` of `{args.root.parent.name}`); TSN-RGB samples, 1 GiB cache; "
        f"one fresh process per row; Python {sys.version.split()[0]}, {sys.platform}.",
        "",
        "| mmap threshold | samples | cached (MB) | RSS growth (MB) | RSS growth / cached | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mode, r in rows:
        ratio = r["rss_growth_mb"] / max(1, r["cached_mb"])
        cells = (names[mode], args.samples, r["cached_mb"], r["rss_growth_mb"], f"{ratio:.2f}", r["seconds"])
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Copy committed report tables into the docs, so that every number there comes from a committed report.

``python tools/docs_tables.py [--profile synth]`` rewrites, between the ``<!-- tables:start/end -->`` marks:

* ``docs/results.md``: every table of ``reports/<profile>/`` with its protocol caption;
* ``docs/performance.md``: ``reports/benchmarks/*.md`` and ``reports/<profile>/timings.md``;
* ``README.md``: the headline tables (the paired tests of the paper's claims, two-stream fusion, the
  calibration).
"""

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = [
    ("Splits (notebook 01)", "01_splits"),
    ("What x4 does, per class (notebook 01)", "01_degradation_stats"),
    ("SR training runs: loss terms and validation (notebook 02)", "02_training"),
    ("SR quality (notebook 02)", "02_sr_quality"),
    ("ToSR training runs (notebook 03)", "03_training"),
    ("Temporal consistency (notebook 03)", "03_temporal_consistency"),
    ("Flow error (notebook 04)", "04_flow_epe"),
    ("Flow error on validation (notebook 04)", "04_flow_epe_val"),
    ("Temporal consistency of each method's frames (notebook 04)", "04_temporal_consistency"),
    ("Temporal consistency on validation (notebook 04)", "04_temporal_consistency_val"),
    ("The LR oracle: which classes x4 LR still separates (notebook 05, validation)", "05_lr_oracle"),
    (
        "The temporal premise: does an SR's flicker cost the temporal stream? (notebook 05)",
        "05_temporal_premise",
    ),
    ("The background swap test (notebook 05)", "05_background_swap"),
    ("Spatial stream, TSN RGB (notebook 05)", "05_spatial"),
    ("Temporal stream, TSN flow", "05_temporal"),
    ("Spatial stream per class (top-1 %)", "05_per_class_spatial"),
    ("Temporal stream per class (top-1 %)", "05_per_class_temporal"),
    ("Detail restored on the twin classes", "05_detail_recovery"),
    ("Two-stream fusion", "05_fusion"),
    ("Paired tests", "05_paired_tests"),
    ("Power calculation of the test split (validation discordance)", "05_power"),
    ("Calibration of SynthActions", "05_calibration"),
]
FIGURES = [
    "01_degradation_grid",
    "02_sr_crops",
    "03_flicker",
    "04_flow_comparison",
    "05_prediction_flips",
    "06_viewer_views",
]
REAL_IMAGES = [
    ("SR on real images: Set5 and UCF101 clips (`benchmarks/bench_sr_real.py`)", "sr_real"),
    ("The x4 degradation against MATLAB's on Set5 (`benchmarks/bench_degrade.py`)", "degrade_set5"),
]
BENCHMARKS = [
    ("Flow and rawframes (`benchmarks/bench_flow.py`)", "bench_flow"),
    ("TV-L1 in torch against OpenCV's: accuracy and speed (`benchmarks/bench_tvl1.py`)", "bench_tvl1"),
    ("The synth profile's budget, by kind of work (`benchmarks/synth_budget.py`)", "synth_budget"),
    ("The same design with the 23-block RRDB (`benchmarks/synth_budget.py`)", "synth_budget_rrdb23"),
    ("SR inference and training (`benchmarks/bench_sr.py`)", "bench_sr"),
    ("Recognition (`benchmarks/bench_recognition.py`)", "bench_recognition"),
    ("Pretrained RRDBNet, tiling, `arsr sr` memory (`benchmarks/bench_pretrained.py`)", "bench_pretrained"),
    ("`make test` from a fresh clone (`benchmarks/bench_make_test.sh`)", "make_test"),
    ("Scale: memory and time against the number of videos (`benchmarks/bench_scale.py`)", "bench_scale"),
    (
        "`arsr recognize` on 1, 10 and 60 s of 1080p: memory and time (`benchmarks/bench_recognize.py`)",
        "bench_recognize",
    ),
    ("Bad input: what the command line says (`benchmarks/bad_input.py`)", "bad_input"),
    ("UCF101 split 1 at paper sizes, by stage (`benchmarks/gpu_check.py --device cpu`)", "gpu_check_cpu"),
    ("numpy's BLAS threads: speed and bits (`benchmarks/blas_threads.py`)", "blas_threads"),
    ("smoke before and after the BLAS change", "smoke_blas"),
    ("smoke before and after the decoded-image and LR-frame caches", "smoke_caches"),
    (
        "Recogniser schedules on smoke's validation split (`tools/recogniser_schedule.py`)",
        "recogniser_schedule_smoke",
    ),
    ("The smoke tables on another CPU kernel path (`benchmarks/report_spread.py`)", "report_spread_smoke"),
    ("The synth run's SR training, every recipe (`tools/sr_training_table.py`)", "sr_training_synth"),
    ("The decoded-image cache's resident memory and step time (`benchmarks/cache_rss.py`)", "cache_rss"),
    ("Recogniser steps: memory order, threads, processes (`benchmarks/channels_last.py`)", "channels_last"),
    ("Recogniser steps: glibc's malloc thresholds (`benchmarks/malloc.py`)", "malloc"),
    ("smoke: the allocator fix, NHWC TSN, the recogniser lane, fixed malloc thresholds", "smoke_lane"),
]


def _table(path: Path, link: str) -> list[str]:
    lines = path.read_text().strip().splitlines()
    if lines[0].startswith("# "):  # a report's own title: the section title stands for it
        lines = lines[1:]
        while lines and not lines[0].strip():
            lines = lines[1:]
    caption = lines[0] if lines[0].startswith("protocol:") else None
    body = lines[2:] if caption else lines
    out = [f"`{link}`", ""] + body + [""]
    if caption:
        out += [f"<sub>{caption}</sub>", ""]
    return out


# the README's claims table: the seeded reading of each claim (docs/results.md has every column)
CLAIM_COLUMNS = [
    "comparison",
    "recogniser",
    "seeds",
    "mean diff over seeds (pts)",
    "seeds x groups CI low",
    "seeds x groups CI high",
    "p (seeds x groups)",
    "per-seed diffs (pts)",
    "MDE 80% (pts)",
    "focus videos",
    "focus diff (pts)",
    "focus CI low",
    "focus CI high",
    "focus MDE 80% (pts)",
]


def _columns(path: Path, link: str, columns: list[str]) -> list[str]:
    """A report's table with only ``columns`` (those it has), read from its CSV, under its caption."""
    import pandas as pd

    table = pd.read_csv(path.with_suffix(".csv"))
    table = table[[c for c in columns if c in table.columns]]
    first = path.read_text().strip().splitlines()[0]
    out = [f"`{link}` (selected columns)", "", table.to_markdown(index=False), ""]
    if first.startswith("protocol:"):
        out += [f"<sub>{first}</sub>", ""]
    return out


def _replace(path: Path, parts: list[str]) -> None:
    text = path.read_text()
    start, end = "<!-- tables:start -->", "<!-- tables:end -->"
    a, b = text.index(start), text.index(end) + len(end)
    path.write_text(text[:a] + "\n".join([start, "", *parts, end]) + text[b:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="synth")
    profile = ap.parse_args().profile
    rep = ROOT / "reports" / profile
    results = []
    for title, stem in RESULTS:
        if (rep / f"{stem}.md").is_file():
            results += [f"### {title}", ""] + _table(rep / f"{stem}.md", f"reports/{profile}/{stem}.md")
    for title, stem in REAL_IMAGES:
        path = ROOT / "reports" / "benchmarks" / f"{stem}.md"
        if path.is_file():
            results += [f"### {title}", ""] + _table(path, f"reports/benchmarks/{stem}.md")
    results += ["![A real UCF101 frame through each SR model](../reports/benchmarks/real_clip_sr.png)", ""]
    results += ["### Figures", ""] + [f"![{f}](../reports/{profile}/{f}.png)" for f in FIGURES] + [""]
    _replace(ROOT / "docs" / "results.md", results)
    perf = []
    for title, stem in BENCHMARKS:
        path = ROOT / "reports" / "benchmarks" / f"{stem}.md"
        if path.is_file():
            perf += [f"### {title}", ""] + _table(path, f"reports/benchmarks/{stem}.md")
    timings = rep / "timings.md"
    if timings.is_file():
        perf += [f"### `make reproduce` ({profile})", ""] + _table(timings, f"reports/{profile}/timings.md")
    _replace(ROOT / "docs" / "performance.md", perf)
    claims = rep / "05_paired_tests.md"
    headline = [
        "**The paper's claims as paired comparisons on the same test videos, over training seeds** "
        "(SynthActions)",
        "",
    ] + _columns(claims, f"reports/{profile}/05_paired_tests.md", CLAIM_COLUMNS)
    for title, stem in (
        ("**Two-stream recognition of ×4 LR test videos after each SR method**", "05_fusion"),
        ("**Calibration: what ×4 bicubic costs each stream, on validation and on test**", "05_calibration"),
        ("**The LR oracle on validation: what ×4 leaves to recover, per class**", "05_lr_oracle"),
        (
            "**The temporal premise: each method's flow, its error and the temporal stream**",
            "05_temporal_premise",
        ),
        ("**The background swap test: HR actor, each method's background**", "05_background_swap"),
    ):
        if (rep / f"{stem}.md").is_file():
            headline += [title, ""] + _table(rep / f"{stem}.md", f"reports/{profile}/{stem}.md")
    _replace(ROOT / "README.md", headline)


if __name__ == "__main__":
    main()

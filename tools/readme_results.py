"""Copy the headline tables of reports/smoke/ into README.md (between the results markers)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REP = ROOT / "reports" / "smoke"
TABLES = [("SR quality (notebook 02)", "02_sr_quality"), ("Temporal consistency (notebook 03)", "03_temporal_consistency"),
          ("Flow error (notebook 04)", "04_flow_epe"), ("Spatial stream, TSN RGB (notebook 05)", "05_spatial"),
          ("Temporal stream, TSN flow", "05_temporal"), ("Spatial stream per class (top-1 %)", "05_per_class_spatial"),
          ("Temporal stream per class (top-1 %)", "05_per_class_temporal"),
          ("Detail restored on the twin classes", "05_detail_recovery"), ("Two-stream fusion", "05_fusion"),
          ("Paired tests", "05_paired_tests"), ("Calibration of SynthActions", "05_calibration")]


def main() -> None:
    parts = ["<!-- results:start -->"]
    for title, stem in TABLES:
        md = (REP / f"{stem}.md").read_text().strip().splitlines()
        caption, table = md[0], "\n".join(md[2:])
        parts += [f"**{title}** — `reports/smoke/{stem}.md`", "", table, ""]
    parts.append(f"Protocol of these tables: {caption.removeprefix('protocol: ')}")
    parts += ["", "![degradation](reports/smoke/01_degradation_grid.png)", "![flicker](reports/smoke/03_flicker.png)",
              "![flow](reports/smoke/04_flow_comparison.png)", "![flips](reports/smoke/05_prediction_flips.png)",
              "![viewer](reports/smoke/06_viewer_views.png)", "<!-- results:end -->"]
    readme = (ROOT / "README.md").read_text()
    a, b = readme.index("<!-- results:start -->"), readme.index("<!-- results:end -->") + len("<!-- results:end -->")
    (ROOT / "README.md").write_text(readme[:a] + "\n".join(parts) + readme[b:])


if __name__ == "__main__":
    main()

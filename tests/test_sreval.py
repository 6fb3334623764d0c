"""The detail-recovery table on SynthActions' twin classes (bicubic only: no training needed)."""

import pytest

from arsr_lib.data import synth
from arsr_lib.data.splitfiles import load_ucf101
from arsr_lib.sr.sreval import detail_recovery_table


def test_detail_recovery_table_pairs_twins_and_bicubic_keeps_a_faint_trace(tmp_path):
    cfg = synth.SynthConfig(
        classes=("SwingRacket", "SwingBat", "DrinkBottle", "DrinkCup"),
        groups=3,
        clips_per_group=1,
        frames=3,
        noise_sigma=0.0,
    )
    root = synth.generate(tmp_path / "synth", cfg, progress=False)
    ds = load_ucf101(root / "ucfTrainTestlist", 1, root)
    table = detail_recovery_table(ds, {"Bicubic": None}, tmp_path / "sr", synth.DETAIL_PAIRS, progress=False)
    assert list(table.columns) == [
        "method",
        "SwingRacket / SwingBat (%)",
        "DrinkBottle / DrinkCup (%)",
        "twin videos",
    ]
    n_test_groups = len({i.group for i in ds.test})
    assert table.loc[0, "twin videos"] == 2 * n_test_groups  # every racket and bottle video has its twin
    for col in ("SwingRacket / SwingBat (%)", "DrinkBottle / DrinkCup (%)"):
        assert 3 < table.loc[0, col] < 50, (
            table
        )  # x4 keeps a faint trace of the 7-px mesh, bicubic cannot sharpen it
    one = detail_recovery_table(
        ds, {"Bicubic": None}, tmp_path / "sr", synth.DETAIL_PAIRS, max_twins=1, progress=False
    )
    assert one.loc[0, "twin videos"] == 2  # one twin pair per pair of classes
    with pytest.raises(ValueError, match="twin"):
        detail_recovery_table(
            ds,
            {"Bicubic": None},
            tmp_path / "sr",
            synth.DETAIL_PAIRS,
            items=[i for i in ds.test if i.class_name != "SwingBat"],
            progress=False,
        )


def test_training_report_reads_the_logs_tail_and_names_the_validation_set(tmp_path):
    from arsr_lib.sr.sreval import training_report

    run = tmp_path / "sosr"
    run.mkdir()
    rows = ["step,pixel,share_pixel,val_psnr_y"]
    for step in range(10, 101, 10):
        val = 30.0 + step / 100 if step % 50 == 0 else ""
        rows.append(f"{step},{step / 1000},{0.25 if step > 75 else 0.5},{val}")
    (run / "log.csv").write_text("\n".join(rows) + "\n")
    table, caption = training_report({"sosr": run, "absent": tmp_path / "none"}, "dis", "synth", 3)
    assert list(table["run"]) == ["sosr"]  # a run without a log is left out
    row = table.iloc[0]
    assert row["steps"] == 100
    assert row["pixel"] == pytest.approx((0.08 + 0.09 + 0.1) / 3)  # steps 80, 90, 100: the last 25 %
    assert row["share_pixel"] == pytest.approx(0.25)
    assert (row["val PSNR-Y first"], row["val PSNR-Y last"]) == (pytest.approx(30.5), pytest.approx(31.0))
    assert row["val gain, last share (dB)"] == pytest.approx(0.5)
    # no validation in the 25 % before the last (steps 51-75): no window mean to compare with
    assert "val mean gain, last share vs the one before (dB)" not in table
    assert "3 validation videos" in caption and "profile=synth" in caption and "last 25 % of steps" in caption


def test_training_table_window_means_damp_a_noisy_last_point(tmp_path):
    from arsr_lib.sr.sreval import training_table

    run = tmp_path / "duf"
    run.mkdir()
    # flat at 30 dB with alternating +-0.2 dB noise from step 60 on: the last point is a high one
    vals = {10: 28.0, 20: 28.5, 30: 29.0, 40: 29.5, 50: 30.0}
    vals.update({60: 30.2, 70: 29.8, 80: 30.2, 90: 29.8, 100: 30.2})
    rows = ["step,val_psnr_y"] + [f"{k},{v}" for k, v in vals.items()]
    (run / "log.csv").write_text("\n".join(rows) + "\n")
    row = training_table({"duf": run}).iloc[0]
    assert row["val gain, last share (dB)"] == pytest.approx(0.4)  # step 100 (high) against step 70 (low)
    # steps 80-100 (mean 30.067) against steps 60-70 (mean 30.0)
    assert row["val mean gain, last share vs the one before (dB)"] == pytest.approx(0.2 / 3)

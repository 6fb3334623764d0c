"""The detail-recovery table on SynthActions' twin classes (bicubic only: no training needed)."""

import pytest

from arsr_lib import synth
from arsr_lib.datasets import load_ucf101
from arsr_lib.sreval import detail_recovery_table


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

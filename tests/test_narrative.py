"""The sentences the notebooks print after each table: every number in them comes from the table."""

import pandas as pd
import pytest

from arsr_lib.report import narrative


def test_verdict_reads_the_interval():
    assert narrative.verdict(0.5, 3.0) == "holds"
    assert narrative.verdict(-3.0, -0.1) == "reversed"
    assert narrative.verdict(-1.0, 2.0) == "undecided on these videos"
    assert narrative.verdict(0.0, 2.0) == "undecided on these videos"  # touching zero decides nothing


def test_stream_summary_names_hr_bicubic_and_the_best_and_worst_sr():
    table = pd.DataFrame({"method": ["HR", "Bicubic", "VDSR", "SoSR"], "top-1 (%)": [90.0, 50.0, 60.0, 72.5]})
    text = narrative.stream_summary(table, "spatial")
    assert "**90.0 %**" in text and "**50.0 %**" in text and "(-40.0 points)" in text
    assert "SoSR is best at 72.5 % (+22.5 over bicubic, -17.5 to HR)" in text
    assert "VDSR worst at 60.0 % (+10.0 over bicubic)" in text
    assert "lacks" in narrative.stream_summary(table[table.method != "HR"], "spatial")


def test_quality_summary_leaves_hr_out_of_the_ranking():
    table = pd.DataFrame(
        {
            "method": ["HR", "Bicubic", "SoSR"],
            "PSNR-Y": [float("inf"), 30.0, 31.5],
            "warping error": [1.5, 0.75, 2.0],
        }
    )
    text = narrative.quality_summary(table)
    assert "PSNR-Y: highest SoSR (31.50 dB), lowest Bicubic (30.00 dB)" in text
    assert "warping error: lowest Bicubic (0.75), highest SoSR (2.00)" in text
    assert "HR video itself: warping error 1.50" in text and "inf" not in text


def test_calibration_summary_says_which_gap_meets_the_aim():
    table = pd.DataFrame(
        {"split": ["validation", "validation"], "stream": ["spatial", "temporal"], "gap (pts)": [33.6, 4.0]}
    )
    text = narrative.calibration_summary(table)
    assert "validation, spatial: 33.6 points (meets the 15-point aim)" in text
    assert "validation, temporal: 4.0 points (misses the 15-point aim)" in text


def test_paired_summary_gives_each_claim_its_verdict():
    table = pd.DataFrame(
        {
            "comparison": ["SoSR vs ESRGAN (spatial)", "plain vs paper"],
            "recogniser": ["TSN", "ST-ResNet"],
            "top-1 diff (pts)": [2.5, -1.0],
            "95% CI low": [0.5, -3.0],
            "95% CI high": [4.5, 1.0],
            "p_mcnemar": [0.012, 0.5],
        }
    )
    lines = narrative.paired_summary(table).splitlines()
    assert lines[0] == (
        "- SoSR vs ESRGAN (spatial), TSN: +2.50 points [0.50, 4.50], McNemar p = 0.012: **holds**"
    )
    assert lines[1].endswith("**undecided on these videos**")
    assert "No claim" in narrative.paired_summary(table.iloc[0:0])


def test_fusion_and_epe_summaries_compare_against_their_baselines():
    fusion = pd.DataFrame(
        {
            "pairing (frames + flow)": ["Bicubic + Bicubic", "paper"],
            "TSN top-1 (%)": [70.0, 75.0],
            "ST-ResNet top-1 (%)": [68.0, 66.0],
        }
    )
    text = narrative.fusion_summary(fusion, "paper", ("Bicubic + Bicubic", "absent"))
    assert "TSN: paper 75.0 %, against Bicubic + Bicubic 70.0 % (+5.0)" in text
    assert "ST-ResNet: paper 66.0 %, against Bicubic + Bicubic 68.0 % (-2.0)" in text
    epe = pd.DataFrame(
        {"frames from": ["HR", "Bicubic", "VDSR", "ESRGAN"], "EPE vs HR flow": [0, 0.1, 0.08, 0.2]}
    )
    text = narrative.epe_summary(epe)
    assert "bicubic frames is 0.100 px" in text and "closest is VDSR (0.080 px)" in text
    assert "furthest ESRGAN (0.200 px); 1 SR method(s) give flow closer" in text


@pytest.mark.parametrize("with_actor", [True, False])
def test_degradation_summary_reads_the_statistics(with_actor):
    stats = pd.DataFrame({"PSNR bicubic (dB)": [28.0, 30.0]})
    if with_actor:
        stats["PSNR bicubic actor (dB)"] = [20.0, 22.0]
        stats["EPE HR flow vs true (actor)"] = [0.2, 0.2]
        stats["EPE bicubic flow vs true (actor)"] = [0.3, 0.5]
    text = narrative.degradation_summary(stats)
    assert "Over 2 videos" in text and "PSNR of 29.00 dB" in text
    assert ("21.00 dB on the actor" in text and "(2.00×)" in text) == with_actor


def test_oracle_summary_names_the_classes_x4_destroys():
    table = pd.DataFrame(
        {
            "rgb: LR oracle on Bicubic": [100.0, 87.5, 93.8],
            "rgb: recoverable": [True, True, None],
            "flow: LR oracle on Bicubic": [100.0, 37.5, 68.8],
            "flow: recoverable": [True, False, None],
        },
        index=pd.Index(["Wave", "TurnWheelCW", "all"], name="class"),
    )
    text = narrative.oracle_summary(table, 75.0)
    assert "spatial: the LR oracle reaches 75 % on 2 of 2 classes (all classes 93.8 %)" in text
    assert "temporal: the LR oracle reaches 75 % on 1 of 2 classes (all classes 68.8 %)" in text
    assert "not recoverable from x4 LR: TurnWheelCW (38 %)" in text


def test_the_temporal_premise_table_and_its_sentence():
    from arsr_lib.recognition.tables import temporal_premise

    val = pd.DataFrame(
        {"method": ["HR", "Bicubic", "ESRGAN", "ToSR-ESRGAN"], "top-1 (%)": [55.0, 60, 50, 62]}
    )
    test = val.assign(**{"top-1 (%)": [88.0, 58, 49, 61]})
    epe = pd.DataFrame(
        {"frames from": ["HR", "Bicubic", "ESRGAN", "ToSR-ESRGAN"], "EPE vs HR flow": [0, 0.1, 0.3, 0.12]}
    )
    warp = pd.DataFrame(
        {"method": ["Bicubic", "ESRGAN", "ToSR-ESRGAN", "HR"], "warping error": [0.7, 2.9, 0.8, 1.5]}
    )
    table = temporal_premise(val, test, epe, warp)
    # HR scores below Bicubic here; it is a reference, not a candidate
    assert list(table["below Bicubic (val)"]) == ["reference", "reference", "yes", "no"]
    assert table.loc[2, "warping error"] == 2.9 and table.loc[3, "temporal top-1, test (%)"] == 61
    text = narrative.flicker_summary(table)
    assert text.startswith("Bicubic: 60.0 % on validation (EPE 0.100 px, warping error 0.700)")
    assert "the premise met: ESRGAN 50.0 % (EPE 0.300, warping error 2.900)" in text
    flat = table.assign(**{"below Bicubic (val)": "no"})
    assert "the flicker premise is not met on this data" in narrative.flicker_summary(flat)

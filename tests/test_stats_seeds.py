"""The claim statistics over training seeds and groups of videos (issue 28: training variance in claims)."""

import numpy as np
import pytest

from arsr_lib.recognition import stats


def _correct(rng, p, shape):
    return (rng.random(shape) < p).astype(int)


def test_a_claim_over_seeds_carries_the_between_seed_variation():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(20), 10)  # 20 groups of 10 videos
    b = _correct(rng, 0.6, (3, 200))
    steady = stats.seed_group_claim(b, b, groups)
    assert (
        steady["diff"] == 0 and steady["ci_low"] == steady["ci_high"] == 0 and steady["per_seed"] == [0, 0, 0]
    )
    # seed-to-seed swings of +-10 points: the interval must be wider than one seed's video-level interval
    swings = np.stack([_correct(rng, 0.6 + s, 200) for s in (-0.1, 0.1, 0.0)])
    claim = stats.seed_group_claim(swings, b, groups)
    one = stats.paired_bootstrap(swings[2], b[2])
    assert claim["ci_high"] - claim["ci_low"] > one["ci_high"] - one["ci_low"]
    assert len(claim["per_seed"]) == 3 and claim["seeds"] == 3 and claim["groups"] == 20
    assert claim["mde"] == pytest.approx((stats.Z95 + stats.Z80) * claim["se"])


def test_a_real_effect_is_found_and_grouped_videos_widen_the_interval():
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(30), 8)
    b = _correct(rng, 0.5, (3, 240))
    a = np.maximum(b, _correct(rng, 0.3, (3, 240)))  # a gets right all that b does, and more
    claim = stats.seed_group_claim(a, b, groups)
    assert claim["diff"] > 0.1 and claim["ci_low"] > 0 and claim["p_boot"] < 0.01
    # the same differences, but each group's videos identical (fully correlated): a wider interval
    copies = np.repeat(a[:, ::8], 8, axis=1), np.repeat(b[:, ::8], 8, axis=1)
    grouped = stats.seed_group_claim(*copies, groups)
    flat = stats.seed_group_claim(*copies, np.arange(240))
    assert grouped["ci_high"] - grouped["ci_low"] > 1.5 * (flat["ci_high"] - flat["ci_low"])


def test_claim_inputs_are_checked():
    with pytest.raises(ValueError, match=r"\(seeds, videos\)"):
        stats.seed_group_claim(np.zeros(5), np.zeros(5), np.zeros(5))
    with pytest.raises(ValueError, match="3 group labels for 5 videos"):
        stats.seed_group_claim(np.zeros((2, 5)), np.zeros((2, 5)), np.zeros(3))


@pytest.mark.slow
def test_the_synth_budget_runs_tiny(tmp_path):
    import json
    import subprocess
    import sys

    from conftest import ROOT

    out = tmp_path / "budget"
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "synth_budget.py"),
        "--tiny",
        "--iters",
        "1",
        "--out",
        str(out),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    rows = json.loads(out.with_suffix(".json").read_text())["rows"]
    stages = {r["stage"] for r in rows}
    assert "SR training sosr@2" in stages and "SR training rrdb_psnr@1" not in stages  # a shared start
    assert all(r["seconds"] > 0 for r in rows)

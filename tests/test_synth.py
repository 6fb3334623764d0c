import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from arsr_lib.data import synth
from arsr_lib.data.flow import warp
from arsr_lib.data.splitfiles import load_ucf101
from arsr_lib.data.synth import checks
from arsr_lib.data.video import read_video

TINY = synth.SynthConfig(
    classes=synth.BASE_CLASSES, groups=3, clips_per_group=1, frames=6, height=64, width=64
)


def _digest(root: Path) -> dict:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return synth.generate(tmp_path_factory.mktemp("synth") / "a", TINY, workers=2, progress=False)


def test_layout_read_by_ucf101_loader(tiny):
    for split in (1, 2, 3):
        ds = load_ucf101(tiny / "ucfTrainTestlist", split, tiny).filter_present(strict=True)
        assert ds.classes == list(synth.BASE_CLASSES)
        assert len(ds.train) + len(ds.test) == 10 * 3 and not ds.val
        assert {i.group for i in ds.test} == {split}  # one test group per split with 3 groups
        assert {i.group for i in ds.train}.isdisjoint({i.group for i in ds.test})
    raw = (tiny / "ucfTrainTestlist" / "trainlist01.txt").read_bytes()
    assert raw.startswith(b"SwingRacket/v_SwingRacket_g02_c01.avi 1\r\n")
    frames = read_video(tiny / "Jump" / "v_Jump_g01_c01.avi")
    assert frames.shape == (6, 64, 64, 3)


def test_deterministic_byte_identical(tiny, tmp_path):
    again = synth.generate(tmp_path / "b", TINY, workers=1, progress=False)
    assert _digest(again) == _digest(tiny)
    other = synth.generate(tmp_path / "c", synth.SynthConfig(**{**TINY.__dict__, "seed": 1}), progress=False)
    assert _digest(other) != _digest(tiny)


def test_validation_groups_are_in_no_split(tmp_path):
    cfg = synth.SynthConfig(
        classes=("TurnWheelCW", "HoldWheel"),
        groups=5,
        clips_per_group=1,
        frames=4,
        height=32,
        width=32,
        test_groups_per_split=1,
        val_groups=2,
    )
    root = synth.generate(tmp_path / "v", cfg, progress=False)
    for split in (1, 2, 3):
        ds = load_ucf101(root / "ucfTrainTestlist", split, root).filter_present(strict=True)
        assert {i.group for i in ds.val} == {4, 5} and {i.group for i in ds.test} == {split}
        assert {i.group for i in ds.train} == {1, 2, 3} - {split}
        assert [i.label for i in ds.val] == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="validation groups exceed"):
        synth.SynthConfig(groups=6, test_groups_per_split=2, val_groups=1).n_test_groups


def test_wheel_classes_differ_only_in_the_motion_of_detail_that_lr_keeps_faintly():
    """TurnWheelCW / CCW / HoldWheel: identical first frames, a wheel whose spokes turn one way, the other
    or not at all (the true flow's curl); the flow of x4 bicubic frames still turns the right way, with
    less of the cue than HR flow (recoverable, but faint)."""
    from arsr_lib.data.degrade import bicubic_upscale, downscale
    from arsr_lib.data.flow import compute_flow
    from arsr_lib.data.synth.checks import rotation_cue

    cfg = synth.SynthConfig(groups=3, clips_per_group=1, frames=8, height=96, width=96, noise_sigma=0.0)
    clips = {c: synth.render_clip(cfg, c, 1, 1) for c in synth.FINE_MOTION_CLASSES}
    cw, ccw, hold = (clips[c] for c in synth.FINE_MOTION_CLASSES)
    assert np.array_equal(cw["frames"][0], ccw["frames"][0]) and np.array_equal(
        cw["frames"][0], hold["frames"][0]
    )
    assert np.array_equal(hold["frames"][0], hold["frames"][-1])  # nothing moves (no noise)
    masks = cw["masks"][:-1]
    assert rotation_cue(cw["flow"], masks) > 0 > rotation_cue(ccw["flow"], masks)  # image y points down
    for sign, clip in ((1, cw), (-1, ccw)):
        hr = sign * rotation_cue(compute_flow(clip["frames"], "dis"), masks)
        bic = sign * rotation_cue(compute_flow(bicubic_upscale(downscale(clip["frames"])), "dis"), masks)
        assert 0 < bic < hr


def test_wheel_cue_table_takes_the_most_spokes_bicubic_flow_still_turns():
    cfg = synth.SynthConfig(frames=6, groups=4, clips_per_group=1, test_groups_per_split=1, val_groups=1)
    table = checks.wheel_cue_table(cfg, [8, 20], separable=75.0)
    assert list(table.index) == [8, 20] and (table["clips"] == 2).all()
    assert (table["HR flow turns right (%)"] == 100).all()
    # 20 spokes on the outer half alias after x4 (the wagon-wheel effect): bicubic flow turns backwards
    assert table.loc[8, "bicubic flow turns right (%)"] == 100
    assert table.loc[20, "bicubic flow turns right (%)"] < 75
    assert table["chosen"].tolist() == [True, False]
    with pytest.raises(ValueError, match="no validation groups"):
        checks.wheel_cue_table(synth.SynthConfig(groups=3), [8])


def test_scene_context_films_a_pair_in_its_shared_scene():
    base = dict(frames=2, height=48, width=48, noise_sigma=0.0, groups=6)
    never, always = synth.SynthConfig(**base), synth.SynthConfig(**base, scene_context=1.0)
    for a, b in synth.DETAIL_PAIRS + synth.MOTION_PAIRS:
        assert synth.SCENES[a] == synth.SCENES[b]
    for g in range(1, 7):
        assert repr(synth.render.scene_style(never, "SwingBat", g, 1)) == repr(synth.group_style(never, g))
        assert synth.render.scene_style(always, "SwingBat", g, 1).texture == synth.SCENES["SwingBat"]
        assert synth.render.scene_style(always, "DrinkCup", g, 1).texture == synth.SCENES["DrinkCup"]
    half = synth.SynthConfig(**base, scene_context=0.5)
    drawn = [synth.render.scene_style(half, "Wave", g, c) for g in range(1, 7) for c in range(1, 5)]
    for g in range(1, 7):  # the draw is the clip's, not the class's: Wave and ArmCircle share it
        for c in range(1, 5):
            pair = [synth.render.scene_style(half, k, g, c) for k in ("Wave", "ArmCircle")]
            assert repr(pair[0]) == repr(pair[1])
    scened = sum(s.texture == synth.SCENES["Wave"] for s in drawn)
    assert 0 < scened < len(drawn)
    with pytest.raises(ValueError, match="scene_context"):
        synth.SynthConfig(scene_context=1.5)
    with pytest.raises(ValueError, match="missing"):
        synth.SynthConfig(scene_context=0.5, textures=("brick",))


def test_default_splits_are_group_disjoint():
    cfg = synth.SIZES["default"]
    tests = [set(synth.split_groups(cfg, s)) for s in (1, 2, 3)]
    assert all(a.isdisjoint(b) for i, a in enumerate(tests) for b in tests[i + 1 :])
    assert all(max(t) <= cfg.groups for t in tests)


def test_masks_align_with_rendered_actor():
    cfg = synth.SynthConfig(**{**TINY.__dict__, "noise_sigma": 0.0})
    r = synth.render_clip(cfg, "SwingRacket", 1, 1)
    bg = synth.drawing._background(cfg, synth.group_style(cfg, 1), 2)[:, :64]
    delta = np.abs(r["frames"].astype(int) - bg[None].astype(int)).max(-1)
    changed = delta > 8  # ignore the faint (<= a few levels) outer fringe of anti-aliasing
    m = r["masks"]
    dil = np.stack([cv2.dilate(x.astype(np.uint8), np.ones((3, 3), np.uint8)) for x in m]).astype(bool)
    assert not (changed & ~dil).any()  # every changed pixel is the actor or its anti-aliased rim
    ero = np.stack([cv2.erode(x.astype(np.uint8), np.ones((3, 3), np.uint8)) for x in m]).astype(bool)
    assert (delta[ero] > 0).mean() > 0.97  # and the mask's interior is drawn over the background
    assert 0.02 < m.mean() < 0.3


def test_detail_pairs_differ_only_in_the_held_object():
    cfg = synth.SynthConfig(**{**TINY.__dict__, "noise_sigma": 1.0})
    for a, b in synth.DETAIL_PAIRS:
        ra, rb = synth.render_clip(cfg, a, 2, 1), synth.render_clip(cfg, b, 2, 1)
        for pa, pb in zip(ra["poses"], rb["poses"]):  # identical joint trajectories
            for part in pa:
                np.testing.assert_array_equal(pa[part][0], pb[part][0])
                assert pa[part][1] == pb[part][1]
        diff = np.abs(ra["frames"].astype(int) - rb["frames"].astype(int)).max(-1) > 0
        assert diff.any()
        # the differing pixels lie next to the hand (object region), nowhere else
        # the object's extent: 0.28 units of handle + head (x object_scale), plus anti-aliasing
        reach = 0.3 * cfg.object_scale * synth.clip_params(cfg, 2, 1).scale + 1.5
        for t in range(cfg.frames):
            hand = ra["poses"][t]["hand_a"][0]
            ys, xs = np.nonzero(diff[t])
            if len(ys):
                assert np.hypot(xs - hand[0], ys - hand[1]).max() < reach


def test_walk_pair_differs_only_in_direction():
    cfg = synth.SynthConfig(**{**TINY.__dict__, "frames": 9})
    left, right = synth.render_clip(cfg, "WalkLeft", 1, 1), synth.render_clip(cfg, "WalkRight", 1, 1)
    mid = 4  # the centred paths meet at the middle frame: the same image
    np.testing.assert_array_equal(left["frames"][mid], right["frames"][mid])
    assert (
        np.median(left["flow"][..., 0][left["masks"][:-1]])
        < 0
        < np.median(right["flow"][..., 0][right["masks"][:-1]])
    )


@pytest.mark.parametrize("extra", [{}, {"pan_speed": 1.0, "distractor": True}])
def test_true_flow_explains_the_motion(extra):
    cfg = synth.SynthConfig(
        **{**TINY.__dict__, "noise_sigma": 0.0, "frames": 8, "height": 96, "width": 96, **extra}
    )
    for cls in ("ArmCircle", "WalkRight", "SwingRacket"):
        r = synth.render_clip(cfg, cls, 1, 1)
        f = r["frames"].astype(np.float32)
        for t in range(cfg.frames - 1):
            w, valid = warp(f[t + 1], r["flow"][t])
            m = cv2.erode(r["masks"][t].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & (
                valid > 0
            )
            warped_err = np.abs(w - f[t])[m].mean()
            still_err = np.abs(f[t + 1] - f[t])[m].mean()
            assert warped_err < 0.6 * still_err + 1.0, (cls, t, warped_err, still_err)


def test_ground_truth_roundtrip(tiny):
    video = tiny / "Wave" / "v_Wave_g03_c01.avi"
    gt = synth.load_ground_truth(video)
    assert gt["masks"].shape == (6, 64, 64) and gt["masks"].dtype == bool
    assert gt["flow"].shape == (5, 64, 64, 2) and gt["flow"].dtype == np.float32
    r = synth.render_clip(TINY, "Wave", 3, 1)
    np.testing.assert_array_equal(gt["masks"], r["masks"])
    np.testing.assert_allclose(gt["flow"], r["flow"], atol=0.01)  # stored as float16
    with pytest.raises(FileNotFoundError, match="no SynthActions ground truth"):
        synth.load_ground_truth(tiny / "Wave" / "missing.avi")


def test_config_errors():
    with pytest.raises(ValueError, match="unknown class"):
        synth.SynthConfig(classes=("Dance",))
    with pytest.raises(ValueError, match="groups must be >= 3"):
        synth.SynthConfig(groups=2)
    with pytest.raises(ValueError, match="unknown SynthActions size"):
        synth.config_for("huge")
    for period in (1, 9):
        with pytest.raises(ValueError, match="mesh_period must be one of"):
            synth.SynthConfig(mesh_period=period)


def test_a_regenerated_dataset_invalidates_what_was_derived_from_it(tmp_path, monkeypatch):
    """Rawframes, SR runs, SR videos and scores key on the data: a new generation under the same names
    must not reuse them (the dataset tag feeds the rawframes' source tag; files_tag the SR/recogniser
    keys)."""
    import time

    from arsr_lib import config
    from arsr_lib.core.atomic import files_tag
    from arsr_lib.data.prep import dataset_tag

    prof = config.load("smoke", data={"root": str(tmp_path / "d")})
    tiny = dict(classes=("Wave", "Jump"), groups=3, clips_per_group=1, frames=3, height=32, width=32)
    synth.generate(tmp_path / "d", synth.SynthConfig(**tiny), progress=False)
    videos = sorted((tmp_path / "d").glob("*/*.avi"))
    tag_a, files_a = dataset_tag(prof), files_tag(videos)
    assert dataset_tag(prof) == tag_a and files_tag(videos) == files_a  # stable while nothing changes
    time.sleep(0.01)
    synth.generate(tmp_path / "d", synth.SynthConfig(**tiny, texture_contrast=0.9), progress=False)
    assert dataset_tag(prof) != tag_a and files_tag(videos) != files_a
    # the same config drawn by a changed renderer (synth.py edited) is regenerated too
    tag_b = dataset_tag(prof)
    monkeypatch.setattr(synth.dataset, "_renderer_digest", lambda: "edited")
    assert not synth.is_complete(
        tmp_path / "d", synth.dataset._config_dict(synth.SynthConfig(**tiny, texture_contrast=0.9))
    )
    synth.generate(tmp_path / "d", synth.SynthConfig(**tiny, texture_contrast=0.9), progress=False)
    assert dataset_tag(prof) != tag_b
    assert (
        dataset_tag(config.load("paper", data={"root": str(tmp_path)})) is None
    )  # real datasets do not change
    from arsr_lib.data.datasets import generation_tag

    assert generation_tag(tmp_path / "d") == dataset_tag(prof) and generation_tag(None) is None


def _mesh_contrast_kept_at_x4(period: int, angle: float) -> float:
    """Std of a large mesh after the x4 antialiased downscale over its std at HR (centre, away from the
    rim)."""
    from arsr_lib.data.degrade import downscale

    img = np.zeros((96, 96, 3), np.uint8)
    for prim in synth.drawing._mesh((200, 200, 200), (60, 60, 60), -40, 40, -40, 40, period):
        synth.drawing._draw(img, prim[0], prim[1], prim[2:], np.array([48.3, 48.7]), angle, True)
    return downscale(img)[6:18, 6:18, 0].std() / img[24:72, 24:72, 0].astype(float).std()


@pytest.mark.parametrize("angle", [0.0, 0.3, 0.8])
def test_mesh_is_blurred_at_x4_not_erased(angle):
    """The default mesh period (near LR's Nyquist period of 8 HR px) keeps a faint trace at LR that SR can
    sharpen (measured 25-33 % of its contrast), where a 3-px mesh is erased (< 5 %)."""
    kept = _mesh_contrast_kept_at_x4(synth.SynthConfig().mesh_period, angle)
    assert 0.2 < kept < 0.5, kept
    assert _mesh_contrast_kept_at_x4(3, angle) < 0.05


def test_detail_pairs_differ_far_less_at_x4():
    """Racket/bat and bottle/cup share outline and mean colour: their LR frames differ, but far less than
    HR."""
    from arsr_lib.data.degrade import downscale

    cfg = synth.SynthConfig(**{**TINY.__dict__, "noise_sigma": 0.0, "height": 96, "width": 96, "frames": 6})
    for a, b in synth.DETAIL_PAIRS:
        ha, hb = synth.render_clip(cfg, a, 1, 1)["frames"], synth.render_clip(cfg, b, 1, 1)["frames"]
        hr = np.abs(ha.astype(float) - hb).max(-1)
        lr = np.abs(downscale(ha).astype(float) - downscale(hb)).max(-1)
        assert hr.max() > 80  # the mesh: strong local contrast at HR
        assert 0 < lr.max() < 0.5 * hr.max(), (a, b, lr.max(), hr.max())


@pytest.mark.parametrize("period", [3, 7])
@pytest.mark.parametrize("col", [(20, 20, 20), (90, 60, 30), (180, 200, 190), (250, 250, 250)])
def test_mesh_is_strong_and_its_twin_has_its_mean_colour(col, period):
    """The mesh's holes take the colour far from the object's, so a dark racket is as detailed as a light one;
    and each pair has one mean colour as drawn (antialiasing included), or the pair would differ in a cue that
    survives x4."""
    import math

    racket = synth.drawing._object_prims("racket", col, 80.0, period)
    far = np.array(racket[1][1], float)  # the head's background polygon: the holes' colour
    assert np.abs(far - col).max() >= 100, far
    rng = np.random.default_rng(0)
    placements = [
        (np.array([48.0, 48.0]) + rng.uniform(0, 1, 2), rng.uniform(0, 2 * math.pi)) for _ in range(12)
    ]
    for a, b in (("racket", "bat"), ("bottle", "cup")):
        sums = []
        for obj in (a, b):
            total = 0.0
            for origin, angle in placements:
                img = np.full((96, 96, 3), 128, np.uint8)
                for prim in synth.drawing._object_prims(obj, col, 80.0, period):
                    synth.drawing._draw(img, prim[0], prim[1], prim[2:], origin, angle, True)
                total += (img.astype(float) - 128).sum() / 3
            sums.append(total)
        area = 12 * 0.09 * 80.0 * (0.16 if a == "racket" else 0.12) * 80.0
        assert abs(sums[0] - sums[1]) / area < 2.0, (a, sums, area)  # < 2 grey levels per object pixel


def test_the_study_focus_classes_are_the_synth_pairs():
    from arsr_lib.config.study import SYNTH_FOCUS

    assert set(SYNTH_FOCUS["rgb"]) == {c for pair in synth.DETAIL_PAIRS for c in pair}
    motion = {c for pair in synth.MOTION_PAIRS for c in pair} | set(synth.FINE_MOTION_CLASSES)
    assert set(SYNTH_FOCUS["flow"]) == motion

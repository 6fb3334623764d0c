"""Caches keyed on the code that made them, bounded in memory, cleared by ``reproduce --force``."""

import numpy as np
import pytest

from arsr_lib import config
from arsr_lib.core import codekey
from arsr_lib.core.cache import ByteLRU, DiskArrays
from arsr_lib.data import synth
from arsr_lib.data.extract import extract_dataset
from arsr_lib.data.frames import FramesConfig
from arsr_lib.data.splitfiles import load_ucf101
from arsr_lib.run.reproduce import stage_caches
from arsr_lib.sr.recipes import stage_recipes, train_recipe
from arsr_lib.sr.sreval import checkpoint_digest

from conftest import tmp_experiment


def test_code_digests_follow_the_producing_modules():
    before = {a: codekey.code_digest(a) for a in codekey.PRODUCERS}
    codekey.set_override("train.losses", "# a changed loss")
    try:
        after = {a: codekey.code_digest(a) for a in codekey.PRODUCERS}
    finally:
        codekey.set_override("train.losses", None)
    changed = {a for a in before if before[a] != after[a]}
    assert changed == {
        "sr_training"
    }  # rawframes, flow, pairs, SR videos, recognisers, scores keep their keys
    assert {a: codekey.code_digest(a) for a in codekey.PRODUCERS} == before
    codekey.set_override("sr.testframes", "# a changed frame picker")
    try:
        after = {a: codekey.code_digest(a) for a in codekey.PRODUCERS}
    finally:
        codekey.set_override("sr.testframes", None)
    # the sparse SR test frames change (and with their tag, the scores that read them); whole SR videos and
    # training keep their keys
    assert {a for a in before if before[a] != after[a]} == {"sr_frames"}
    codekey.set_override("recognition.scores", "# a changed score cache")
    try:
        after = {a: codekey.code_digest(a) for a in codekey.PRODUCERS}
    finally:
        codekey.set_override("recognition.scores", None)
    assert {a for a in before if before[a] != after[a]} == {"scores"}
    with pytest.raises(ValueError, match="unknown artefact"):
        codekey.code_digest("everything")
    with pytest.raises(ValueError, match="not a module of arsr_lib"):
        codekey.set_override("no_such_module", "x")


@pytest.mark.slow
def test_a_loss_change_retrains_and_rescores_but_reuses_rawframes(tmp_path):
    cfg = synth.SynthConfig(classes=("Wave", "ArmCircle"), groups=3, clips_per_group=1, frames=8)
    root = synth.generate(tmp_path / "synth", cfg, progress=False)
    ds = load_ucf101(root / "ucfTrainTestlist", 1, root)
    exp = tmp_experiment(tmp_path)
    train = [ds.path(i) for i in ds.train]
    frames = tmp_path / "frames"
    assert extract_dataset(ds, frames, FramesConfig(flow_method="dis"), progress=False)["done"] == len(
        ds.train
    ) + len(ds.test)
    first = train_recipe("vdsr", exp, train, progress=False, iters=2)
    digest = checkpoint_digest(first)
    log = (first.parent / "log.csv").stat().st_mtime_ns
    codekey.set_override("train.losses", "# a changed loss")
    try:
        counts = extract_dataset(ds, frames, FramesConfig(flow_method="dis"), progress=False)
        assert counts == {"done": 0, "skipped": len(ds.train) + len(ds.test), "failed": 0}  # reused
        again = train_recipe("vdsr", exp, train, progress=False, iters=2)
        # retrained (a new log), and the checkpoint's digest, on which SR frames and scores are keyed, moved
        assert (again.parent / "log.csv").stat().st_mtime_ns != log
        assert checkpoint_digest(again) != digest
    finally:
        codekey.set_override("train.losses", None)
    codekey.set_override("data.frames", "# a changed rawframes writer")
    try:
        counts = extract_dataset(ds, frames, FramesConfig(flow_method="dis"), progress=False)
        assert counts["done"] == len(ds.train) + len(ds.test)  # a fix in the rawframes code redoes them
    finally:
        codekey.set_override("data.frames", None)


def test_byte_lru_holds_its_budget():
    lru = ByteLRU(max_bytes=3 * 1000)
    made = []
    for k in range(10):
        lru.get(k, lambda k=k: made.append(k) or np.zeros(1000, np.uint8))
    assert lru.bytes <= 3000 and len(lru) == 3 and made == list(range(10))
    lru.get(9, lambda: pytest.fail("a recent entry was evicted"))
    big = lru.get("big", lambda: np.zeros(10_000, np.uint8))  # larger than the budget: returned, not kept
    assert big.nbytes == 10_000 and "big" not in lru._items and lru.bytes <= 3000
    with pytest.raises(ValueError, match="max_bytes"):
        ByteLRU(0)


def test_disk_arrays_store_once_and_atomically(tmp_path):
    disk = DiskArrays(tmp_path, np.float16)
    calls = []
    value = disk.get("video", "0-1", lambda: calls.append(1) or np.full((2, 2), 1 / 3, np.float32))
    again = disk.get("video", "0-1", lambda: pytest.fail("recomputed"))
    assert value.dtype == again.dtype == np.float16 and np.array_equal(value, again) and calls == [1]
    assert not list(tmp_path.rglob(".*partial*"))
    disk.path("video", "0-1").write_bytes(b"garbage")
    with pytest.raises(OSError, match="unreadable cache entry"):
        disk.get("video", "0-1", lambda: np.zeros(1))


def test_force_clears_the_caches_of_the_stages_it_reruns(tmp_path):
    exp = tmp_experiment(tmp_path)
    owned = [r for stage in exp.study.stages for r in stage_recipes(exp, stage)]
    assert sorted(owned) == sorted(exp.recipes)  # every training run belongs to one stage, once
    assert exp.frames_root("hr") in stage_caches(exp, "data")
    assert exp.runs_dir() / "sosr" in stage_caches(exp, "sosr") and exp.sr_root() / "SoSR" in stage_caches(
        exp, "sosr"
    )
    assert exp.runs_dir() / "tosr_duf" in stage_caches(exp, "tosr")
    assert exp.runs_dir() / "vdsr" not in stage_caches(exp, "tosr")  # sosr trains it, tosr starts from it
    assert exp.runs_dir() / "scores" in stage_caches(exp, "recognition")
    assert not any(
        exp.dataset_root() == p or exp.dataset_root() in p.parents
        for s in ("data", "sosr", "tosr", "flow", "recognition", "viewer", None)
        for p in stage_caches(exp, s)
    )


def test_the_notebooks_declare_their_stages():
    """The runner knows stages, not notebook numbers: each notebook says which stage it is in its metadata,
    and the SR training stages are the study's."""
    from arsr_lib.run.reproduce import notebooks, stage_of

    stages = [stage_of(nb) for nb in notebooks()]
    assert stages == ["data", "sosr", "tosr", "flow", "recognition", "viewer"]
    assert set(config.load("smoke").study.stages) <= set(stages)


def test_byte_lru_peek_and_put():
    lru = ByteLRU(max_bytes=2000)
    assert lru.peek("a") is None and lru.misses == 1
    lru.put("a", np.zeros(1000, np.uint8))
    lru.put("a", np.ones(1500, np.uint8))  # replacing an entry counts its bytes once
    assert lru.bytes == 1500 and lru.peek("a")[0] == 1 and lru.hits == 1
    lru.put("b", np.zeros(1000, np.uint8))  # over the budget: the least recently used goes
    assert lru.peek("a") is None and lru.bytes == 1000
    lru.put("big", np.zeros(5000, np.uint8))
    assert lru.peek("big") is None and lru.bytes == 1000


def test_byte_lru_keeps_small_arrays_in_reused_slab_slots():
    """Small entries live in slots of shared blocks: what the cache returns is an equal read-only copy, an
    evicted entry's slot is reused (no new block), writing a returned array cannot change the cache, and a
    block whose entries are all gone is released."""
    lru = ByteLRU(max_bytes=4 * 300)
    images = {k: np.full((10, 10, 3), k, np.uint8) for k in range(12)}
    for k, image in images.items():
        got = lru.get(k, lambda image=image: image)
        assert np.array_equal(got, image) and not got.flags.writeable
    assert len(lru) == 4 and lru.bytes == 1200
    assert len(lru._slabs._blocks[((10, 10, 3), "|u1")]) == 1  # 12 entries through one 4-slot block
    assert lru._slabs.block_bytes == 1200
    copy = lru.peek(11)
    with pytest.raises(ValueError, match="read-only"):
        copy[0, 0, 0] = 0
    writable = copy.copy()
    writable[...] = 0
    assert lru.peek(11)[0, 0, 0] == 11
    lru.put("other", np.zeros(150, np.float32))  # another shape: evicts two, own block
    assert list(lru._items) == [10, 11, "other"] and lru.bytes == 1200
    assert lru._slabs.block_bytes == 1200 + 2 * 600
    lru.clear()
    assert lru.bytes == 0 and lru._slabs.block_bytes == 0  # every block released
    big = np.zeros(2 << 20, np.uint8)  # above SMALL_BYTES: kept as it is
    roomy = ByteLRU(8 << 20)
    roomy.put("big", big)
    assert roomy.peek("big") is big and roomy._slabs.block_bytes == 0

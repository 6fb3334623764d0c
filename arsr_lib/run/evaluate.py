"""``arsr evaluate``: notebook 05's recognition tables without a notebook, sharded over processes or jobs.

* unsharded: what the evaluation reads is prepared first (the dataset, notebook 01's rawframes, the SR runs
  of notebooks 02 and 03, the recognisers: each made or reused by the stage code the notebooks call), then the
  harness scores everything (reusing every cache) and the tables are written;
* ``--shard k/n`` (a cluster array job): SR frames and scores of share k of the test videos only, cached as
  shard files; a later unsharded run merges complete shards and computes nothing twice. Shares run side by
  side, so none makes what they all read: a run that is not prepared is an error naming what is missing;
* under ``torchrun``: each rank takes share ``rank + 1`` of ``world``, the ranks meet at a barrier, and rank
  0 merges the shards and writes the tables.
"""

from __future__ import annotations

from pathlib import Path

import torch

from arsr_lib.config import Experiment
from arsr_lib.core.errors import ArsrError
from arsr_lib.core.shards import parse_shard_arg, torchrun_shard
from arsr_lib.data.prep import prepare_dataset
from arsr_lib.recognition import tables
from arsr_lib.recognition.scores import Harness, run_harness, score_all
from arsr_lib.report.captions import recognition_caption
from arsr_lib.report.io import save_table
from arsr_lib.run.prepare import prepare_evaluation, unprepared


def _barrier() -> None:
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group("gloo")
    torch.distributed.barrier()


def write_tables(harness: Harness, out: Path, exp: Experiment) -> list[Path]:
    """The spatial, temporal, two-stream and paired-test tables of a harness as CSV + Markdown."""
    caption = recognition_caption(exp, harness)
    methods = list(harness.frames_roots)
    temporal = [m for m in methods if harness.has_stream(m, "flow")]
    written = []
    for name, table in (
        ("spatial", tables.stream_table(harness, "rgb", methods)),
        ("temporal", tables.stream_table(harness, "flow", temporal)),
        ("fusion", tables.fusion_table(harness, exp.study.pairings)),
        ("paired_tests", tables.paired_tests(harness, exp.study)),
    ):
        written += list(save_table(table.round(3), out / f"evaluate_{name}", caption=caption))
    return written


def evaluate(exp: Experiment, shard: str | None = None, progress: bool = True) -> list[Path]:
    """Run the evaluation (or this process's share of it); returns the tables written (none for a share)."""
    share = parse_shard_arg(shard)
    sharded = share[1] > 1
    if sharded:  # the shares run side by side: what they all read is made before, by one process
        ds = prepare_dataset(exp, progress=progress).test_subset(exp.data.eval_videos)
        missing = unprepared(exp, ds)
        if missing:
            raise ArsrError(
                f"sharded evaluation of {exp.name} needs a prepared run; missing: {', '.join(missing)}. "
                "Run `arsr evaluate` once without --shard / torchrun (or the notebooks 01-05) first"
            )
    else:
        ds = prepare_evaluation(exp, progress=progress).test_subset(exp.data.eval_videos)
    harness = run_harness(exp, ds, progress=progress, shard=share)
    score_all(harness, exp.study, sharded=sharded)
    if torchrun_shard() is not None:
        _barrier()
        if share[0] != 1:
            return []
    elif sharded:
        return []
    merged = run_harness(exp, ds, progress=progress) if sharded else harness  # every shard's frames are there
    score_all(merged, exp.study, sharded=False)
    out = exp.reports_dir()
    out.mkdir(parents=True, exist_ok=True)
    return write_tables(merged, out, exp)

"""One training engine for every model (SR and recognition).

A *task* owns its models and says how one step goes (forward, losses, backward, optimiser
steps); the engine owns everything around it:

* Adam optimisers built from the task's parameter groups, MultiStepLR schedules;
* AMP through ``torch.autocast`` (bf16, on CUDA only, when ``amp=True``);
* step-seeded randomness: the samples of step ``s`` are drawn from ``(seed, s)`` only, and the global
  torch / numpy / Python generators (dropout masks, anything a step draws) are seeded from ``(seed, s,
  rank)`` before the step, so a run resumed from a checkpoint is bit for bit an uninterrupted one;
* atomic checkpoints (``last.pt``: models, optimisers, schedules, step) every ``ckpt_every`` steps
  and auto-resume from them; ``final.pt`` (model weights and specs) when done;
* a progress bar that works in notebooks and terminals, and a CSV log of losses and validation;
* DDP when launched with ``torchrun`` (each rank takes its slice of every step's global batch,
  the step-seeded equivalent of a DistributedSampler; rank 0 alone writes); the process group is joined
  and the models wrapped only when there is training to do, so reusing a finished run never enters a
  collective (a rank may ask for a run the others do not);
* one process at a time per run folder: ``run`` holds an exclusive lock on ``<out>/.lock``, so a second
  process asking for the same run (a notebook while ``arsr recognisers`` trains them beside the SR stages)
  waits, then reuses the finished run or resumes its checkpoint.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import random
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from arsr_lib.core.devices import rank_device, resolve_device
from arsr_lib.core.runlog import append_row, trim_rows
from arsr_lib.train.task import StepBatchSampler, Task, TrainConfig, _dist_info


class Engine:
    def __init__(
        self,
        task: Task,
        dataset: Dataset,
        cfg: TrainConfig,
        out_dir: str | Path,
        device: str | torch.device | None = None,
        progress: bool = True,
        desc: str = "train",
    ):
        self.task, self.dataset, self.cfg = task, dataset, cfg
        self.out = Path(out_dir)
        self.rank, self.world, _ = _dist_info()
        self.device = rank_device(resolve_device(device))  # one GPU per rank under torchrun
        self.progress, self.desc = progress, desc
        for m in task.models.values():
            m.to(self.device)
        self.wrapped = dict(task.models)  # DDP-wrapped when training under torchrun (_distribute)
        self.opt, self.sched = {}, {}
        for k, m in task.models.items():
            params = [p for p in m.parameters() if p.requires_grad]
            if k in task.frozen or not params:
                continue
            self.opt[k] = torch.optim.Adam(params, lr=cfg.lr * task.lr_scale.get(k, 1.0), betas=cfg.betas)
            self.sched[k] = torch.optim.lr_scheduler.MultiStepLR(self.opt[k], list(cfg.milestones), cfg.gamma)
        self.step_no = 0

    def _distribute(self) -> None:
        """Join the process group and wrap the trainable models in DDP (under torchrun, before training)."""
        if self.world == 1:
            return
        if not torch.distributed.is_initialized():
            torch.distributed.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
        from torch.nn.parallel import DistributedDataParallel as DDP

        for k, m in self.task.models.items():
            if k not in self.task.frozen and any(p.requires_grad for p in m.parameters()):
                ids = [self.device.index] if self.device.type == "cuda" else None
                self.wrapped[k] = DDP(m, device_ids=ids)

    def _seed_step(self) -> None:
        """Seed every global generator from ``(seed, step, rank)``: what a step draws (dropout masks) is the
        same whether the run was resumed or not."""
        state = np.random.SeedSequence([self.cfg.seed, 0x5EED, self.step_no, self.rank]).generate_state(2)
        torch.manual_seed(int(state[0]) << 32 | int(state[1]))
        np.random.seed(int(state[0]))
        random.seed(int(state[1]))

    # ------------------------------------------------------------------ checkpoints
    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def _save(self, path: Path, full: bool) -> None:
        if not self.is_main:
            return
        state = {
            "step": self.step_no,
            "models": {k: m.state_dict() for k, m in self.task.models.items()},
            "specs": self.task.specs,
            "config": self._key(),
        }
        if full:
            state["optim"] = {k: o.state_dict() for k, o in self.opt.items()}
            state["sched"] = {k: s.state_dict() for k, s in self.sched.items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
        torch.save(state, tmp)
        os.replace(tmp, path)

    def _key(self) -> dict:
        return json.loads(
            json.dumps({"train": asdict(self.cfg), "task": self.task.signature}, sort_keys=True, default=str)
        )

    def _resume(self) -> bool:
        last = self.out / "last.pt"
        if not last.is_file():
            return False
        state = torch.load(last, map_location=self.device, weights_only=True)
        if state.get("config") != self._key():
            if self.is_main:
                last.unlink()  # a checkpoint of another configuration: start over
            return False
        for k, m in self.task.models.items():
            m.load_state_dict(state["models"][k])
        for k, o in self.opt.items():
            o.load_state_dict(state["optim"][k])
        for k, s in self.sched.items():
            s.load_state_dict(state["sched"][k])
        self.step_no = int(state["step"])
        return True

    def _autocast(self):
        """bf16 autocast on CUDA when ``amp``; on the CPU training stays fp32 (CPU bf16 kernels without native
        support are many times slower than fp32)."""
        if self.cfg.amp and self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    # ------------------------------------------------------------------ run
    def _reuse_final(self) -> bool:
        """Load a finished run of this configuration, if there is one."""
        final = self.out / "final.pt"
        if not final.is_file():
            return False
        state = torch.load(final, map_location=self.device, weights_only=True)
        if state.get("config") != self._key() or int(state["step"]) != self.cfg.iters:
            return False
        for k, m in self.task.models.items():
            m.load_state_dict(state["models"][k])
        self.step_no = self.cfg.iters
        return True

    def _loader(self):
        cfg = self.cfg
        sampler = StepBatchSampler(
            len(self.dataset), cfg.batch, cfg.iters, cfg.seed, self.step_no, self.rank, self.world
        )
        return torch.utils.data.DataLoader(
            self.dataset,
            batch_sampler=sampler,
            num_workers=cfg.num_workers,
            pin_memory=self.device.type == "cuda",
        )

    def _set_mode(self, train: bool) -> None:
        for m in self.task.models.values():
            m.train(train)

    def _log_row(self, means: dict, started: float) -> dict:
        """The log row of the current step: mean losses since the last row, lr, time, validation when due."""
        cfg = self.cfg
        row = {
            "step": self.step_no,
            **means,
            "lr": next(iter(self.opt.values())).param_groups[0]["lr"] if self.opt else 0.0,
            "time_s": round(time.time() - started, 3),
        }
        due = self.step_no % cfg.val_every == 0 or self.step_no == cfg.iters if cfg.val_every else False
        if due and self.task.validate:
            self._set_mode(False)
            with torch.no_grad():
                row.update(self.task.validate())
            self._set_mode(True)
        return row

    def _train(self, bar) -> None:
        cfg = self.cfg
        sums: dict[str, float] = {}
        started, count = time.time(), 0
        self._set_mode(True)
        for batch in self._loader():
            batch = {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}
            self._seed_step()
            losses = self.task.step(batch, self.opt, self._autocast, self.wrapped)
            for s in self.sched.values():
                s.step()
            self.step_no += 1
            for k, v in losses.items():
                if not math.isfinite(v):
                    raise FloatingPointError(f"{self.desc}: loss {k} is {v} at step {self.step_no}")
                sums[k] = sums.get(k, 0.0) + v
            count += 1
            bar.update()
            if self.step_no % cfg.log_every == 0 or self.step_no == cfg.iters:
                if self.is_main:
                    append_row(
                        self.out / "log.csv", self._log_row({k: v / count for k, v in sums.items()}, started)
                    )
                bar.set_postfix({k: f"{v / count:.4g}" for k, v in list(sums.items())[:3]})
                sums, count = {}, 0
            if self.step_no % cfg.ckpt_every == 0 and self.step_no < cfg.iters:
                self._save(self.out / "last.pt", full=True)

    @contextlib.contextmanager
    def _exclusive(self):
        """Hold ``<out>/.lock`` (rank 0; other ranks follow it through the collectives): another process on
        this run folder waits here until this one is done."""
        if not self.is_main:
            yield
            return
        with open(self.out / ".lock", "a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"{self.desc}: another process is training {self.out}; waiting for it", flush=True)
                fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def run(self) -> dict:
        """Train to ``cfg.iters`` steps, resuming a checkpoint of this configuration, or reuse a done run
        (after waiting for another process that trains in the same folder)."""
        self.out.mkdir(parents=True, exist_ok=True)
        with self._exclusive():
            return self._run()

    def _run(self) -> dict:
        if self._reuse_final():
            return {"step": self.cfg.iters, "resumed": True, "cached": True}
        self._distribute()
        resumed = self._resume()
        log = self.out / "log.csv"
        if self.is_main and resumed:
            trim_rows(log, self.step_no)
        elif self.is_main and log.exists():
            log.unlink()
        bar = tqdm(
            total=self.cfg.iters,
            initial=self.step_no,
            desc=self.desc,
            disable=not (self.progress and self.is_main),
            unit="it",
            dynamic_ncols=True,
        )
        try:
            self._train(bar)
        finally:
            bar.close()
        self._save(self.out / "final.pt", full=False)
        if self.is_main and (self.out / "last.pt").exists():
            (self.out / "last.pt").unlink()
        self._set_mode(False)
        return {"step": self.step_no, "resumed": resumed, "cached": False}

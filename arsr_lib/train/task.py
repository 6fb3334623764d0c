"""What a training run is made of, before the engine runs it: the task (models, the step, specs, validation),
the run's configuration, and step-seeded sampling (the samples of step ``s`` are drawn from ``(seed, s)``
only, each rank taking its slice of every step's global batch)."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from arsr_lib.train.steps import TrainStep


@dataclass
class TrainConfig:
    iters: int
    batch: int
    lr: float
    milestones: tuple[int, ...] = ()
    gamma: float = 0.5
    betas: tuple[float, float] = (0.9, 0.999)
    amp: bool = False
    ckpt_every: int = 100
    log_every: int = 10
    val_every: int = 0
    seed: int = 0
    num_workers: int = 0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


class StepBatchSampler(torch.utils.data.Sampler):
    """Batches of dataset indices for steps ``start..iters-1``: step s draws from ``(seed, s)``; rank r of
    w takes the r-th slice of the global batch."""

    def __init__(
        self, n: int, batch: int, iters: int, seed: int, start: int = 0, rank: int = 0, world: int = 1
    ):
        if batch % world:
            raise ValueError(f"global batch {batch} is not divisible by the world size {world}")
        self.n, self.batch, self.iters, self.seed, self.start, self.rank, self.world = (
            n,
            batch,
            iters,
            seed,
            start,
            rank,
            world,
        )

    def __len__(self):
        return max(0, self.iters - self.start)

    def __iter__(self):
        per = self.batch // self.world
        for s in range(self.start, self.iters):
            idx = np.random.default_rng([self.seed, 1234, s]).integers(0, self.n, self.batch)
            yield [int(i) for i in idx[self.rank * per : (self.rank + 1) * per]]


def _dist_info() -> tuple[int, int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return int(os.environ.get("RANK", "0")), world, int(os.environ.get("LOCAL_RANK", "0"))


@dataclass
class Task:
    """What a recipe gives the engine.

    ``models``: name -> module (all are checkpointed; those with trainable parameters get an
    optimiser unless listed in ``frozen``). ``step(batch, opt, autocast)`` runs one training step and
    returns float losses. ``validate()`` (optional) returns metrics. ``specs``: how to rebuild the
    models for inference (name -> {"arch": ..., "kwargs": ...}).
    """

    models: dict
    step: TrainStep
    specs: dict = field(default_factory=dict)
    validate: Callable | None = None
    lr_scale: dict = field(default_factory=dict)  # per-model multiplier of the base lr
    frozen: tuple = ()
    signature: dict = field(default_factory=dict)  # everything else that determines the result (cache key)

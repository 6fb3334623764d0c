"""Training seeds: every fine-tuned model a claim compares is trained ``study.seeds`` times, so that a claim's
interval carries the variation of training, not only of the test videos.

Seed ``k`` (``1 .. seeds - 1``; seed 0 is the experiment's own run) of method ``SoSR`` is the method
``SoSR@k``, made by recipe ``sosr@k``: the same recipe with ``seed_offset = k`` (its generator, its
sampling and its discriminator drawn from ``experiment.seed + k``), started from seed ``k`` of the run it
starts from when that run is itself seeded (``tosr_duf@k`` from ``duf@k``: the twin's variation is part of
the claim), else from the same start (a pretrained model, or a recipe marked ``shared``: ``sosr@k`` from the
one discriminator warm-up and PSNR pre-training). The variants are ordinary methods and recipes of
the experiment: trained, super-resolved and scored like any other, and read together by the claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

SEP = "@"


def variant(name: str, k: int) -> str:
    """Seed ``k`` of a method or recipe (``k = 0``: the name itself)."""
    return name if k == 0 else f"{name}{SEP}{k}"


def base_name(name: str) -> str:
    """The method or recipe a seed variant is of (a name without a seed: itself)."""
    return name.split(SEP, 1)[0]


def is_variant(name: str) -> bool:
    return SEP in name


def recipe_chain(recipes: Mapping, name: str) -> list[str]:
    """``name`` and the recipes it starts from, first the earliest."""
    chain: list[str] = []
    while name in recipes and name not in chain:
        chain.insert(0, name)
        init = recipes[name].init
        if init is None:
            break
        name = init
    return chain


def seeded_chain(recipes: Mapping, name: str) -> list[str]:
    """The part of ``recipe_chain`` that a seed variant retrains: the recipes after the last shared start
    (``SRRecipe.shared``), which all variants start from."""
    chain = recipe_chain(recipes, name)
    last_shared = max((i for i, n in enumerate(chain) if recipes[n].shared), default=-1)
    return chain[last_shared + 1 :]


def expand(recipes: Mapping, methods: Mapping, compared: Iterable[str], seeds: int) -> tuple[dict, dict]:
    """``(recipes, methods)`` with seeds ``1 .. seeds - 1`` of every method in ``compared`` that comes from
    a recipe (with the recipes they start from); variants of seeds beyond ``seeds`` are dropped, so that it is
    idempotent and an experiment rebuilt with fewer seeds has no stale variants."""

    def kept(name: str) -> bool:
        return not is_variant(name) or int(name.rsplit(SEP, 1)[1]) < seeds

    recipes = {k: v for k, v in recipes.items() if kept(k)}
    methods = {k: v for k, v in methods.items() if kept(k)}
    for method in sorted(set(compared)):
        source = methods.get(method)
        if not isinstance(source, str) or source not in recipes or is_variant(method):
            continue
        chain = seeded_chain(recipes, source)
        for k in range(1, seeds):
            for name in chain:
                base = recipes[name]
                init = variant(base.init, k) if base.init in chain else base.init
                recipes.setdefault(variant(name, k), replace(base, seed_offset=k, init=init))
            methods.setdefault(variant(method, k), variant(source, k))
    return recipes, methods


def seeds_of(name: str, available: Iterable[str]) -> list[str]:
    """``name`` and its seed variants among ``available``, in seed order."""
    have = set(available)
    out, k = [name], 1
    while variant(name, k) in have:
        out.append(variant(name, k))
        k += 1
    return out

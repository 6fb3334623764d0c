"""Experiments as typed objects: ``load(name, **overrides)``, ``from_file(path)``, ``override(exp, changes)``.

Each profile is a module here that builds one :class:`Experiment`: ``smoke`` (the CPU reproduction), ``ci``
(``smoke`` with a few steps), ``paper`` (UCF101 on a GPU box). Environment variables are read when an
experiment is built, never at import: ``ARSR_REPORTS_DIR`` (where reports go) and the paper profile's data
and weight paths.

Overrides are nested mappings named like the fields::

    exp = config.load("smoke", data={"flow_method": "tvl1"}, recipes={"vdsr": {"iters": 600}})

A file (YAML or TOML) names its base profile and holds the same nested overrides::

    base: smoke
    name: smoke-tvl1
    data: {flow_method: tvl1}
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
from pathlib import Path
from typing import Any, Mapping

from arsr_lib.config.compute import ComputeConfig
from arsr_lib.config.experiment import Experiment
from arsr_lib.config.frozen import FrozenDict
from arsr_lib.config.schema import (
    DataConfig,
    EngineSchedule,
    PairMining,
    Paths,
    RecognitionConfig,
    SRArchitectures,
    SRLossConfig,
    SRRecipe,
)
from arsr_lib.config.study import Study

# one module per profile, each with build(env, paths) -> Experiment
PROFILES = ("smoke", "ci", "synth", "paper")

__all__ = [
    "PROFILES",
    "ComputeConfig",
    "DataConfig",
    "EngineSchedule",
    "Experiment",
    "PairMining",
    "Paths",
    "RecognitionConfig",
    "SRArchitectures",
    "SRLossConfig",
    "SRRecipe",
    "Study",
    "load",
    "from_file",
    "override",
    "to_dict",
    "drop_none",
    "project_root",
]


def project_root() -> Path:
    """The checkout holding ``pyproject.toml`` (data/, runs/ and reports/ live there)."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


def default_paths(env: Mapping[str, str]) -> Paths:
    root = project_root()
    return Paths(project=str(root), reports_root=str(env.get("ARSR_REPORTS_DIR") or root / "reports"))


def drop_none(changes: Mapping) -> dict:
    """``changes`` without its ``None`` leaves (and the mappings they empty)."""
    out = {}
    for key, value in changes.items():
        if isinstance(value, Mapping):
            value = drop_none(value)
            if value:
                out[key] = value
        elif value is not None:
            out[key] = value
    return out


def load(name: str, env: Mapping[str, str] | None = None, **overrides: Any) -> Experiment:
    """The experiment of profile ``name`` with nested ``overrides`` applied (``None`` values leave a field as
    it is, so notebook parameters defaulting to None mean "the profile's value")."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)} or pass a config file")
    env = os.environ if env is None else env
    profile = importlib.import_module(f"arsr_lib.config.{name}")
    exp = profile.build(env, default_paths(env))
    return override(exp, drop_none(overrides))


PROFILE_NAMES = ", ".join(sorted(PROFILES))


def from_file(path: str | Path, env: Mapping[str, str] | None = None) -> Experiment:
    """An experiment from a YAML (``.yaml``/``.yml``) or TOML (``.toml``) file: ``base`` (required) names the
    profile it starts from, every other key overrides a field (``name`` renames the experiment)."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"config file {path} is a folder; give a .yaml or .toml file")
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: not a text file (byte {exc.start} is not UTF-8); a config is YAML or TOML"
        ) from None
    if path.suffix == ".toml":
        import tomllib

        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from None
    elif path.suffix in (".yaml", ".yml"):
        import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information

        try:
            doc = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML: {exc}") from None
    else:
        raise ValueError(f"{path}: config files are .yaml, .yml or .toml")
    if not doc:
        raise ValueError(
            f"{path}: empty config file; it names the profile it starts from (base: {PROFILE_NAMES})"
        )
    if not isinstance(doc, Mapping):
        raise ValueError(f"{path}: the top level must be a mapping of fields")
    doc = dict(doc)
    if "base" not in doc:
        raise ValueError(f"{path}: names no profile to start from; add `base: <profile>` ({PROFILE_NAMES})")
    base = doc.pop("base")
    try:
        return override(load(base, env=env), doc)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def _coerce(current: Any, value: Any, where: str) -> Any:
    """``value`` shaped like ``current``: tuples stay tuples, dataclasses and mappings merge recursively."""
    if dataclasses.is_dataclass(current) and isinstance(value, Mapping):
        return override(current, value, where)
    if isinstance(current, Mapping) and isinstance(value, Mapping):
        merged = dict(current)
        for key, sub in value.items():
            if key in merged:
                merged[key] = _coerce(merged[key], sub, f"{where}.{key}")
            elif where.endswith("recipes"):
                merged[key] = SRRecipe(**sub) if isinstance(sub, Mapping) else sub
            else:
                merged[key] = sub
        return FrozenDict(merged)
    if isinstance(current, tuple) and isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(current, bool) and not isinstance(value, bool):
        raise TypeError(f"{where} must be true or false (got {value!r})")
    if isinstance(current, (int, float)) and not isinstance(current, bool) and isinstance(value, str):
        raise TypeError(f"{where} must be a number (got {value!r})")
    return value


def override(obj: Any, changes: Mapping, where: str = "") -> Any:
    """A copy of the dataclass ``obj`` (an experiment or a part of one) with nested ``changes`` applied; an
    unknown field is an error naming it."""
    if not changes:
        return obj
    fields = {f.name for f in dataclasses.fields(obj)}
    updates = {}
    for key, value in changes.items():
        name = f"{where}.{key}" if where else key
        if key not in fields:
            raise ValueError(f"unknown setting {name!r}; {type(obj).__name__} has {sorted(fields)}")
        updates[key] = _coerce(getattr(obj, key), value, name)
    try:
        return dataclasses.replace(obj, **updates)
    except ValueError as exc:  # a check of the part: say where the part is
        raise ValueError(
            f"{where}: {exc}" if where and not str(exc).startswith(where) else str(exc)
        ) from None


def to_dict(obj: Any) -> dict:
    """Plain JSON-ready nested dict of an experiment (or a part): for cache keys, printing and saving."""

    def plain(x):
        if dataclasses.is_dataclass(x):
            return {f.name: plain(getattr(x, f.name)) for f in dataclasses.fields(x)}
        if isinstance(x, Mapping):
            return {str(k): plain(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [plain(v) for v in x]
        return x

    return json.loads(json.dumps(plain(obj), default=str))

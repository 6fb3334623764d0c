"""Read-only mappings inside a frozen experiment (model arguments, recipes, the study's tables)."""

from __future__ import annotations

from typing import Mapping


class FrozenDict(dict):
    """A read-only ``dict`` (model arguments, recipes inside a frozen experiment); JSON- and
    pickle-friendly."""

    def _read_only(self, *args, **kwargs):
        raise TypeError(
            "experiment settings are read-only; build a changed copy with arsr_lib.config.override"
        )

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self):
        return FrozenDict, (dict(self),)


def frozen_map(mapping: Mapping | None = None) -> FrozenDict:
    return FrozenDict(mapping or {})

"""The study: what is trained, compared and tabled, in one typed place that a config file can change.

The SR methods themselves (name -> recipe, pretrained model or Bicubic) are ``Experiment.methods``; the study
says what is done with them:

* ``stages``: the methods each SR training stage trains and compares (``sosr``: the ESRGAN family and VDSR
  with SoSR's loss; ``tosr``: the video SR models with ToSR's losses), each stage's recipes trained after the
  runs they start from;
* ``flow_compared``: the methods whose flow the flow comparison measures against HR flow (the paper's Fig.
  3/4);
* ``pairings``: two-stream pairings, name -> (frames method -> spatial stream, flow method -> temporal
  stream);
* ``comparisons``: the paper's one-stream claims, name -> (stream, a, b): is a better than b on the same
  videos;
* ``paper_pairing`` and ``two_stream_baselines``: the paper's pairing and the pairings it is tested against;
* ``temporal_table``: the paper's temporal-stream table (its Table B), HR as the ceiling;
* ``flips_method``: the method whose spatial predictions are set against Bicubic's (the paper's Fig. 2);
* ``recognize``: the (frames, flow) SR methods ``arsr recognize`` applies to a small video;
* ``separable``: the LR oracle's per-class accuracy on validation from which a class counts as recoverable
  from the x4 LR input (the premise of every SR claim: what x4 destroys is no test of SR).

A profile's study is the default one restricted to the methods it has (:meth:`Study.restricted_to`: a smoke
run has no ESRGAN-FT); a method the study names that is neither the experiment's nor ``HR`` is an error when
the experiment is built. Tables still leave out what a harness was not given (a test may score a few methods).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from arsr_lib.config.frozen import FrozenDict, frozen_map

HR = "HR"
PLAIN_PAIRING = "ESRGAN + VSR-DUF (plain SR)"
PAPER_PAIRING = "SoSR + ToSR-DUF (paper)"

STAGES = {
    "sosr": ("Bicubic", "VDSR", "SoSR-VDSR", "ESRGAN", "ESRGAN-FT", "SoSR"),
    "tosr": ("Bicubic", "VDSR", "ToSR-VDSR", "ESRGAN", "ToSR-ESRGAN", "VSR-DUF", "ToSR-DUF"),
}
FLOW_COMPARED = (
    "Bicubic",
    "VDSR",
    "SoSR-VDSR",
    "ESRGAN",
    "ESRGAN-FT",
    "SoSR",
    "ToSR-ESRGAN",
    "VSR-DUF",
    "ToSR-DUF",
    "ToSR-VDSR",
)
PAIRINGS = {
    "HR + HR": (HR, HR),
    "Bicubic + Bicubic": ("Bicubic", "Bicubic"),
    "VDSR + VDSR": ("VDSR", "VDSR"),
    PLAIN_PAIRING: ("ESRGAN", "VSR-DUF"),
    "ESRGAN-FT + VSR-DUF": ("ESRGAN-FT", "VSR-DUF"),
    PAPER_PAIRING: ("SoSR", "ToSR-DUF"),
    "SoSR-VDSR + ToSR-VDSR": ("SoSR-VDSR", "ToSR-VDSR"),
}
COMPARISONS = {
    "SoSR vs ESRGAN (spatial)": ("rgb", "SoSR", "ESRGAN"),
    "SoSR vs ESRGAN-FT (spatial)": ("rgb", "SoSR", "ESRGAN-FT"),
    "SoSR-VDSR vs VDSR (spatial)": ("rgb", "SoSR-VDSR", "VDSR"),
    "ToSR-DUF vs VSR-DUF (temporal)": ("flow", "ToSR-DUF", "VSR-DUF"),
    "ToSR-VDSR vs VDSR (temporal)": ("flow", "ToSR-VDSR", "VDSR"),
    "ToSR-ESRGAN vs ESRGAN (temporal)": ("flow", "ToSR-ESRGAN", "ESRGAN"),
}
# every SR method's flow can feed the temporal stream, the frame-wise ESRGAN family included: the paper's
# ToSR premise is that frame-wise SR flickers and its flicker corrupts the flow
TEMPORAL_TABLE = (
    HR,
    "Bicubic",
    "VDSR",
    "SoSR-VDSR",
    "ESRGAN",
    "ESRGAN-FT",
    "SoSR",
    "ToSR-ESRGAN",
    "VSR-DUF",
    "ToSR-VDSR",
    "ToSR-DUF",
)
STREAMS = ("rgb", "flow")


def _tuples(mapping: Mapping, length: int, where: str) -> FrozenDict:
    out = {}
    for name, value in mapping.items():
        value = tuple(value)
        if len(value) != length:
            raise ValueError(f"study.{where}[{name!r}] must have {length} entries (got {list(value)})")
        out[str(name)] = value
    return frozen_map(out)


# SynthActions' classes each stream's claims are about (arsr_lib.data.synth: DETAIL_PAIRS; MOTION_PAIRS and
# FINE_MOTION_CLASSES; a test checks they agree)
SYNTH_FOCUS = {
    "rgb": ("SwingRacket", "SwingBat", "DrinkBottle", "DrinkCup"),
    "flow": (
        "WalkLeft",
        "WalkRight",
        "Wave",
        "ArmCircle",
        "Jump",
        "Squat",
        "TurnWheelCW",
        "TurnWheelCCW",
        "HoldWheel",
    ),
}


@dataclass(frozen=True)
class Study:
    stages: Mapping = field(default_factory=lambda: frozen_map(STAGES))
    flow_compared: tuple[str, ...] = FLOW_COMPARED
    pairings: Mapping = field(default_factory=lambda: frozen_map(PAIRINGS))
    comparisons: Mapping = field(default_factory=lambda: frozen_map(COMPARISONS))
    paper_pairing: str = PAPER_PAIRING
    two_stream_baselines: tuple[str, ...] = ("Bicubic + Bicubic", PLAIN_PAIRING)
    temporal_table: tuple[str, ...] = TEMPORAL_TABLE
    flips_method: str = "SoSR"
    recognize: tuple[str, str] = ("SoSR", "ToSR-DUF")
    # the LR oracle's per-class top-1 (%) on validation from which a class counts as recoverable from x4 LR
    # input (arsr_lib.recognition.oracle); the calibration and the claims are read on recoverable classes
    separable: float = 75.0
    oracle_scale: float = 1.0  # the oracle's training steps, a share of the HR recognisers'
    # training seeds of every fine-tuned model a claim compares (arsr_lib.config.seeds): the claims' intervals
    # carry the variation of training
    seeds: int = 1
    # per stream, the classes a claim of that stream is about (its minimum detectable effect is also given on
    # their videos): SynthActions' detail pairs for the spatial stream, its motion classes for the temporal
    # one (empty: overall only)
    focus: Mapping = field(default_factory=lambda: frozen_map({}))

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "focus", frozen_map({str(k): tuple(v) for k, v in self.focus.items()}))
        unknown = set(self.focus) - {"rgb", "flow"}
        if unknown:
            raise ValueError(f"study.focus: streams are 'rgb' and 'flow' (got {sorted(unknown)})")
        set_(self, "stages", frozen_map({str(k): tuple(v) for k, v in self.stages.items()}))
        set_(self, "pairings", _tuples(self.pairings, 2, "pairings"))
        set_(self, "comparisons", _tuples(self.comparisons, 3, "comparisons"))
        for name in ("flow_compared", "two_stream_baselines", "temporal_table", "recognize"):
            set_(self, name, tuple(getattr(self, name)))
        if not 0 < self.oracle_scale <= 1:
            raise ValueError(
                f"study.oracle_scale = {self.oracle_scale} is out of range: it must be in (0, 1]"
            )
        if self.seeds < 1:
            raise ValueError(f"study.seeds = {self.seeds} is out of range: it must be in [1, inf]")
        if not 0 <= self.separable <= 100:
            raise ValueError(f"study.separable = {self.separable} is out of range: it must be in [0, 100]")
        if len(self.recognize) != 2:
            raise ValueError(f"study.recognize is (frames method, flow method) (got {list(self.recognize)})")
        for name, (stream, _, _) in self.comparisons.items():
            if stream not in STREAMS:
                raise ValueError(
                    f"study.comparisons[{name!r}]: stream must be one of {STREAMS} (got {stream!r})"
                )
        for pairing in (self.paper_pairing, *self.two_stream_baselines):
            if pairing not in self.pairings:
                raise ValueError(
                    f"study: pairing {pairing!r} is not one of study.pairings {list(self.pairings)}"
                )

    def methods_named(self) -> set[str]:
        """Every method the study names (HR included)."""
        named = {m for ms in self.stages.values() for m in ms} | set(self.flow_compared)
        named |= {m for pair in self.pairings.values() for m in pair}
        named |= {m for _, a, b in self.comparisons.values() for m in (a, b)}
        return named | set(self.temporal_table) | {self.flips_method, *self.recognize}

    def check_methods(self, methods: Iterable[str], experiment: str) -> None:
        """Every method the study names is one of ``methods`` (the experiment's) or HR."""
        unknown = sorted(self.methods_named() - set(methods) - {HR})
        if unknown:
            raise ValueError(
                f"the study of {experiment} names methods the experiment does not define: {unknown} "
                f"(experiment methods: {sorted(methods)})"
            )

    def stage(self, name: str) -> tuple[str, ...]:
        """The methods SR training stage ``name`` trains and compares."""
        if name not in self.stages:
            raise ValueError(f"unknown SR training stage {name!r}; the study has {list(self.stages)}")
        return self.stages[name]

    def flow_consumers(self) -> set[str]:
        """Methods whose flow some table reads: the temporal table, the flow side of every pairing, the
        temporal comparisons. The others feed the spatial stream alone, so only their frames are made for
        recognition."""
        used = set(self.temporal_table) | {flow for _, flow in self.pairings.values()}
        return used | {m for stream, a, b in self.comparisons.values() if stream == "flow" for m in (a, b)}

    def restricted_to(self, methods: Iterable[str]) -> Study:
        """A copy without the entries that name a method outside ``methods`` (and HR): the default study of an
        experiment with fewer methods (smoke has no ESRGAN-FT)."""
        known = set(methods) | {HR}
        pairings = {k: v for k, v in self.pairings.items() if set(v) <= known}
        return replace(
            self,
            stages={k: tuple(m for m in v if m in known) for k, v in self.stages.items()},
            flow_compared=tuple(m for m in self.flow_compared if m in known),
            pairings=pairings,
            comparisons={k: v for k, v in self.comparisons.items() if set(v[1:]) <= known},
            two_stream_baselines=tuple(b for b in self.two_stream_baselines if b in pairings),
            temporal_table=tuple(m for m in self.temporal_table if m in known),
        )

    def claim_streams(self, method: str) -> tuple[str, ...]:
        """The streams the claims read of ``method``: its side of each comparison (the comparison's stream)
        and of the compared pairings (frames: the spatial stream, flow: the temporal one)."""
        rgb = any(s == "rgb" and method in (a, b) for s, a, b in self.comparisons.values())
        flow = any(s == "flow" and method in (a, b) for s, a, b in self.comparisons.values())
        for pairing in (self.paper_pairing, *self.two_stream_baselines):
            frames, flow_from = self.pairings[pairing]
            rgb, flow = rgb or frames == method, flow or flow_from == method
        return tuple(s for s, used in (("rgb", rgb), ("flow", flow)) if used)

    def compared_methods(self) -> set[str]:
        """The methods the claims compare: both sides of every comparison, of the paper's pairing and of the
        two-stream baselines (those trained here get ``seeds`` training seeds)."""
        named = {m for _, a, b in self.comparisons.values() for m in (a, b)}
        for pairing in (self.paper_pairing, *self.two_stream_baselines):
            named |= set(self.pairings[pairing])
        return named

    def paper_methods(self) -> tuple[str, str]:
        """(frames method, flow method) of the paper's pairing."""
        return self.pairings[self.paper_pairing]

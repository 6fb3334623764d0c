"""arsr: Two-Stream Action Recognition-Oriented Video Super-Resolution (ICCV 2019), reproduced.

Data flows one way through the sub-modules (no module imports one that comes after it; docs/architecture.md):

    config -> video / datasets / synth -> degrade -> flow / frames -> models -> losses -> steps -> engine
    -> inference -> metrics -> srdata / recipes / sreval -> recognition / rectrain -> harness -> tables
    -> reporting -> viewer -> notebook -> reproduce -> commands / cli

A run is described by one typed :class:`arsr_lib.config.Experiment` (``config.load("smoke")``), passed
explicitly.
Sub-modules are imported by their users; importing ``arsr_lib`` itself is cheap.
"""

__version__ = "0.1.0"

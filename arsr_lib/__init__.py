"""arsr: Two-Stream Action Recognition-Oriented Video Super-Resolution (ICCV 2019), reproduced.

The sub-packages are the pipeline, in the order data flows through them; no module imports one from a later
package (docs/architecture.md; tests/test_architecture.py checks it):

    core -> config -> data -> models -> train -> sr -> recognition -> report -> run

A run is described by one typed :class:`arsr_lib.config.Experiment` (``config.load("smoke")``), passed
explicitly. Sub-modules are imported by their users; importing ``arsr_lib`` itself is cheap.
"""

__version__ = "0.1.0"

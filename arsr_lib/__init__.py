"""arsr: Two-Stream Action Recognition-Oriented Video Super-Resolution (ICCV 2019), reproduced.

Data flows one way through the sub-modules (no module imports "upward"):

    video / datasets / synth -> degrade -> flow / frames -> models -> losses
    -> engine -> inference -> metrics -> reports

Sub-modules are imported lazily by their users; importing ``arsr_lib`` itself is cheap.
"""

__version__ = "0.1.0"

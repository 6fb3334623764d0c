"""The recogniser lane: ``arsr recognisers`` of the run's experiment in a second process.

The recognisers train on HR frames alone, so with ``compute.recogniser_lane`` the runner starts them as soon
as the data stage has made the data, beside the SR stages (on a 2-core CPU two one-thread processes do more
than one two-thread process: ``reports/benchmarks/channels_last.md``); the recognition stage waits for each
run's lock and reuses it (:class:`arsr_lib.train.engine.Engine`). The lane's output goes to
``reports/<profile>/.stages/recognisers.log``; a lane that fails is an error of the run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from arsr_lib.config import project_root


class NotebookFailed(RuntimeError):
    """A stage of the reproduction failed (a notebook's cell, or the recogniser lane)."""


class RecogniserLane:
    """``arsr recognisers`` of the run's experiment in a second process (see the module's docstring)."""

    def __init__(self, profile: str, config_file: str | None, device: str | None, log: Path):
        cmd = [sys.executable, "-m", "arsr_lib", "recognisers", "--quiet"]
        cmd += ["--config", str(Path(config_file).resolve())] if config_file else ["--profile", profile]
        cmd += ["--device", device] if device else []
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        with open(log, "w") as fh:
            self.proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=str(project_root()))

    def finish(self) -> None:
        """Wait for the lane; an error naming its log when it failed."""
        if self.proc.wait() != 0:
            raise NotebookFailed(
                f"the recogniser lane (arsr recognisers) exited with {self.proc.returncode}; see {self.log}"
            )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

"""The viewer's ipywidgets front end (notebook 06): pickers, a frame slider with play, methods, view and zoom,
wired to :func:`arsr_lib.report.viewer.render`, which holds all the logic and is tested without a browser."""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from arsr_lib.core import protocol
from arsr_lib.report.viewer import VIEWS, Catalogue, Zoom, render, to_png


class Viewer:
    """Widgets over a :class:`Catalogue`; display ``viewer.widget``."""

    def __init__(self, cat: Catalogue, dataset: str | None = None, scale: int = 2):
        self.cat, self.scale = cat, scale
        datasets = cat.datasets()
        if not datasets:
            raise FileNotFoundError(f"viewer: no dataset with HR rawframes under {cat.frames_root}")
        self.dataset = W.Dropdown(options=datasets, value=dataset or datasets[0], description="dataset")
        self.video = W.Dropdown(description="video", layout=W.Layout(width="380px"))
        self.frame = W.IntSlider(0, 0, 1, description="frame", continuous_update=True)
        self.play = W.Play(interval=200, min=0, max=1, step=1, description="play")
        W.jslink((self.play, "value"), (self.frame, "value"))
        self.methods = W.SelectMultiple(description="methods", rows=6)
        self.view = W.ToggleButtons(options=VIEWS, value="frames", description="view")
        self.zoom_on = W.Checkbox(value=False, description="zoom")
        self.zoom_x = W.FloatSlider(0.5, min=0, max=1, step=0.02, description="zoom x")
        self.zoom_y = W.FloatSlider(0.5, min=0, max=1, step=0.02, description="zoom y")
        self.zoom_size = W.IntSlider(24, min=8, max=96, step=4, description="crop px")
        self.image = W.Image(format="png")
        self.status = W.HTML()
        self.dataset.observe(self._on_dataset, "value")
        self.video.observe(self._on_video, "value")
        for w in (
            self.frame,
            self.methods,
            self.view,
            self.zoom_on,
            self.zoom_x,
            self.zoom_y,
            self.zoom_size,
        ):
            w.observe(lambda _change: self.redraw(), "value")
        self._quiet = False
        self._on_dataset()
        self.widget = W.VBox(
            [
                W.HBox([self.dataset, self.video]),
                W.HBox([self.play, self.frame]),
                W.HBox(
                    [
                        self.methods,
                        W.VBox(
                            [
                                self.view,
                                W.HBox([self.zoom_on, self.zoom_size]),
                                W.HBox([self.zoom_x, self.zoom_y]),
                            ]
                        ),
                    ]
                ),
                self.image,
                self.status,
            ]
        )

    def _on_dataset(self, _change=None):
        self._quiet = True
        vids = self.cat.videos(self.dataset.value)
        self.video.options = vids
        self.video.value = vids[0]
        self._quiet = False
        self._on_video()

    def _on_video(self, _change=None):
        self._quiet = True
        avail = self.cat.methods(self.dataset.value, self.video.value)
        keep = [m for m in self.methods.value if m in avail]
        self.methods.options = avail
        default = [m for m in ("LR", "Bicubic", "SoSR", "ToSR-DUF", "HR") if m in avail]
        self.methods.value = tuple(keep or default)
        n = len(self.cat.load(self.dataset.value, "HR", self.video.value)[0])
        self.frame.max = self.play.max = n - 1
        self.frame.value = min(self.frame.value, n - 1)
        self._quiet = False
        self.redraw()

    def zoom(self) -> Zoom | None:
        return (
            Zoom(self.zoom_x.value, self.zoom_y.value, self.zoom_size.value) if self.zoom_on.value else None
        )

    def redraw(self) -> np.ndarray | None:
        if self._quiet:
            return None
        img = render(
            self.cat,
            self.dataset.value,
            self.video.value,
            list(self.methods.value),
            self.view.value,
            self.frame.value,
            self.zoom(),
            self.scale,
        )
        self.image.value = to_png(img)
        self.status.value = (
            f"<small>{self.dataset.value} / {self.video.value}, frame {self.frame.value}, "
            f"view <b>{self.view.value}</b>; flow: bound ±{protocol.FLOW_BOUND:g} px, quantised "
            f"to 8 bits; SR methods of profile <b>{self.cat.profile}</b></small>"
        )
        return img

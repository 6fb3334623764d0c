"""Reports: tables and figures by subject, and the viewer; the end of the data flow (may import everything
before it but the runner).

* :mod:`~arsr_lib.report.io`: ``save_table`` (CSV + Markdown with caption), ``save_figure`` (PNG);
* :mod:`~arsr_lib.report.data_figures`: data preparation (splits, degradation grid and statistics, motion);
* :mod:`~arsr_lib.report.sr_figures`: SoSR and ToSR training (weight maps, curves, crops, siamese pairs,
  flicker);
* :mod:`~arsr_lib.report.flow_figures`: the flow comparison (flow fields, end-point errors);
* :mod:`~arsr_lib.report.recognition_figures`: recognition (prediction flips);
* :mod:`~arsr_lib.report.viewer`, :mod:`~arsr_lib.report.viewer_widget`: the frame viewer and its widgets.
"""

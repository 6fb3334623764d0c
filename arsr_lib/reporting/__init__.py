"""Reports: tables and figures by subject, the end of the data flow (may import everything before it).

* :mod:`~arsr_lib.reporting.io`: ``save_table`` (CSV + Markdown with caption), ``save_figure`` (PNG);
* :mod:`~arsr_lib.reporting.data_figures`: notebook 01 (splits, degradation grid and statistics, motion);
* :mod:`~arsr_lib.reporting.sr_figures`: notebooks 02-03 (weight maps, curves, crops, siamese pairs, flicker);
* :mod:`~arsr_lib.reporting.flow_figures`: notebook 04 (flow comparison, end-point errors);
* :mod:`~arsr_lib.reporting.recognition_figures`: notebook 05 (prediction flips).
"""

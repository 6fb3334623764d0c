"""From video files to the frames and flow the models read: decoding and writing video, dataset splits,
SynthActions, the x4 degradation, optical flow and rawframes, and preparing an experiment's data."""

"""Super-resolution as the study uses it: SR training data and recipes, inference on videos and chosen frames,
image-quality metrics, and the SR videos and quality tables of the test split."""

"""Two-stream recognition of HR and SR test videos: clips and test snippets, training the recognisers, the
evaluation harness and its score cache, statistics, the tables of the paper's claims and single-video
prediction."""

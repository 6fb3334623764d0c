"""Running the study: what every notebook starts with, the reproduction runner (notebooks in order through
papermill), evaluation without a notebook, and the ``arsr`` command line."""

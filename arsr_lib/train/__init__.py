"""The one training engine and what it runs: the losses (Eq. 1, ToSR's terms, RaGAN, feature loss), training
steps as named objects, and reading a finished run's weights."""

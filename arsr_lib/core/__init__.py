"""Infrastructure every later layer uses, and no science: the pinned protocols, error types, atomic files,
bounded caches, cache keys on code, the device switch and a run's CSV log."""

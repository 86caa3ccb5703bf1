"""`./matjip demo rush`: a dinner rush of simulated customers and owners against the running platform."""

"""`./matjip bench`: the platform under open-loop load, beside the machine's own limits, in one run."""

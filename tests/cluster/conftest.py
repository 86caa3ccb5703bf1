"""The cluster suite's fixtures: one simulated cluster for the whole folder, with dev and prod installed.

The cluster is the suite's own (a temporary folder, ports apart from `./matjip cluster up`'s), built
on first use (binaries are cached per version in ~/.cache/matjip/cluster) and stopped at the end.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# The helpers live beside the tests; importlib import mode does not put this folder on sys.path.
sys.path.insert(0, str(Path(__file__).parent))

from simulation import Simulation, start_simulation


# Package scope: the cluster stops when the last test of this folder is done, not at the end of the
# whole run (the rest of `./matjip test` should not share the machine with an idle control plane).
@pytest.fixture(scope="package")
def sim() -> Iterator[Simulation]:
    home = Path(tempfile.mkdtemp(prefix="matjip-cluster-test-"))
    simulation = start_simulation(home)
    try:
        yield simulation
    finally:
        simulation.stop()

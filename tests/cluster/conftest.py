"""The cluster suite's fixtures: one API server for the whole folder, with dev and prod installed.

The cluster is the suite's own (a temporary folder, ports apart from `./matjip cluster up`'s); its
programs are built on first use (cached per version in ~/.cache/matjip/cluster; `./matjip test`
starts that build in the background at its beginning) and stopped when the folder's last test is done.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from matjip_devstack.cluster.control_plane import Cluster, cluster_for, stop_cluster
from matjip_devstack.cluster.environments import Environment
from matjip_devstack.cluster.kube import Kube
from matjip_devstack.cluster.layout import Layout

# The canary scenarios' helpers live beside the tests; importlib import mode does not put this folder on
# sys.path.
sys.path.insert(0, str(Path(__file__).parent))


# Package scope: the API server stops when the last test of this folder is done, not at the end of the
# whole run (the rest of `./matjip test` should not share the machine with an idle control plane).
@pytest.fixture(scope="package")
def cluster() -> Iterator[Cluster]:
    layout = Layout.for_tests(Path(tempfile.mkdtemp(prefix="matjip-cluster-test-")))
    try:
        running = cluster_for(layout)
        running.start()
        yield running
    finally:
        stop_cluster(layout)
        shutil.rmtree(layout.home, ignore_errors=True)


@pytest.fixture(scope="package")
def kube(cluster: Cluster) -> Iterator[Kube]:
    client = cluster.admin()
    yield client
    client.close()


@pytest.fixture(scope="package")
def environments(kube: Kube) -> dict[str, Environment]:
    """dev and prod, each installed as deploy/README.md says: cluster set-up, then every Application."""
    installed = {}
    for name in ("dev", "prod"):
        env = Environment(name, kube)
        env.install()
        installed[name] = env
    return installed

"""Matjip's local stack ("the embedded default"): infrastructure, services and the edge, no containers.

Public API for tests:
- :func:`matjip_devstack.infra.ensure_infra` starts PostgreSQL, Redis and Kafka if needed;
- :class:`matjip_devstack.stack.ServiceStack` runs services as real processes;
- :func:`matjip_devstack.edge.spawn_edge` starts the local edge (nginx) in front of them.
"""

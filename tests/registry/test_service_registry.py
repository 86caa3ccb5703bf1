"""One registry of services (matjip_contracts.services): every other copy is read from it or checked here."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
import yaml

from matjip_contracts import services as registry
from matjip_contracts.topics import ALL_TOPICS
from matjip_devstack import config as devstack_config
from matjip_devstack.services import PROCESSES as DEVSTACK_PROCESSES
from matjip_devstack.services import SERVICES as DEVSTACK

REPO = Path(__file__).resolve().parents[2]
HELM = REPO / "deploy" / "helm"
NAMES = [s.name for s in registry.SERVICES]

sys.path.insert(0, str(REPO / "tests" / "deploy"))
import deploy_checks  # noqa: E402  (the deploy suite's helpers; importlib mode keeps that folder off sys.path)


def test_the_local_stack_runs_the_registry() -> None:
    assert [(s.name, s.module, s.port - devstack_config.PORT_OFFSET, s.schema) for s in DEVSTACK] == [
        (e.name, e.module, e.port, e.schema) for e in registry.SERVICES
    ]


@pytest.mark.parametrize("entry", registry.SERVICES, ids=lambda e: e.name)
def test_each_service_definition_matches_its_entry(entry: registry.ServiceEntry) -> None:
    app = importlib.import_module(f"{entry.module}.app")
    definition = app.definition
    assert definition.name == entry.name
    assert definition.schema == entry.schema
    consumed = set(definition.handlers.topics) if definition.handlers else set()
    assert consumed == set(entry.consumes), "the registry's consumes must be what the handlers read"


def test_every_consumed_or_published_topic_is_a_contract_topic() -> None:
    for entry in registry.SERVICES:
        assert set(entry.consumes) | set(entry.publishes) <= set(ALL_TOPICS), entry.name
    assert len({e.port for e in registry.SERVICES}) == len(registry.SERVICES)
    assert len({e.schema for e in registry.SERVICES}) == len(registry.SERVICES)


def test_local_only_processes_run_locally_and_nowhere_else() -> None:
    """The sandbox PG runs beside the services in the local stack (ports and schemas of its own) and in
    no cluster: no chart block, Application or image pin names it."""
    everything = [*registry.SERVICES, *registry.LOCAL_ONLY]
    assert [s.name for s in DEVSTACK_PROCESSES] == [e.name for e in everything]
    assert len({e.port for e in everything}) == len(everything)
    assert len({e.schema for e in everything}) == len(everything)
    values = yaml.safe_load((HELM / "matjip" / "values.yaml").read_text())
    for entry in registry.LOCAL_ONLY:
        assert entry.name not in values and entry.name not in deploy_checks.SERVICES
        for environment in ("dev", "prod"):
            assert not (HELM / "matjip" / "images" / environment / f"{entry.name}.yaml").exists()
            appset = (REPO / "deploy" / "argocd" / f"applicationset-{environment}.yaml").read_text()
            assert entry.name not in appset


def test_the_conventions_tables_are_generated_from_it() -> None:
    text = (REPO / "docs" / "conventions.md").read_text()
    assert registry.markdown_process_table() in text, "run: python -m matjip_contracts.services --markdown"
    assert registry.markdown_topic_table() in text, "run: python -m matjip_contracts.services --markdown"


def test_the_helm_values_describe_each_service_as_the_registry_does() -> None:
    values = yaml.safe_load((HELM / "matjip" / "values.yaml").read_text())
    chart = yaml.safe_load((HELM / "matjip" / "Chart.yaml").read_text())
    assert [d["alias"] for d in chart["dependencies"]] == NAMES
    # `web` is the web app's own block (templates/web.yaml), not a service.
    blocks = {k: v for k, v in values.items() if k not in ("global", "platform", "web")}
    assert list(blocks) == NAMES
    for entry in registry.SERVICES:
        block = blocks[entry.name]
        assert (block["port"], block["dbSchema"], block["profile"]) == (entry.port, entry.schema, entry.profile)
        assert block["consumes"] == list(entry.consumes), entry.name
    assert values["platform"]["kafkaTopics"]["topics"] == list(ALL_TOPICS)
    service_defaults = yaml.safe_load((HELM / "matjip-service" / "values.yaml").read_text())
    assert service_defaults["global"]["authPort"] == registry.service("auth").port


@pytest.mark.parametrize("environment", ["local", "dev", "prod"])
def test_the_rendered_chart_runs_the_registry(environment: str) -> None:
    docs = deploy_checks.rendered(environment)
    for entry in registry.SERVICES:
        config = deploy_checks.find(docs, "ConfigMap", entry.name)["data"]
        assert config["MATJIP_HTTP_PORT"] == str(entry.port)
        assert config["MATJIP_DB_SCHEMA"] == entry.schema
        workload = next(
            w for w, _ in deploy_checks.pod_templates(docs, jobs=False) if w["metadata"]["name"] == entry.name
        )
        assert workload["metadata"]["labels"]["matjip.io/profile"] == entry.profile
        container = workload["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", entry.module]
        assert container["ports"][0]["containerPort"] == entry.port


def test_gitops_and_release_files_list_every_service() -> None:
    for environment in ("dev", "prod"):
        appset = yaml.safe_load((REPO / "deploy" / "argocd" / f"applicationset-{environment}.yaml").read_text())
        elements = [e["service"] for e in appset["spec"]["generators"][0]["list"]["elements"]]
        assert elements == ["platform", *NAMES, "web"]
        pins = sorted(p.stem for p in (HELM / "matjip" / "images" / environment).glob("*.yaml"))
        assert pins == sorted([*NAMES, "web"])
    assert list(deploy_checks.SERVICES) == NAMES


def test_a_drifted_copy_is_noticed() -> None:
    text = (
        (REPO / "docs" / "conventions.md")
        .read_text()
        .replace("| order | `matjip_order` | 8104 |", "| order | `matjip_order` | 8114 |")
    )
    assert registry.markdown_process_table() not in text
    assert re.search(r"\| order \| `matjip_order` \| 8104 \|", registry.markdown_process_table())

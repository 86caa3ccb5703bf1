"""Generate strict, standalone JSON schemas for kubeconform, offline.

Two sources:
- Kubernetes: the `-local-strict` schemas shipped by the PyPI package ``kubernetes-validate``. Each kind
  file there ``$ref``s ``/api/_definitions.json`` (ids under kubernetes.io), which kubeconform would try
  to fetch; we copy the referenced definitions into the kind's own ``$defs`` so every file stands alone.
- CRDs: upstream CustomResourceDefinition YAML (``openAPIV3Schema``). We turn OpenAPI v3 into JSON
  Schema (``nullable``, int-or-string) and close every object that declares ``properties`` with
  ``additionalProperties: false`` unless it says ``x-kubernetes-preserve-unknown-fields`` — that is what
  makes a misspelled field an error. ``metadata`` gets Kubernetes' own strict ObjectMeta.

Layout written under --out (matches the templates in tests/deploy/kube.py):
  kubernetes/v<ver>-standalone-strict/<kind>-<group>-<version>.json
  crds/<group>/<kind>_<version>.json
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

Json = Any  # JSON values are recursive; precise typing buys nothing here
DEFS_REF = re.compile(r"^(?:/api/_definitions\.json)?#/\$defs/(?P<name>.+)$")
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _walk_refs(node: Json) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            match = DEFS_REF.match(ref)
            if match:
                yield match["name"]
        for value in node.values():
            yield from _walk_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_refs(item)


def _rewrite_refs(node: Json) -> Json:
    if isinstance(node, dict):
        out = {k: _rewrite_refs(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str):
            match = DEFS_REF.match(ref)
            if match:
                out["$ref"] = f"#/$defs/{match['name']}"
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _closure(roots: Iterable[str], definitions: dict[str, Json]) -> dict[str, Json]:
    """Every definition reachable from ``roots``, rewritten to local refs."""
    seen: dict[str, Json] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen[name] = definitions[name]
        todo.extend(_walk_refs(definitions[name]))
    return {name: _rewrite_refs(body) for name, body in sorted(seen.items())}


def _close_objects(node: Json) -> None:
    """Belt and braces: reject unknown keys wherever an object lists its properties."""
    if isinstance(node, dict):
        if (
            "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            node["additionalProperties"] = False
        for key, value in node.items():
            # Inside "properties" the keys are field names, so recurse into their schemas only.
            if key == "properties" and isinstance(value, dict):
                for sub in value.values():
                    _close_objects(sub)
            else:
                _close_objects(value)
    elif isinstance(node, list):
        for item in node:
            _close_objects(item)


def kube_schema_dir(version: str) -> Path:
    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    src = base / f"v{version}-local-strict"
    if not src.is_dir():
        available = sorted(p.name for p in base.iterdir())
        raise SystemExit(f"kubernetes-validate has no schemas for {version}; it has {available}")
    return src


def load_kube_definitions(version: str) -> dict[str, Json]:
    defs: dict[str, Json] = json.loads((kube_schema_dir(version) / "_definitions.json").read_text())["$defs"]
    return defs


def generate_kubernetes(version: str, out: Path) -> int:
    src = kube_schema_dir(version)
    definitions = load_kube_definitions(version)
    target = out / "kubernetes" / f"v{version}-standalone-strict"
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(src.glob("*.json")):
        if path.name in ("_definitions.json", "all.json"):
            continue
        schema = json.loads(path.read_text())
        # Only top-level API kinds carry a group-version-kind; the rest are fragments nobody looks up.
        if "x-kubernetes-group-version-kind" not in schema:
            continue
        schema.pop("$id", None)
        defs = _closure(_walk_refs(schema), definitions)
        standalone = _rewrite_refs(schema)
        standalone["$defs"] = defs
        _close_objects(standalone)
        (target / path.name).write_text(json.dumps(standalone, separators=(",", ":")))
        count += 1
    return count


def openapi_to_jsonschema(node: Json) -> Json:
    """OpenAPI v3 (as used by CRDs) to JSON Schema 2020-12."""
    if isinstance(node, list):
        return [openapi_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Json] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: openapi_to_jsonschema(sub) for name, sub in value.items()}
        elif key in ("nullable", "x-kubernetes-int-or-string"):
            continue
        else:
            out[key] = openapi_to_jsonschema(value)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.pop("anyOf", None)
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


class _CrdLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's `=` "value" tag, which PyYAML cannot construct; some CRDs have
    `enum: [=, ...]` (operators) that must stay plain strings."""


_CrdLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:value"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _crd_documents(crd_dir: Path) -> Iterator[dict[str, Json]]:
    for path in sorted(crd_dir.rglob("*.yaml")):
        for doc in yaml.load_all(path.read_text(), Loader=_CrdLoader):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                yield doc


def generate_crds(crd_dir: Path, out: Path, object_meta_defs: dict[str, Json]) -> int:
    count = 0
    for crd in _crd_documents(crd_dir):
        group = crd["spec"]["group"]
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served", True):
                continue
            raw = version.get("schema", {}).get("openAPIV3Schema")
            if raw is None:
                continue
            schema = openapi_to_jsonschema(copy.deepcopy(raw))
            props = schema.setdefault("properties", {})
            props["apiVersion"] = {"type": "string", "enum": [f"{group}/{version['name']}"]}
            props["kind"] = {"type": "string", "enum": [kind]}
            props["metadata"] = {"$ref": f"#/$defs/{OBJECT_META}"}
            schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
            schema["$defs"] = object_meta_defs
            _close_objects(schema)
            target = out / "crds" / group
            target.mkdir(parents=True, exist_ok=True)
            (target / f"{kind.lower()}_{version['name']}.json").write_text(json.dumps(schema, separators=(",", ":")))
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--crds", type=Path, required=True, help="folder of CRD YAML (searched recursively)")
    parser.add_argument("--kube-versions", required=True, help="space or comma separated, e.g. 1.33.0")
    args = parser.parse_args()
    versions = [v for v in re.split(r"[,\s]+", args.kube_versions) if v]
    for version in versions:
        n = generate_kubernetes(version, args.out)
        print(f"kubernetes {version}: {n} kinds")
    meta_defs = _closure([OBJECT_META], load_kube_definitions(versions[-1]))
    print(f"crds: {generate_crds(args.crds, args.out, meta_defs)} kind versions")


if __name__ == "__main__":
    main()

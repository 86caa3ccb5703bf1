"""The metric contract of docs/conventions.md, read from the doc itself, and a PromQL name extractor.

Dashboards, alert rules and the running services are checked against one source: the metrics table in
``docs/conventions.md``. This module parses that table (and the service/port table) and extracts the
metric names, selectors and label names a PromQL expression uses, so that a test can say "every name a
dashboard or rule queries is exported by some service" and, end to end, "every name the contract lists
is really exported".

The extractor is a tokenizer plus a small scanner, not a full PromQL parser: it knows enough of the
grammar to skip function and aggregation names, keywords, label names (in matchers and in
``by``/``without``/``on``/``ignoring``/``group_left``/``group_right`` lists), durations, ranges and
subqueries, numbers, strings, comments and Grafana template variables (``$job``, ``${job:regex}``,
``$__rate_interval``, ``[[job]]``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
CONVENTIONS = REPO_ROOT / "docs" / "conventions.md"

# Labels Prometheus attaches to every scraped series (conventions.md: the local Prometheus sets `job`;
# in Kubernetes the ServiceMonitor sets job/namespace/pod), plus the Argo Rollouts pod-template hash
# that the ServiceMonitor copies from the pod label `rollouts-pod-template-hash`.
SCRAPE_LABELS = frozenset({"job", "namespace", "pod", "instance"})
CANARY_LABEL = "rollouts_pod_template_hash"
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

# ---------------------------------------------------------------------------------------------------
# The contract
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelSpec:
    name: str
    values: tuple[str, ...] = ()  # documented values, empty when the doc leaves them open


@dataclass(frozen=True)
class MetricSpec:
    name: str
    type: str  # counter | gauge | histogram
    labels: tuple[LabelSpec, ...]
    service: str | None  # None: every service exports it; else only that service

    @property
    def label_names(self) -> frozenset[str]:
        return frozenset(label.name for label in self.labels)

    def series_names(self) -> tuple[str, ...]:
        """The names under which the metric appears in a scrape (a histogram has three)."""
        if self.type == "histogram":
            return tuple(self.name + suffix for suffix in HISTOGRAM_SUFFIXES)
        return (self.name,)

    def labels_of_series(self, series_name: str) -> frozenset[str]:
        """The labels a series of this metric may carry once scraped."""
        extra = {"le"} if series_name.endswith("_bucket") and self.type == "histogram" else set()
        return self.label_names | SCRAPE_LABELS | {CANARY_LABEL} | extra


@dataclass(frozen=True)
class Service:
    name: str
    module: str
    port: int
    schema: str


def _section(markdown: str, heading_prefix: str) -> str:
    """The text under the `## <heading_prefix>...` heading, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(heading_prefix)}.*?$(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    if match is None:
        raise ValueError(f"conventions.md has no section starting with {heading_prefix!r}")
    return match.group(1)


def _table_rows(section: str) -> list[list[str]]:
    """Rows of the first markdown table in a section, header and separator excluded."""
    rows: list[list[str]] = []
    lines = [line.strip() for line in section.splitlines()]
    table = [line for line in lines if line.startswith("|")]
    for line in table[2:]:
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _backticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def parse_metric_contract(path: Path = CONVENTIONS) -> dict[str, MetricSpec]:
    """The metrics table of conventions.md: metric name -> spec."""
    section = _section(path.read_text(encoding="utf-8"), "Metrics every service exports")
    metrics: dict[str, MetricSpec] = {}
    for row in _table_rows(section):
        if len(row) < 3:
            continue
        name_cell, type_cell, labels_cell = row[0], row[1], row[2]
        names = _backticked(name_cell)
        if not names:
            continue
        scope = re.search(r"\(([a-z]+)\)\s*$", name_cell)
        labels: list[LabelSpec] = []
        # `outcome` (`processed`, `duplicate`) : a label followed by its documented values in parentheses.
        for label_match in re.finditer(r"`([a-z_][a-z0-9_]*)`\s*(\(([^)]*)\))?", labels_cell):
            values = tuple(_backticked(label_match.group(3) or ""))
            labels.append(LabelSpec(label_match.group(1), values))
        metrics[names[0]] = MetricSpec(
            name=names[0],
            type=type_cell.strip().lower(),
            labels=tuple(labels),
            service=scope.group(1) if scope else None,
        )
    if not metrics:
        raise ValueError("conventions.md's metrics table is empty or unreadable")
    return metrics


def parse_services(path: Path = CONVENTIONS) -> list[Service]:
    """The services of the 'Processes and ports' table (the edge proxy, which owns no schema, and the
    local-only sandbox payment gateway, which no cluster runs or watches, excluded)."""
    section = _section(path.read_text(encoding="utf-8"), "Processes and ports")
    services: list[Service] = []
    for row in _table_rows(section):
        if len(row) < 4 or not row[2].isdigit():
            continue
        if len(row) > 4 and row[4].startswith("local only"):
            continue
        schema = _backticked(row[3])
        if not schema:
            continue
        modules = _backticked(row[1])
        services.append(Service(row[0].split()[0], modules[0] if modules else "", int(row[2]), schema[0]))
    if not services:
        raise ValueError("conventions.md's process table is empty or unreadable")
    return services


def contract_series_names(contract: dict[str, MetricSpec]) -> dict[str, MetricSpec]:
    """Every series name a scrape may contain under the contract -> the metric it belongs to."""
    return {series: spec for spec in contract.values() for series in spec.series_names()}


# ---------------------------------------------------------------------------------------------------
# PromQL
# ---------------------------------------------------------------------------------------------------

AGGREGATIONS = frozenset(
    {
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
        "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    }
)  # fmt: skip
GROUPING_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
KEYWORDS = GROUPING_KEYWORDS | {"and", "or", "unless", "bool", "offset", "atan2"}
NUMBER_WORDS = frozenset({"inf", "nan"})

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
  | (?P<var>\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\[\[[^\]]*\]\])
  | (?P<number>0[xX][0-9a-fA-F]+
      |(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)?)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=,(){}\[\]@])
    """,
    re.X,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str  # = != =~ !~
    value: str  # the string's content, quotes removed (Grafana variables left as they are)


@dataclass(frozen=True)
class Selector:
    """One vector selector: `name{matchers}`; name is None for `{__name__=~"..."}`-style selectors."""

    name: str | None
    matchers: tuple[Matcher, ...]


@dataclass
class ParsedExpr:
    selectors: list[Selector] = field(default_factory=list)
    grouping_labels: set[str] = field(default_factory=set)


def tokenize(expr: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None:
            raise ValueError(f"cannot tokenize PromQL at {pos}: {expr[pos : pos + 30]!r} in {expr!r}")
        kind = match.lastgroup or ""
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, match.group()))
        pos = match.end()
    return tokens


def _unquote(text: str) -> str:
    if text[:1] == "`":
        return text[1:-1]
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _closing(tokens: list[Token], start: int, open_: str, close: str) -> int:
    """Index of the token closing the bracket opened at `start`."""
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index].text == open_:
            depth += 1
        elif tokens[index].text == close:
            depth -= 1
            if depth == 0:
                return index
    raise ValueError(f"unbalanced {open_!r} in PromQL: {' '.join(t.text for t in tokens)}")


def _parse_matchers(tokens: list[Token], start: int, end: int) -> tuple[Matcher, ...]:
    """Matchers between `{` at start and `}` at end."""
    matchers: list[Matcher] = []
    index = start + 1
    while index < end:
        label, op = tokens[index], tokens[index + 1] if index + 1 < end else None
        if label.kind == "op" and label.text == ",":
            index += 1
            continue
        value = tokens[index + 2] if index + 2 < end else None
        if (
            label.kind not in ("ident", "string")
            or op is None
            or op.text not in ("=", "!=", "=~", "!~")
            or value is None
            or value.kind not in ("string", "var")
        ):
            raise ValueError(f"unexpected label matcher near {label.text!r}")
        name = _unquote(label.text) if label.kind == "string" else label.text
        matchers.append(Matcher(name, op.text, _unquote(value.text) if value.kind == "string" else value.text))
        index += 3
    return tuple(matchers)


def parse_expr(expr: str) -> ParsedExpr:
    """Selectors and grouping labels of a PromQL expression (see the module docstring)."""
    tokens = tokenize(expr)
    _check_balanced(tokens, expr)
    parsed = ParsedExpr()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind == "op" and token.text == "[":
            index = _closing(tokens, index, "[", "]") + 1  # range or subquery: durations only
            continue
        if token.kind == "op" and token.text == "{":
            end = _closing(tokens, index, "{", "}")
            parsed.selectors.append(_selector(None, _parse_matchers(tokens, index, end)))
            index = end + 1
            continue
        if token.kind != "ident":
            index += 1
            continue
        word = token.text.lower()
        if word in GROUPING_KEYWORDS:
            if nxt is not None and nxt.text == "(":
                end = _closing(tokens, index + 1, "(", ")")
                parsed.grouping_labels.update(t.text for t in tokens[index + 2 : end] if t.kind == "ident")
                index = end + 1
            else:
                index += 1
            continue
        if word in KEYWORDS or word in NUMBER_WORDS:
            index += 1
            continue
        if nxt is not None and nxt.text == "(":  # a function or an aggregation: `rate(`, `sum(`
            index += 1
            continue
        if word in AGGREGATIONS and nxt is not None and nxt.kind == "ident" and nxt.text.lower() in ("by", "without"):
            index += 1  # `sum by (job) (...)`
            continue
        if nxt is not None and nxt.text == "{":
            end = _closing(tokens, index + 1, "{", "}")
            parsed.selectors.append(Selector(token.text, _parse_matchers(tokens, index + 1, end)))
            index = end + 1
            continue
        parsed.selectors.append(Selector(token.text, ()))
        index += 1
    return parsed


def _check_balanced(tokens: list[Token], expr: str) -> None:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for token in tokens:
        if token.kind != "op":
            continue
        if token.text in "([{":
            stack.append(token.text)
        elif token.text in pairs and (not stack or stack.pop() != pairs[token.text]):
            raise ValueError(f"unbalanced {token.text!r} in PromQL: {expr!r}")
    if stack:
        raise ValueError(f"unclosed {stack[-1]!r} in PromQL: {expr!r}")


def _selector(name: str | None, matchers: tuple[Matcher, ...]) -> Selector:
    """A `{...}` selector: its name comes from an exact `__name__` matcher when there is one."""
    for matcher in matchers:
        if matcher.label == "__name__" and matcher.op == "=":
            rest = tuple(m for m in matchers if m is not matcher)
            return Selector(matcher.value, rest)
    return Selector(name, matchers)


def metric_names_in_expr(expr: str) -> set[str]:
    """The metric names a PromQL expression selects.

    Raises ValueError for a selector whose name is only a regex (`{__name__=~"http_.*"}`): its names
    cannot be checked against a contract, so such selectors have no place in dashboards or rules.
    """
    names: set[str] = set()
    for selector in parse_expr(expr).selectors:
        if selector.name is None:
            raise ValueError(f"selector without an exact metric name in {expr!r}")
        names.add(selector.name)
    return names


def label_names_in_expr(expr: str) -> set[str]:
    """Every label name an expression refers to: in matchers and in grouping clauses."""
    parsed = parse_expr(expr)
    labels = set(parsed.grouping_labels)
    for selector in parsed.selectors:
        labels.update(m.label for m in selector.matchers if m.label != "__name__")
    return labels


_LABEL_VALUES = re.compile(r"^\s*label_values\((?P<args>.*)\)\s*$", re.S)
_QUERY_RESULT = re.compile(r"^\s*query_result\((?P<expr>.*)\)\s*$", re.S)


def grafana_variable_promql(query: str) -> str | None:
    """The PromQL inside a Grafana Prometheus variable query, or None when it has none.

    `label_values(up{job="x"}, namespace)` -> `up{job="x"}`; `label_values(job)` -> None;
    `query_result(expr)` -> `expr`.
    """
    if (match := _QUERY_RESULT.match(query)) is not None:
        return match.group("expr")
    if (match := _LABEL_VALUES.match(query)) is not None:
        args = match.group("args")
        if "," not in args:
            return None
        return args.rsplit(",", 1)[0]
    return None


def grafana_variable_label(query: str) -> str | None:
    """The label a `label_values(..., label)` variable lists."""
    if (match := _LABEL_VALUES.match(query)) is not None:
        return match.group("args").rsplit(",", 1)[-1].strip()
    return None


# ---------------------------------------------------------------------------------------------------
# Rule files and dashboards as data
# ---------------------------------------------------------------------------------------------------


def rules_in(groups_doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every rule of a loaded Prometheus rule file."""
    for group in groups_doc.get("groups", []):
        yield from group.get("rules", [])


def walk_panels(panels: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every panel of a dashboard, panels inside collapsed rows included."""
    for panel in panels:
        yield panel
        yield from walk_panels(panel.get("panels", []))


def datasource_type(obj: dict[str, Any], default: str = "prometheus") -> str:
    datasource = obj.get("datasource")
    if isinstance(datasource, dict):
        return str(datasource.get("type", default))
    return default


def dashboard_promql(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, expr) for every PromQL expression of a dashboard: panel targets and variable queries."""
    for panel in walk_panels(dashboard.get("panels", [])):
        panel_type = datasource_type(panel)
        for target in panel.get("targets", []):
            if datasource_type(target, panel_type) == "prometheus" and target.get("expr"):
                yield f"panel {panel.get('id')} {panel.get('title')!r} {target.get('refId')}", target["expr"]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query" or datasource_type(variable) != "prometheus":
            continue
        query = variable.get("query")
        text = query.get("query", "") if isinstance(query, dict) else str(query or "")
        promql = grafana_variable_promql(text)
        if promql is not None:
            yield f"variable {variable.get('name')}", promql

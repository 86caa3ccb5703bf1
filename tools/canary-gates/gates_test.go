package canarygates

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	"github.com/prometheus/prometheus/promql"
)

// The environments whose canaries are analysed (local runs without analysis).
var environments = []string{"dev", "prod"}

const (
	S = v1alpha1.AnalysisPhaseSuccessful
	F = v1alpha1.AnalysisPhaseFailed
	E = v1alpha1.AnalysisPhaseError
)

// What each metric of an http canary must say in each scenario.
var httpExpected = map[string]map[string]v1alpha1.AnalysisPhase{
	"healthy":             {"request-volume": S, "success-rate": S, "latency-p99": S},
	"empty":               {"request-volume": F, "success-rate": F, "latency-p99": F},
	"nan":                 {"request-volume": F, "success-rate": F, "latency-p99": F},
	"errors":              {"request-volume": E, "success-rate": E, "latency-p99": E},
	"5xx-heavy":           {"request-volume": S, "success-rate": F, "latency-p99": S},
	"slow":                {"request-volume": S, "success-rate": S, "latency-p99": F},
	"canary-without-work": {"request-volume": F, "success-rate": F, "latency-p99": F},
}

// What each metric of a consumer canary must say in each scenario. A dead-letter rate of 0 is good
// news wherever the canary is scraped; the other metrics are what fail a canary that does nothing.
var consumerExpected = map[string]map[string]v1alpha1.AnalysisPhase{
	"healthy":             {"work-evidence": S, "group-lag": S, "processing-time": S, "dead-letter-rate": S},
	"empty":               {"work-evidence": F, "group-lag": F, "processing-time": F, "dead-letter-rate": F},
	"nan":                 {"work-evidence": F, "group-lag": S, "processing-time": F, "dead-letter-rate": S},
	"errors":              {"work-evidence": E, "group-lag": E, "processing-time": E, "dead-letter-rate": E},
	"dead-letters":        {"work-evidence": S, "group-lag": S, "processing-time": S, "dead-letter-rate": F},
	"slow":                {"work-evidence": S, "group-lag": F, "processing-time": F, "dead-letter-rate": S},
	"canary-without-work": {"work-evidence": F, "group-lag": S, "processing-time": F, "dead-letter-rate": S},
	"hung-canary":         {"work-evidence": F, "group-lag": F, "processing-time": F, "dead-letter-rate": S},
}

var hashes = map[string]string{"canary-hash": CanaryHash, "stable-hash": StableHash}

func renderedFile(t *testing.T, environment string) string {
	t.Helper()
	dir := os.Getenv("MATJIP_RENDERED_DIR")
	if dir == "" {
		t.Fatal("MATJIP_RENDERED_DIR is not set: run through tests/deploy/test_canary_gates.py, which renders the chart")
	}
	return filepath.Join(dir, environment+".yaml")
}

func loadTemplates(t *testing.T, environment string) []Template {
	t.Helper()
	templates, err := LoadTemplates(renderedFile(t, environment), environment)
	if err != nil {
		t.Fatal(err)
	}
	if len(templates) == 0 {
		t.Fatalf("%s: no AnalysisTemplate rendered", environment)
	}
	return templates
}

func targetOf(tmpl Template) Target {
	return Target{
		Namespace: tmpl.Namespace,
		Service:   tmpl.Service,
		Group:     "matjip-" + tmpl.Service, // docs/conventions.md: consumer group per service
		Topics:    []string{"matjip.demo"},
	}
}

func expectationsOf(t *testing.T, tmpl Template) ([]Scenario, map[string]map[string]v1alpha1.AnalysisPhase) {
	t.Helper()
	switch tmpl.Profile {
	case "http":
		return HTTPScenarios, httpExpected
	case "consumer":
		return ConsumerScenarios, consumerExpected
	}
	t.Fatalf("%s: unknown profile %q", tmpl.Name(), tmpl.Profile)
	return nil, nil
}

// judge measures every metric of a template in one scenario and returns how the phases differ from
// what is expected (empty: exactly as intended).
func judge(t *testing.T, tmpl Template, scenario Scenario, expected map[string]v1alpha1.AnalysisPhase) []string {
	t.Helper()
	args, err := Arguments(tmpl, hashes)
	if err != nil {
		return []string{err.Error()}
	}
	store := promql.LoadedStorage(t, scenario.Script(targetOf(tmpl)))
	defer store.Close()
	fake := NewFakePrometheus(store, EvalAt)
	defer fake.Close()
	fake.Unavailable = scenario.Unavailable

	var problems []string
	seen := map[string]bool{}
	for _, metric := range tmpl.Spec.Spec.Metrics {
		seen[metric.Name] = true
		want, ok := expected[metric.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("metric %s has no expectation for %s", metric.Name, scenario.Name))
			continue
		}
		measurement, err := Measure(metric, args, fake.Server.URL)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", metric.Name, err))
			continue
		}
		if measurement.Phase != want {
			resolved, _ := Resolve(metric, args)
			problems = append(problems, fmt.Sprintf("%s: %s, want %s (value %q, message %q, condition %q)\n  query: %s",
				metric.Name, measurement.Phase, want, measurement.Value, measurement.Message,
				metric.SuccessCondition, strings.TrimSpace(resolved.Provider.Prometheus.Query)))
		}
	}
	for name := range expected {
		if !seen[name] {
			problems = append(problems, fmt.Sprintf("expected metric %s is not in the template", name))
		}
	}
	if len(fake.Queries()) == 0 {
		problems = append(problems, "no query reached the fake Prometheus")
	}
	sort.Strings(problems)
	return problems
}

// TestGates: every AnalysisTemplate of dev and prod, in every scenario, says exactly what it should.
func TestGates(t *testing.T) {
	for _, environment := range environments {
		for _, tmpl := range loadTemplates(t, environment) {
			tmpl := tmpl
			scenarios, expected := expectationsOf(t, tmpl)
			for _, scenario := range scenarios {
				scenario := scenario
				t.Run(tmpl.Name()+"/"+scenario.Name, func(t *testing.T) {
					for _, problem := range judge(t, tmpl, scenario, expected[scenario.Name]) {
						t.Error(problem)
					}
				})
			}
		}
	}
}

// TestTemplatesAreValid: Argo's own metric validation, the PromQL parser, and limits that make a
// failure or an unreachable Prometheus stop the canary quickly.
func TestTemplatesAreValid(t *testing.T) {
	for _, environment := range environments {
		for _, tmpl := range loadTemplates(t, environment) {
			args, err := Arguments(tmpl, hashes)
			if err != nil {
				t.Error(err)
				continue
			}
			for _, problem := range Validate(tmpl, args) {
				t.Error(problem)
			}
			for _, metric := range tmpl.Spec.Spec.Metrics {
				where := tmpl.Name() + "/" + metric.Name
				if metric.SuccessCondition == "" {
					t.Errorf("%s: no successCondition (a failureCondition alone passes on no data)", where)
				}
				if metric.ConsecutiveErrorLimit == nil || metric.ConsecutiveErrorLimit.IntValue() > 2 {
					t.Errorf("%s: consecutiveErrorLimit must be set and at most 2, is %v", where, metric.ConsecutiveErrorLimit)
				}
				if metric.FailureLimit == nil || metric.FailureLimit.IntValue() > 1 {
					t.Errorf("%s: failureLimit must be set and at most 1, is %v", where, metric.FailureLimit)
				}
				if metric.Interval == "" {
					t.Errorf("%s: no interval: the metric would be measured once", where)
				}
			}
		}
	}
}

// TestRolloutsPassTheHashes: every analysed Rollout hands its template the canary and stable hashes
// the queries select pods by, decoded with Argo's own Rollout type.
func TestRolloutsPassTheHashes(t *testing.T) {
	for _, environment := range environments {
		rollouts, err := LoadRollouts(renderedFile(t, environment))
		if err != nil {
			t.Fatal(err)
		}
		templates := map[string]Template{}
		for _, tmpl := range loadTemplates(t, environment) {
			templates[tmpl.Spec.Name] = tmpl
		}
		if len(rollouts) != len(templates) {
			t.Errorf("%s: %d Rollouts but %d AnalysisTemplates", environment, len(rollouts), len(templates))
		}
		for _, rollout := range rollouts {
			analysis := rollout.Spec.Strategy.Canary.Analysis
			if analysis == nil || len(analysis.Templates) != 1 {
				t.Errorf("%s/%s: no background analysis", environment, rollout.Name)
				continue
			}
			tmpl, ok := templates[analysis.Templates[0].TemplateName]
			if !ok {
				t.Errorf("%s/%s: AnalysisTemplate %s is not rendered", environment, rollout.Name, analysis.Templates[0].TemplateName)
				continue
			}
			given := map[string]v1alpha1.ArgumentValueFrom{}
			for _, arg := range analysis.Args {
				if arg.ValueFrom != nil {
					given[arg.Name] = *arg.ValueFrom
				}
			}
			for _, declared := range tmpl.Spec.Spec.Args {
				from, ok := given[declared.Name]
				want := map[string]v1alpha1.ValueFromPodTemplateHash{"canary-hash": v1alpha1.Latest, "stable-hash": v1alpha1.Stable}[declared.Name]
				if !ok || from.PodTemplateHashValue == nil || *from.PodTemplateHashValue != want {
					t.Errorf("%s/%s: argument %s must come from podTemplateHashValue %s", environment, rollout.Name, declared.Name, want)
				}
			}
		}
	}
}

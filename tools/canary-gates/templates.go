// Package canarygates judges the chart's AnalysisTemplates with Argo Rollouts' own code.
//
// The chart is rendered by the Python deploy suite (helm template, one file per environment); this
// package reads the AnalysisTemplates out of those files, resolves their arguments the way the
// Rollouts controller does, and measures each metric with Argo's Prometheus provider against a fake
// Prometheus that evaluates the real PromQL on scripted series.
package canarygates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// Template is one rendered AnalysisTemplate and where it came from.
type Template struct {
	Environment string // dev, prod
	Namespace   string // matjip-<environment>: the namespace the chart was rendered for
	Service     string // app.kubernetes.io/name
	Profile     string // matjip.io/profile: http or consumer
	Spec        v1alpha1.AnalysisTemplate
}

// Name is how a template is called in test names and messages.
func (t Template) Name() string {
	return t.Environment + "/" + t.Spec.Name
}

// LoadTemplates reads every AnalysisTemplate out of a multi-document YAML file (a `helm template` output).
func LoadTemplates(path, environment string) ([]Template, error) {
	specs, err := decodeKind[v1alpha1.AnalysisTemplate](path, "AnalysisTemplate")
	if err != nil {
		return nil, err
	}
	templates := make([]Template, 0, len(specs))
	for _, spec := range specs {
		templates = append(templates, Template{
			Environment: environment,
			Namespace:   "matjip-" + environment,
			Service:     spec.Labels["app.kubernetes.io/name"],
			Profile:     spec.Labels["matjip.io/profile"],
			Spec:        spec,
		})
	}
	return templates, nil
}

// LoadRollouts reads every Rollout out of a rendered file.
func LoadRollouts(path string) ([]v1alpha1.Rollout, error) {
	return decodeKind[v1alpha1.Rollout](path, "Rollout")
}

// decodeKind decodes the documents of one kind into Argo's Go type, strictly: a field the type does
// not know is an error, as the CRD's schema would make it.
func decodeKind[T any](path, kind string) ([]T, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	decoder := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var out []T
	for {
		var doc map[string]any
		if err := decoder.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if doc["kind"] != kind {
			continue
		}
		encoded, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		var value T
		strict := json.NewDecoder(bytes.NewReader(encoded))
		strict.DisallowUnknownFields()
		if err := strict.Decode(&value); err != nil {
			return nil, fmt.Errorf("%s: %s does not decode into Argo's type: %w", path, kind, err)
		}
		out = append(out, value)
	}
	return out, nil
}

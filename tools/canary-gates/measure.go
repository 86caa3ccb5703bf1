package canarygates

import (
	"fmt"
	"io"

	"github.com/argoproj/argo-rollouts/metricproviders/prometheus"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	"github.com/prometheus/prometheus/promql/parser"
	log "github.com/sirupsen/logrus"
)

// Arguments gives every argument the template declares its value, as the Rollout would at run time
// (canary-hash and stable-hash come from podTemplateHashValue Latest and Stable). A declared argument
// without a value is an error, as it is for the controller.
func Arguments(t Template, values map[string]string) ([]v1alpha1.Argument, error) {
	args := make([]v1alpha1.Argument, 0, len(t.Spec.Spec.Args))
	for _, declared := range t.Spec.Spec.Args {
		value, ok := values[declared.Name]
		if !ok {
			if declared.Value == nil {
				return nil, fmt.Errorf("%s: argument %q has no value", t.Name(), declared.Name)
			}
			value = *declared.Value
		}
		args = append(args, v1alpha1.Argument{Name: declared.Name, Value: &value})
	}
	return args, nil
}

// Resolve substitutes the arguments into a metric with Argo's own resolver ({{args.x}}).
func Resolve(metric v1alpha1.Metric, args []v1alpha1.Argument) (*v1alpha1.Metric, error) {
	return analysisutil.ResolveMetricArgs(metric, args)
}

// Validate runs the checks the controller runs on an AnalysisRun's metrics, plus the PromQL parser on
// every (resolved) query and Argo's own check of the Prometheus address.
func Validate(t Template, args []v1alpha1.Argument) []error {
	var problems []error
	if err := analysisutil.ValidateMetrics(t.Spec.Spec.Metrics); err != nil {
		problems = append(problems, fmt.Errorf("%s: %w", t.Name(), err))
	}
	for _, metric := range t.Spec.Spec.Metrics {
		where := t.Name() + "/" + metric.Name
		if metric.Provider.Prometheus == nil {
			problems = append(problems, fmt.Errorf("%s: not a Prometheus metric", where))
			continue
		}
		if !prometheus.IsUrl(metric.Provider.Prometheus.Address) {
			problems = append(problems, fmt.Errorf("%s: address %q is not a URL", where, metric.Provider.Prometheus.Address))
		}
		resolved, err := Resolve(metric, args)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: arguments: %w", where, err))
			continue
		}
		if _, err := parser.ParseExpr(resolved.Provider.Prometheus.Query); err != nil {
			problems = append(problems, fmt.Errorf("%s: PromQL does not parse: %w", where, err))
		}
	}
	return problems
}

// Measure takes one measurement of a metric the way the Rollouts controller does: resolve the
// arguments, build the Prometheus API client and provider from the metric, run it. The metric's
// address is replaced by the fake Prometheus' URL; everything else is the rendered metric.
func Measure(metric v1alpha1.Metric, args []v1alpha1.Argument, address string) (v1alpha1.Measurement, error) {
	resolved, err := Resolve(metric, args)
	if err != nil {
		return v1alpha1.Measurement{}, err
	}
	resolved.Provider.Prometheus.Address = address
	api, err := prometheus.NewPrometheusAPI(*resolved)
	if err != nil {
		return v1alpha1.Measurement{}, err
	}
	logger := log.New()
	logger.SetOutput(io.Discard)
	provider, err := prometheus.NewPrometheusProvider(api, *log.NewEntry(logger), *resolved)
	if err != nil {
		return v1alpha1.Measurement{}, err
	}
	return provider.Run(&v1alpha1.AnalysisRun{}, *resolved), nil
}

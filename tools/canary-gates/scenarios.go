package canarygates

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The scripted series: 20 minutes of scrapes every 15 s, evaluated at the end.
const (
	scrapeStep = 15 * time.Second
	steps      = 80
	CanaryHash = "7c9d5f8b6"
	StableHash = "5f6d8c7b9"
)

// EvalAt is the instant every query is evaluated at (the last scripted scrape).
var EvalAt = time.Unix(0, 0).UTC().Add(steps * scrapeStep)

// Target is the workload a scenario scripts: the service's namespace, job and Kafka consumer group.
type Target struct {
	Namespace string
	Service   string
	Group     string   // consumer group, as the broker (and so the exporter) knows it
	Topics    []string // topics the group consumes
}

// Scenario is a named situation of a canary step, scripted as Prometheus series.
type Scenario struct {
	Name        string
	Unavailable bool // Prometheus answers 503
	Script      func(Target) string
}

// script accumulates series in the promql test language ("load 15s" + one series per line).
type script struct{ lines []string }

func (s *script) add(name string, labels map[string]string, values string) {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	s.lines = append(s.lines, fmt.Sprintf("  %s{%s} %s", name, strings.Join(pairs, ", "), values))
}

func (s *script) text() string {
	return "load 15s\n" + strings.Join(s.lines, "\n") + "\n"
}

// counter rises by perSecond every second; gauge stays at value.
func counter(perSecond float64) string {
	return fmt.Sprintf("0+%gx%d", perSecond*scrapeStep.Seconds(), steps)
}
func gauge(value float64) string { return fmt.Sprintf("%g+0x%d", value, steps) }

// frozenAfter rises by perSecond until half-time, then stays where it was (a consumer that hung).
func frozenAfter(perSecond float64) string {
	half := steps / 2
	top := perSecond * scrapeStep.Seconds() * float64(half)
	return fmt.Sprintf("0+%gx%d %g+0x%d", perSecond*scrapeStep.Seconds(), half, top, steps-half-1)
}

var buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// histogram scripts a histogram whose observations all take `seconds`, perSecond of them.
func (s *script) histogram(name string, labels map[string]string, perSecond, seconds float64) {
	for _, le := range buckets {
		rate := 0.0
		if seconds <= le {
			rate = perSecond
		}
		s.add(name+"_bucket", merge(labels, map[string]string{"le": fmt.Sprint(le)}), counter(rate))
	}
	s.add(name+"_bucket", merge(labels, map[string]string{"le": "+Inf"}), counter(perSecond))
	s.add(name+"_count", labels, counter(perSecond))
	s.add(name+"_sum", labels, counter(perSecond*seconds))
}

// pod labels as the ServiceMonitor attaches them (job = service, the pod-template hash from the pod).
func pod(t Target, name, hash string) map[string]string {
	return map[string]string{
		"namespace": t.Namespace, "job": t.Service, "pod": fmt.Sprintf("%s-%s-%s", t.Service, hash, name),
		"rollouts_pod_template_hash": hash,
	}
}

// httpPod scripts a server pod: requests/s, the share answered 5xx, and how long each takes.
func (s *script) httpPod(t Target, labels map[string]string, rps, errorShare, seconds float64) {
	route := map[string]string{"method": "GET", "route": "/api/" + t.Service + "/items"}
	s.add("http_requests_total", merge(labels, route, map[string]string{"status": "200"}), counter(rps*(1-errorShare)))
	s.add("http_requests_total", merge(labels, route, map[string]string{"status": "500"}), counter(rps*errorShare))
	s.histogram("http_request_duration_seconds", merge(labels, route), rps, seconds)
	s.add("http_requests_in_flight", labels, gauge(0))
}

// idlePod scripts a pod that is scraped but has done nothing: only its always-present gauges.
func (s *script) idlePod(labels map[string]string) {
	s.add("http_requests_in_flight", labels, gauge(0))
	s.add("outbox_pending_events", labels, gauge(0))
}

// consumerPod scripts a consumer pod: messages processed per second, dead letters per second, how
// long each message takes, and the lag the consumer itself reports for its partitions.
func (s *script) consumerPod(t Target, labels map[string]string, processed, deadLetters, seconds, ownLag float64) {
	topic := map[string]string{"topic": t.Topics[0], "event_type": "demo.happened"}
	s.add("kafka_messages_consumed_total", merge(labels, topic, map[string]string{"outcome": "processed"}), counter(processed))
	s.add("kafka_messages_consumed_total", merge(labels, topic, map[string]string{"outcome": "duplicate"}), counter(0))
	if deadLetters > 0 {
		s.add("kafka_messages_consumed_total", merge(labels, topic, map[string]string{"outcome": "dead_lettered"}),
			counter(deadLetters))
		s.add("dead_letter_messages_total", merge(labels, map[string]string{"topic": t.Topics[0], "reason": "failed"}),
			counter(deadLetters))
	}
	s.histogram("kafka_message_processing_seconds", merge(labels, topic), processed+deadLetters, seconds)
	s.add("kafka_consumer_lag", merge(labels, map[string]string{"topic": t.Topics[0], "partition": "0"}), gauge(ownLag))
	s.add("http_requests_in_flight", labels, gauge(0))
}

// brokerLag scripts the lag kafka-exporter reads from the broker: committed vs end offsets of the group.
func (s *script) brokerLag(t Target, perPartition string) {
	for _, topic := range t.Topics {
		for partition := 0; partition < 3; partition++ {
			s.add("kafka_consumergroup_lag", map[string]string{
				"consumergroup": t.Group, "topic": topic, "partition": fmt.Sprint(partition),
				"namespace": "monitoring", "job": "kafka-exporter",
			}, perPartition)
		}
	}
}

// HTTPScenarios are the situations an http canary step can be in.
var HTTPScenarios = []Scenario{
	{Name: "healthy", Script: func(t Target) string {
		s := &script{}
		for _, name := range []string{"a", "b", "c"} {
			s.httpPod(t, pod(t, name, StableHash), 20, 0.001, 0.04)
		}
		s.httpPod(t, pod(t, "a", CanaryHash), 20, 0.001, 0.04)
		return s.text()
	}},
	{Name: "empty", Script: func(Target) string { return "load 15s\n" }},
	{Name: "nan", Script: func(t Target) string {
		// Everything is scraped, but no request arrived: rates are 0 and ratios 0/0.
		s := &script{}
		s.httpPod(t, pod(t, "a", StableHash), 0, 0, 0.04)
		s.httpPod(t, pod(t, "a", CanaryHash), 0, 0, 0.04)
		return s.text()
	}},
	{Name: "errors", Unavailable: true, Script: func(t Target) string {
		s := &script{}
		s.httpPod(t, pod(t, "a", CanaryHash), 20, 0, 0.04)
		return s.text()
	}},
	{Name: "5xx-heavy", Script: func(t Target) string {
		s := &script{}
		s.httpPod(t, pod(t, "a", StableHash), 20, 0.001, 0.04)
		s.httpPod(t, pod(t, "a", CanaryHash), 20, 0.3, 0.04)
		return s.text()
	}},
	{Name: "slow", Script: func(t Target) string {
		s := &script{}
		s.httpPod(t, pod(t, "a", StableHash), 20, 0.001, 0.04)
		s.httpPod(t, pod(t, "a", CanaryHash), 20, 0.001, 8)
		return s.text()
	}},
	{Name: "canary-without-work", Script: func(t Target) string {
		// The stable pods serve everything; the canary is up and scraped but gets no request.
		s := &script{}
		s.httpPod(t, pod(t, "a", StableHash), 40, 0.001, 0.04)
		s.idlePod(pod(t, "a", CanaryHash))
		return s.text()
	}},
}

// ConsumerScenarios are the situations a consumer canary step can be in.
var ConsumerScenarios = []Scenario{
	{Name: "healthy", Script: func(t Target) string {
		s := &script{}
		s.consumerPod(t, pod(t, "a", StableHash), 5, 0, 0.008, 3)
		s.consumerPod(t, pod(t, "b", StableHash), 5, 0, 0.008, 3)
		s.consumerPod(t, pod(t, "a", CanaryHash), 5, 0, 0.008, 3)
		s.brokerLag(t, gauge(3))
		return s.text()
	}},
	{Name: "empty", Script: func(Target) string { return "load 15s\n" }},
	{Name: "nan", Script: func(t Target) string {
		// Nothing to consume: rates are 0, ratios 0/0; the broker reports no lag.
		s := &script{}
		s.consumerPod(t, pod(t, "a", StableHash), 0, 0, 0.008, 0)
		s.consumerPod(t, pod(t, "a", CanaryHash), 0, 0, 0.008, 0)
		s.brokerLag(t, gauge(0))
		return s.text()
	}},
	{Name: "errors", Unavailable: true, Script: func(t Target) string {
		s := &script{}
		s.consumerPod(t, pod(t, "a", CanaryHash), 5, 0, 0.008, 3)
		s.brokerLag(t, gauge(3))
		return s.text()
	}},
	{Name: "dead-letters", Script: func(t Target) string {
		// The consumer's 5xx: the canary sends messages it cannot process to the dead-letter topic.
		s := &script{}
		s.consumerPod(t, pod(t, "a", StableHash), 5, 0, 0.008, 3)
		s.consumerPod(t, pod(t, "a", CanaryHash), 5, 1, 0.008, 3)
		s.brokerLag(t, gauge(3))
		return s.text()
	}},
	{Name: "slow", Script: func(t Target) string {
		// The canary takes 2 s a message: it still works, but its partitions fall behind.
		s := &script{}
		s.consumerPod(t, pod(t, "a", StableHash), 5, 0, 0.008, 3)
		s.consumerPod(t, pod(t, "a", CanaryHash), 1, 0, 2, 3)
		s.brokerLag(t, "0+600x80")
		return s.text()
	}},
	{Name: "canary-without-work", Script: func(t Target) string {
		// More canary pods than partitions: the canary owns none, so it processes nothing, and its
		// own lag gauge says 0. The stable pods keep the group's lag low.
		s := &script{}
		s.consumerPod(t, pod(t, "a", StableHash), 10, 0, 0.008, 3)
		s.idlePod(pod(t, "a", CanaryHash))
		s.add("kafka_consumer_lag", merge(pod(t, "a", CanaryHash), map[string]string{"topic": t.Topics[0], "partition": "0"}), gauge(0))
		s.brokerLag(t, gauge(3))
		return s.text()
	}},
	{Name: "hung-canary", Script: func(t Target) string {
		// The canary stopped polling halfway: its counters and its own lag gauge freeze (at 0), while
		// the broker sees its partitions' committed offsets stand still and the lag grow.
		s := &script{}
		s.consumerPod(t, pod(t, "a", StableHash), 5, 0, 0.008, 3)
		labels := pod(t, "a", CanaryHash)
		topic := map[string]string{"topic": t.Topics[0], "event_type": "demo.happened"}
		s.add("kafka_messages_consumed_total", merge(labels, topic, map[string]string{"outcome": "processed"}), frozenAfter(5))
		for _, le := range append(fmtBuckets(), "+Inf") {
			s.add("kafka_message_processing_seconds_bucket", merge(labels, topic, map[string]string{"le": le}), frozenAfter(5))
		}
		s.add("kafka_consumer_lag", merge(labels, map[string]string{"topic": t.Topics[0], "partition": "0"}), gauge(0))
		s.add("http_requests_in_flight", labels, gauge(0))
		s.brokerLag(t, "0+0x40 0+200x39")
		return s.text()
	}},
}

func fmtBuckets() []string {
	out := make([]string, 0, len(buckets))
	for _, le := range buckets {
		out = append(out, fmt.Sprint(le))
	}
	return out
}

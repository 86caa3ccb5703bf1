package canarygates

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
)

// FakePrometheus answers the Prometheus HTTP API's instant queries (/api/v1/query, GET or POST) by
// evaluating the query with the real PromQL engine on a fixed set of scripted series, at a fixed
// evaluation time (the end of the script) whatever time the client asks for. With Unavailable set it
// answers every query with 503, as a Prometheus that is down behind its Service would.
type FakePrometheus struct {
	Server      *httptest.Server
	storage     storage.Queryable
	engine      *promql.Engine
	evalAt      time.Time
	Unavailable bool

	mu      sync.Mutex
	queries []string
}

// NewFakePrometheus serves the given storage; Close it when done.
func NewFakePrometheus(store storage.Queryable, evalAt time.Time) *FakePrometheus {
	fake := &FakePrometheus{
		storage: store,
		engine: promql.NewEngine(promql.EngineOpts{
			MaxSamples:    10_000_000,
			Timeout:       30 * time.Second,
			LookbackDelta: 5 * time.Minute,
		}),
		evalAt: evalAt,
	}
	fake.Server = httptest.NewServer(http.HandlerFunc(fake.serve))
	return fake
}

// Close stops the server.
func (f *FakePrometheus) Close() { f.Server.Close() }

// Queries are the queries received so far (to prove a measurement reached the server).
func (f *FakePrometheus) Queries() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.queries...)
}

// Evaluate runs a query on the scripted series, as the server does.
func (f *FakePrometheus) Evaluate(query string) (promql.Vector, error) {
	value, err := f.evaluate(context.Background(), query)
	if err != nil {
		return nil, err
	}
	switch v := value.(type) {
	case promql.Vector:
		return v, nil
	case promql.Scalar:
		return promql.Vector{{T: v.T, F: v.V}}, nil
	default:
		return nil, fmt.Errorf("unexpected result type %T", value)
	}
}

func (f *FakePrometheus) evaluate(ctx context.Context, query string) (any, error) {
	q, err := f.engine.NewInstantQuery(ctx, f.storage, nil, query, f.evalAt)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	result := q.Exec(ctx)
	if result.Err != nil {
		return nil, result.Err
	}
	return result.Value, nil
}

type apiResponse struct {
	Status    string `json:"status"`
	Data      any    `json:"data,omitempty"`
	ErrorType string `json:"errorType,omitempty"`
	Error     string `json:"error,omitempty"`
}

type apiData struct {
	ResultType string `json:"resultType"`
	Result     any    `json:"result"`
}

type apiSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (f *FakePrometheus) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/query" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, apiResponse{Status: "error", ErrorType: "bad_data", Error: err.Error()})
		return
	}
	query := r.Form.Get("query")
	f.mu.Lock()
	f.queries = append(f.queries, query)
	f.mu.Unlock()
	if f.Unavailable {
		writeJSON(w, http.StatusServiceUnavailable, apiResponse{
			Status: "error", ErrorType: "unavailable", Error: "scripted outage",
		})
		return
	}
	value, err := f.evaluate(r.Context(), query)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiResponse{Status: "error", ErrorType: "bad_data", Error: err.Error()})
		return
	}
	stamp := float64(f.evalAt.UnixMilli()) / 1000
	switch v := value.(type) {
	case promql.Vector:
		samples := make([]apiSample, 0, len(v))
		for _, s := range v {
			samples = append(samples, apiSample{Metric: s.Metric.Map(), Value: [2]any{stamp, formatValue(s.F)}})
		}
		writeJSON(w, http.StatusOK, apiResponse{Status: "success", Data: apiData{ResultType: "vector", Result: samples}})
	case promql.Scalar:
		writeJSON(w, http.StatusOK, apiResponse{
			Status: "success", Data: apiData{ResultType: "scalar", Result: [2]any{stamp, formatValue(v.V)}},
		})
	default:
		writeJSON(w, http.StatusBadRequest, apiResponse{
			Status: "error", ErrorType: "bad_data", Error: fmt.Sprintf("not an instant result: %T", value),
		})
	}
}

// formatValue writes a sample value the way Prometheus' API does (NaN and ±Inf as words).
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func writeJSON(w http.ResponseWriter, status int, body apiResponse) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

package canarygates

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

const argoRollouts = "github.com/argoproj/argo-rollouts"

// The linked Argo Rollouts is the version the cluster runs (tools/go-versions.env). A test binary
// records no module versions, so ask the go command which version this module's build list selects.
func TestLinksArgoRolloutsV183(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", argoRollouts).Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), goVersion(t, "ARGO_ROLLOUTS_VERSION"); got != want {
		t.Fatalf("the build list selects %s %s, want %s", argoRollouts, got, want)
	}
}

// The replace block of go.mod is upstream's, so the wrapper builds what upstream builds.
func TestReplaceDirectivesMatchArgoRollouts(t *testing.T) {
	out, err := exec.Command("go", "mod", "download", "-json", argoRollouts+"@"+goVersion(t, "ARGO_ROLLOUTS_VERSION")).Output()
	if err != nil {
		t.Fatalf("go mod download: %v", err)
	}
	var module struct{ GoMod string }
	if err := json.Unmarshal(out, &module); err != nil {
		t.Fatal(err)
	}
	upstream, err := os.ReadFile(module.GoMod)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := replaceBlock(t, string(upstream)), replaceBlock(t, string(ours)); a != b {
		t.Fatalf("go.mod's replace block differs from upstream's:\nupstream:\n%s\nours:\n%s", a, b)
	}
}

func replaceBlock(t *testing.T, gomod string) string {
	t.Helper()
	match := regexp.MustCompile(`(?ms)^replace \((.*?)^\)`).FindStringSubmatch(gomod)
	if match == nil {
		t.Fatal("no replace block")
	}
	return strings.TrimSpace(match[1])
}

// goVersion reads one pin of tools/go-versions.env (KEY=value lines), the one place Go tool versions live.
func goVersion(t *testing.T, key string) string {
	t.Helper()
	raw, err := os.ReadFile("../go-versions.env")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && k == key {
			return strings.Trim(v, `"`)
		}
	}
	t.Fatalf("%s not in tools/go-versions.env", key)
	return ""
}

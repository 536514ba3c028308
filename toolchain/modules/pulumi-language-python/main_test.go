package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// fakePack is the gRPC side of a policy pack: the Python stand-in prints its port.
type fakePack struct {
	pulumirpc.UnimplementedAnalyzerServer
	configured chan *pulumirpc.AnalyzerStackConfigureRequest
}

func (f *fakePack) GetAnalyzerInfo(context.Context, *emptypb.Empty) (*pulumirpc.AnalyzerInfo, error) {
	return &pulumirpc.AnalyzerInfo{Name: "fake-pack"}, nil
}

func (f *fakePack) ConfigureStack(_ context.Context, req *pulumirpc.AnalyzerStackConfigureRequest) (*pulumirpc.AnalyzerStackConfigureResponse, error) {
	f.configured <- req
	return &pulumirpc.AnalyzerStackConfigureResponse{}, nil
}

// packScript stands in for `python -m pulumi.policy`: it is found as module
// pulumi.policy because a pack runs in its own directory. It records its argv, cwd and
// the PULUMI_* environment, prints the fake pack's port, and exits with code 3 once the
// test creates the file "stop".
const packScript = `import json, os, sys, time
with open("seen.json", "w") as f:
    json.dump({"argv": sys.argv[1:], "cwd": os.getcwd(),
               "env": {k: v for k, v in os.environ.items() if k.startswith("PULUMI_") or k == "FROM_REQUEST"}}, f)
print(%d, flush=True)
print("pack says hello", flush=True)
while not os.path.exists("stop"):
    time.sleep(0.05)
print("pack says bye", flush=True)
sys.exit(3)
`

func startServer(t *testing.T, register func(*grpc.Server)) string {
	t.Helper()
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init:   func(srv *grpc.Server) error { register(srv); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { close(cancel) })
	return fmt.Sprintf("127.0.0.1:%d", handle.Port)
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestRunPluginRunsAPolicyPackBehindTheProxy(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH")
	}
	pack := &fakePack{configured: make(chan *pulumirpc.AnalyzerStackConfigureRequest, 1)}
	packAddr := startServer(t, func(s *grpc.Server) { pulumirpc.RegisterAnalyzerServer(s, pack) })
	var packPort int
	if _, err := fmt.Sscanf(packAddr, "127.0.0.1:%d", &packPort); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "pulumi", "policy"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"pulumi/__init__.py":        "",
		"pulumi/policy/__init__.py": "",
		"pulumi/policy/__main__.py": fmt.Sprintf(packScript, packPort),
		"PulumiPolicy.yaml":         "runtime: python\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := &host{cancelCtx: ctx, cancel: cancel}
	hostAddr := startServer(t, func(s *grpc.Server) { pulumirpc.RegisterLanguageRuntimeServer(s, h) })
	lang := pulumirpc.NewLanguageRuntimeClient(dial(t, hostAddr))

	opts, _ := structpb.NewStruct(map[string]any{})
	stream, err := lang.RunPlugin(ctx, &pulumirpc.RunPluginRequest{
		Pwd:  t.TempDir(), // the CLI's own directory: a pack must not run there
		Args: []string{"127.0.0.1:1"},
		Env:  []string{"FROM_REQUEST=yes"},
		Kind: "analyzer",
		Info: &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: ".", Options: opts},
	})
	if err != nil {
		t.Fatal(err)
	}

	// Everything the plugin writes to stdout, line by line; the exit code at the end.
	lines := make(chan string, 16)
	exit := make(chan int32, 1)
	outR, outW := io.Pipe()
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	go func() {
		for {
			msg, err := stream.Recv()
			if err != nil {
				outW.Close()
				return
			}
			switch o := msg.Output.(type) {
			case *pulumirpc.RunPluginResponse_Stdout:
				_, _ = outW.Write(o.Stdout)
			case *pulumirpc.RunPluginResponse_Stderr:
				t.Logf("plugin stderr: %s", o.Stderr)
			case *pulumirpc.RunPluginResponse_Exitcode:
				exit <- o.Exitcode
			}
		}
	}()
	next := func() string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("plugin output ended early")
			}
			return l
		case <-time.After(30 * time.Second):
			t.Fatal("no output from the plugin")
		}
		return ""
	}

	// The CLI dials the port printed first: that is the proxy, not the pack.
	proxyPort := strings.TrimSpace(next())
	analyzer := pulumirpc.NewAnalyzerClient(dial(t, "127.0.0.1:"+proxyPort))
	_, err = analyzer.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{
		Organization: "org", Project: "proj", Stack: "dev", DryRun: true,
		Config: map[string]string{"berth-policy:level": "mandatory"},
	})
	if err != nil {
		t.Fatal(err)
	}
	info, err := analyzer.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatalf("GetAnalyzerInfo through the proxy: %v", err)
	}
	if info.GetName() != "fake-pack" {
		t.Errorf("proxy relayed analyzer %q, want fake-pack", info.GetName())
	}
	// The proxy forwards the stack configuration to the pack as well.
	select {
	case c := <-pack.configured:
		if c.GetStack() != "dev" {
			t.Errorf("pack configured for stack %q, want dev", c.GetStack())
		}
	case <-time.After(10 * time.Second):
		t.Error("the pack never received ConfigureStack")
	}
	if l := next(); l != "pack says hello" {
		t.Errorf("streamed output %q, want the pack's own line", l)
	}

	if err := os.WriteFile(filepath.Join(dir, "stop"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if l := next(); l != "pack says bye" {
		t.Errorf("streamed output %q, want the pack's last line", l)
	}
	select {
	case code := <-exit:
		if code != 3 {
			t.Errorf("exit code %d, want the pack's 3", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit code from RunPlugin")
	}

	raw, err := os.ReadFile(filepath.Join(dir, "seen.json"))
	if err != nil {
		t.Fatal(err)
	}
	var seen struct {
		Argv []string          `json:"argv"`
		Cwd  string            `json:"cwd"`
		Env  map[string]string `json:"env"`
	}
	if err := json.Unmarshal(raw, &seen); err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen.Argv, " ") != "127.0.0.1:1 "+dir {
		t.Errorf("pack argv %q, want the engine address then the pack directory", seen.Argv)
	}
	if real, _ := filepath.EvalSymlinks(dir); seen.Cwd != dir && seen.Cwd != real {
		t.Errorf("pack ran in %s, want its own directory %s", seen.Cwd, dir)
	}
	want := map[string]string{
		"PULUMI_ORGANIZATION": "org", "PULUMI_PROJECT": "proj", "PULUMI_STACK": "dev",
		"PULUMI_DRY_RUN": "true", "PULUMI_CONFIG": `{"berth-policy:level":"mandatory"}`, "FROM_REQUEST": "yes",
	}
	for k, v := range want {
		if seen.Env[k] != v {
			t.Errorf("pack saw %s=%q, want %q", k, seen.Env[k], v)
		}
	}
}

func TestPolicyEnvWithoutAStackSetsNothing(t *testing.T) {
	if env := policyEnv(nil); len(env) != 0 {
		t.Errorf("policyEnv(nil) = %v, want nothing (e.g. `pulumi policy publish`)", env)
	}
}

func TestPluginsDefaultToTheirOwnVenvButPacksAndProgramsDoNot(t *testing.T) {
	dir := t.TempDir()
	info := &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir}
	plugin, err := resolveFor(info, true)
	if err != nil {
		t.Fatal(err)
	}
	venv, err := plugin.VirtualEnvPath(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if venv != filepath.Join(dir, "venv") {
		t.Errorf("plugin virtualenv %q, want %q", venv, filepath.Join(dir, "venv"))
	}
	program, err := resolveFor(info, false)
	if err != nil {
		t.Fatal(err)
	}
	if venv, _ := program.VirtualEnvPath(context.Background()); venv != "" {
		t.Errorf("program virtualenv %q, want none (ambient Python)", venv)
	}
}

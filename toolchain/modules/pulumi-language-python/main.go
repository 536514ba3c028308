// Command pulumi-language-python is Berth's Python language host for the Pulumi CLI.
//
// Why it exists: the upstream host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3), and the Go
// module proxy this project can reach serves no version of it. This host is a
// small, independent implementation of the LanguageRuntime gRPC service built
// only from the published github.com/pulumi/pulumi/sdk/v3 module (gRPC stubs,
// rpcutil, and the Python toolchain package that resolves virtualenvs). It runs
// programs through the upstream `pulumi-language-python-exec` script shipped in
// sdk/v3, which must sit beside this executable.
//
// Supported: Handshake, GetPluginInfo, GetRequiredPackages, Run, InstallDependencies
// (programs and plugins), RunPlugin (policy packs, and plugins with a __main__.py),
// About, GetProgramDependencies, RuntimeOptionsPrompts (none), Cancel. Not supported
// (answer Unimplemented; the CLI tolerates that for every command Berth uses):
// debugging (attach), type checkers, Pack/Link, code generation.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

const (
	execScriptName = "pulumi-language-python-exec"
	// The exec script exits with this code after it has shown the user an actionable message.
	exitShownUserMessage = 32
)

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	execScript    string
	engineAddress string
	cancelCtx     context.Context
	cancel        context.CancelFunc
}

func main() {
	showVersion := flag.Bool("version", false, "print the plugin version and exit")
	_ = flag.String("tracing", "", "accepted for compatibility; ignored")
	useExecutor := flag.String("use-executor", "", "path of the exec script (default: beside this executable)")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}

	execScript := *useExecutor
	if execScript == "" {
		self, err := os.Executable()
		if err != nil {
			fatal(fmt.Errorf("cannot locate own executable: %w", err))
		}
		execScript = filepath.Join(filepath.Dir(self), execScriptName)
	}
	if _, err := os.Stat(execScript); err != nil {
		fatal(fmt.Errorf("missing %s: %w", execScriptName, err))
	}

	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cancelServe := make(chan bool)
	go func() { <-ctx.Done(); close(cancelServe) }()

	if engineAddress != "" {
		// Exit when the engine goes away.
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			fatal(fmt.Errorf("health check of engine %s: %w", engineAddress, err))
		}
	}

	cctx, ccancel := context.WithCancel(context.Background())
	h := &host{execScript: execScript, engineAddress: engineAddress, cancelCtx: cctx, cancel: ccancel}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelServe,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fatal(fmt.Errorf("cannot start gRPC server: %w", err))
	}
	// The CLI reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fatal(fmt.Errorf("gRPC server stopped: %w", err))
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}

// resolve returns the Python toolchain for a program (its virtualenv comes from the
// `virtualenv` runtime option in Pulumi.yaml, relative to the project root).
func resolve(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	return resolveFor(info, false)
}

// resolveFor is resolve for programs (isPlugin false) and plugins. A plugin without a
// `virtualenv` option gets `venv` beside its PulumiPlugin.yaml, as upstream does: plugins
// never run in the ambient Python. Policy packs are not "plugins" here (upstream keeps the
// ambient Python for them, for packs written before RunPlugin existed).
func resolveFor(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.Toolchain, error) {
	if info == nil {
		return nil, errors.New("request carries no program info")
	}
	opts := toolchain.PythonOptions{Root: info.RootDirectory, ProgramDir: info.ProgramDirectory}
	if info.Options != nil {
		m := info.Options.AsMap()
		if v, ok := m["virtualenv"]; ok {
			s, ok := v.(string)
			if !ok {
				return nil, errors.New("runtime option 'virtualenv' must be a string")
			}
			opts.Virtualenv = s
		}
		if v, ok := m["toolchain"]; ok {
			switch v {
			case "pip":
				opts.Toolchain = toolchain.Pip
			case "uv":
				opts.Toolchain = toolchain.Uv
			case "poetry":
				opts.Toolchain = toolchain.Poetry
			default:
				return nil, fmt.Errorf("unsupported runtime option toolchain=%v", v)
			}
		}
		if v, ok := m["typechecker"]; ok && v != "" {
			return nil, fmt.Errorf("runtime option typechecker=%v is not supported by Berth's language host", v)
		}
	}
	if isPlugin && opts.Virtualenv == "" && (opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) {
		opts.Virtualenv = "venv"
	}
	return toolchain.ResolveToolchain(opts)
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// pluginScript prints, as JSON, every installed distribution that ships a
// pulumi-plugin.json, with that file's content.
const pluginScript = `import importlib.metadata as md, json
out = []
for d in md.distributions():
    for f in (d.files or []):
        if f.name == "pulumi-plugin.json":
            try:
                with open(f.locate()) as fh:
                    data = json.load(fh)
            except Exception:
                continue
            out.append({"package": d.metadata["Name"], "version": d.version, "plugin": data})
            break
print(json.dumps(out))`

type pluginJSON struct {
	Resource         bool   `json:"resource"`
	Name             string `json:"name"`
	Version          string `json:"version"`
	Server           string `json:"server"`
	Parameterization *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Value   []byte `json:"value"`
	} `json:"parameterization"`
}

var plainVersion = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, fmt.Errorf("python virtualenv is not usable (create it first, e.g. `make venv`): %w", err)
	}
	cmd, err := tc.Command(ctx, "-c", pluginScript)
	if err != nil {
		return nil, err
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing Pulumi packages in the virtualenv: %w", err)
	}
	var found []struct {
		Package string     `json:"package"`
		Version string     `json:"version"`
		Plugin  pluginJSON `json:"plugin"`
	}
	if err := json.Unmarshal(out, &found); err != nil {
		return nil, fmt.Errorf("parsing package list: %w", err)
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, f := range found {
		if !f.Plugin.Resource {
			continue
		}
		name := f.Plugin.Name
		if name == "" {
			name = strings.TrimPrefix(f.Package, "pulumi-")
		}
		v := f.Plugin.Version
		if v == "" {
			if !plainVersion.MatchString(f.Version) {
				continue // cannot map a PEP 440 pre/post release to a plugin version reliably
			}
			v = f.Version
		}
		if !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		dep := &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: v, Server: f.Plugin.Server}
		if p := f.Plugin.Parameterization; p != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
		}
		resp.Packages = append(resp.Packages, dep)
	}
	return resp, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "debugging is not supported by Berth's Python language host"}, nil
	}
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, fmt.Errorf("python virtualenv is not usable (create it first, e.g. `make venv`): %w", err)
	}

	args := []string{h.execScript}
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("root_directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("organization", req.GetOrganization())
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)

	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{} // the exec script wants an object, never null
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, fmt.Errorf("serializing config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing secret config keys: %w", err)
	}

	// Stop the program when the CLI cancels (Cancel RPC) or the request ends.
	runCtx, runCancel := context.WithCancel(h.cancelCtx)
	defer runCancel()
	context.AfterFunc(ctx, runCancel)
	cmd, err := tc.Command(runCtx, args...)
	if err != nil {
		return nil, err
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))

	err = cmd.Run()
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()
	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if exitErr.ExitCode() == exitShownUserMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run %s: %v", execScriptName, err)}, nil
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	tc, err := resolveFor(req.GetInfo(), req.GetIsPlugin())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	dir := req.GetInfo().GetProgramDirectory()
	ctx := server.Context()
	if req.GetIsPlugin() {
		// A plugin that is a Python package (pyproject.toml with a build system) is
		// installed into its own virtualenv too, so `python -m <it>` finds it.
		buildable, err := toolchain.IsBuildablePackage(dir)
		if err != nil {
			return fmt.Errorf("checking whether plugin %s is a buildable package: %w", dir, err)
		}
		if buildable {
			if err := tc.EnsureVenv(ctx, dir, req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
				return fmt.Errorf("creating the plugin's virtualenv: %w", err)
			}
			cmd, err := tc.ModuleCommand(ctx, "pip", "install", dir)
			if err != nil {
				return err
			}
			cmd.Stdout, cmd.Stderr = stdout, stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("installing plugin package %s: %w", dir, err)
			}
		}
	}
	if err := tc.InstallDependencies(ctx, dir, req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
		return err
	}
	return closer.Close()
}

// RunPlugin runs a plugin written in Python and streams its output to the CLI.
//
// A policy pack (kind analyzer) runs as `python -u -m pulumi.policy <engine> <pack dir>`
// in the pack directory, as it did under the old pulumi-analyzer-policy-python shim. The
// pulumi-policy library reads the stack's identity and config from PULUMI_* variables, but
// the CLI sends them as a ConfigureStack call to the analyzer: the SDK's policy proxy takes
// that call, hands us the values for the environment, then relays every other call to the
// pack once it has printed its port. Any other plugin runs its directory's __main__.py.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetAttachDebugger() {
		return status.Error(codes.Unimplemented, "debugging is not supported by Berth's Python language host")
	}
	ctx := server.Context()
	info := req.GetInfo()
	analyzer := req.GetKind() == string(apitype.AnalyzerPlugin)
	tc, err := resolveFor(info, !analyzer)
	if err != nil {
		return err
	}
	dir := info.GetProgramDirectory()

	var args []string
	if analyzer {
		args = append(append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...), dir)
	} else {
		if _, err := os.Stat(filepath.Join(dir, "__main__.py")); err != nil {
			return fmt.Errorf("plugin %s has no __main__.py (running Python plugin packages is not supported by Berth's host): %w", dir, err)
		}
		args = append([]string{dir}, req.GetArgs()...)
	}
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return err
	}
	cmd.Dir = req.GetPwd()
	if analyzer {
		cmd.Dir = dir // packs have always run in their own directory
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	var proxy *sdk.PolicyProxy
	if analyzer {
		// The proxy prints its own port first (the CLI dials it), then waits for
		// ConfigureStack; the pack's output goes through the returned writer so that
		// its first line, the pack's port, reaches the proxy instead of the CLI.
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("starting the policy pack proxy: %w", err)
		}
		config, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("waiting for the stack configuration: %w", err)
		}
		cmd.Env = append(cmd.Env, policyEnv(config)...)
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Start(); err != nil {
		if proxy != nil {
			proxy.Abort(err)
		}
		return fmt.Errorf("could not start plugin %s: %w", dir, err)
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd) // returns when the pack exits
	} else {
		err = cmd.Wait()
	}
	code := 0
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("running plugin %s: %w", dir, err)
		}
		code = exitErr.ExitCode()
	}
	// Flush what the plugin wrote before telling the CLI it has ended.
	if err := closer.Close(); err != nil {
		return err
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// policyEnv turns the CLI's ConfigureStack request into the variables pulumi-policy reads.
func policyEnv(config *pulumirpc.AnalyzerStackConfigureRequest) []string {
	if config == nil {
		return nil // e.g. `pulumi policy publish`: no stack
	}
	var env []string
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_ORGANIZATION", config.GetOrganization())
	add("PULUMI_PROJECT", config.GetProject())
	add("PULUMI_STACK", config.GetStack())
	add("PULUMI_DRY_RUN", strconv.FormatBool(config.GetDryRun()))
	if c := config.GetConfig(); c != nil {
		if b, err := json.Marshal(c); err == nil {
			add("PULUMI_CONFIG", string(b))
		}
	}
	return env
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
		Metadata:   map[string]string{"languageHost": "berth"},
	}, nil
}

func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	pkgs, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, p := range pkgs {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return resp, nil
}

func (h *host) RuntimeOptionsPrompts(ctx context.Context, req *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) Cancel(ctx context.Context, _ *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancel()
	return &emptypb.Empty{}, nil
}

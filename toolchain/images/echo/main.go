// Command echo is Berth's test server for the real node: every answer says which pod,
// node, zone, track and version served it and which client address it saw, so the e2e
// suite can count where requests land. Its environment stages release scenarios
// (slow start, never ready, crash, fail after N requests), and `echo resolve NAME`
// or GET /resolve?name=NAME looks names up from inside a pod, which has no shell.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Config is what the environment asks of one server.
type Config struct {
	Addr          string
	StartupDelay  time.Duration
	NeverReady    bool
	CrashAfter    time.Duration
	ExitOnStart   bool
	FailAfter     int64 // 0: never
	ShutdownDelay time.Duration
	ShutdownLimit time.Duration
	Identity      Identity
}

// Identity is what each answer reports about the pod that served it.
type Identity struct {
	Pod       string            `json:"pod"`
	Namespace string            `json:"namespace"`
	Node      string            `json:"node"`
	PodIP     string            `json:"pod_ip"`
	Zone      string            `json:"zone"`
	Track     string            `json:"track"`
	Version   string            `json:"version"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// Answer is the JSON body of every request that is not a probe.
type Answer struct {
	Identity
	Client   string            `json:"client"`
	ClientIP string            `json:"client_ip"`
	Host     string            `json:"host"`
	Method   string            `json:"method"`
	Path     string            `json:"path"`
	Headers  map[string]string `json:"headers"`
	Request  int64             `json:"request"`
	Error    string            `json:"error,omitempty"`
}

func seconds(env func(string) string, key string) (time.Duration, error) {
	raw := env(key)
	if raw == "" {
		return 0, nil
	}
	value, err := strconv.ParseFloat(raw, 64)
	if err != nil || value < 0 {
		return 0, fmt.Errorf("%s=%q: want a number of seconds >= 0", key, raw)
	}
	return time.Duration(value * float64(time.Second)), nil
}

func flag(env func(string) string, key string) bool {
	switch strings.ToLower(env(key)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// LoadConfig reads the server's knobs; env is os.Getenv outside tests.
func LoadConfig(env func(string) string) (Config, error) {
	cfg := Config{NeverReady: flag(env, "NEVER_READY"), ExitOnStart: flag(env, "EXIT_ON_START")}
	port := env("PORT")
	if port == "" {
		port = "8080"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return cfg, fmt.Errorf("PORT=%q: want 1-65535", port)
	}
	host := env("LISTEN_ADDR")
	if host == "" && env("POD_IP") == "" {
		// Outside a pod (tests, a developer's machine) the server stays on loopback;
		// in a pod every address is the pod's own network namespace.
		host = "127.0.0.1"
	}
	cfg.Addr = net.JoinHostPort(host, port)
	var err error
	for key, into := range map[string]*time.Duration{
		"STARTUP_DELAY_SECONDS":  &cfg.StartupDelay,
		"CRASH_AFTER_SECONDS":    &cfg.CrashAfter,
		"SHUTDOWN_DELAY_SECONDS": &cfg.ShutdownDelay,
		"SHUTDOWN_LIMIT_SECONDS": &cfg.ShutdownLimit,
	} {
		if *into, err = seconds(env, key); err != nil {
			return cfg, err
		}
	}
	if cfg.ShutdownLimit == 0 {
		cfg.ShutdownLimit = 30 * time.Second
	}
	if raw := env("FAIL_AFTER_REQUESTS"); raw != "" {
		if cfg.FailAfter, err = strconv.ParseInt(raw, 10, 64); err != nil || cfg.FailAfter < 1 {
			return cfg, fmt.Errorf("FAIL_AFTER_REQUESTS=%q: want a whole number >= 1", raw)
		}
	}
	labelsFile := env("LABELS_FILE")
	if labelsFile == "" {
		labelsFile = "/etc/podinfo/labels"
	}
	cfg.Identity = LoadIdentity(env, labelsFile)
	return cfg, nil
}

// LoadIdentity takes the downward API's env and labels file; explicit env wins over labels.
func LoadIdentity(env func(string) string, labelsFile string) Identity {
	labels := map[string]string{}
	if data, err := os.ReadFile(labelsFile); err == nil {
		labels = ParseLabels(string(data))
	}
	pick := func(key string, labelKeys ...string) string {
		if v := env(key); v != "" {
			return v
		}
		for _, k := range labelKeys {
			if v := labels[k]; v != "" {
				return v
			}
		}
		return ""
	}
	id := Identity{
		Pod:       env("POD_NAME"),
		Namespace: env("POD_NAMESPACE"),
		Node:      env("NODE_NAME"),
		PodIP:     env("POD_IP"),
		Zone:      pick("ZONE", "topology.kubernetes.io/zone"),
		Track:     pick("TRACK", "track"),
		Version:   pick("VERSION", "app.kubernetes.io/version", "version"),
	}
	if len(labels) > 0 {
		id.Labels = labels
	}
	if id.Pod == "" {
		id.Pod, _ = os.Hostname()
	}
	return id
}

// ParseLabels reads the downward API's labels file: one key="quoted value" a line.
func ParseLabels(text string) map[string]string {
	labels := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		key, raw, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || key == "" {
			continue
		}
		if value, err := strconv.Unquote(raw); err == nil {
			labels[key] = value
		} else {
			labels[key] = raw
		}
	}
	return labels
}

// Server answers requests and probes.
type Server struct {
	cfg      Config
	served   atomic.Int64
	draining atomic.Bool
}

func NewServer(cfg Config) *Server { return &Server{cfg: cfg} }

// StartDraining makes /ready fail, as a pod does once it has been told to stop.
func (s *Server) StartDraining() { s.draining.Store(true) }

func headersOf(r *http.Request) map[string]string {
	out := map[string]string{}
	for key, values := range r.Header {
		if strings.HasPrefix(key, "X-") || key == "Cookie" || key == "User-Agent" {
			out[key] = strings.Join(values, ", ")
		}
	}
	return out
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz":
		_, _ = w.Write([]byte("ok\n"))
		return
	case "/ready":
		if s.cfg.NeverReady || s.draining.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
		return
	case "/resolve":
		s.resolve(w, r)
		return
	}
	n := s.served.Add(1)
	if raw := r.URL.Query().Get("delay_ms"); raw != "" {
		// A slow request, so a test can hold one open across a shutdown; capped at 10 s.
		if ms, err := strconv.Atoi(raw); err == nil && ms > 0 {
			time.Sleep(time.Duration(min(ms, 10000)) * time.Millisecond)
		}
	}
	clientIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	answer := Answer{
		Identity: s.cfg.Identity,
		Client:   r.RemoteAddr,
		ClientIP: clientIP,
		Host:     r.Host,
		Method:   r.Method,
		Path:     r.URL.Path,
		Headers:  headersOf(r),
		Request:  n,
	}
	status := http.StatusOK
	if s.cfg.FailAfter > 0 && n > s.cfg.FailAfter {
		status = http.StatusInternalServerError
		answer.Error = fmt.Sprintf("FAIL_AFTER_REQUESTS=%d reached", s.cfg.FailAfter)
	}
	writeJSON(w, status, answer)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) resolve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	result := Resolve(ctx, q.Get("name"), q.Get("type"), q.Get("proto"), os.Getenv("DNS_SERVER"))
	status := http.StatusOK
	if result.Error != "" {
		status = http.StatusBadGateway
	}
	writeJSON(w, status, result)
}

// Run serves until SIGTERM/SIGINT, then stops accepting and finishes the requests in flight.
func Run(cfg Config, signals <-chan os.Signal, ready func(net.Addr)) error {
	if cfg.ExitOnStart {
		return errors.New("EXIT_ON_START is set")
	}
	time.Sleep(cfg.StartupDelay)
	listener, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	server := NewServer(cfg)
	httpServer := &http.Server{Handler: server, ReadHeaderTimeout: 10 * time.Second}
	failed := make(chan error, 1)
	go func() { failed <- httpServer.Serve(listener) }()
	if ready != nil {
		ready(listener.Addr())
	}
	var crash <-chan time.Time
	if cfg.CrashAfter > 0 {
		crash = time.After(cfg.CrashAfter)
	}
	select {
	case err := <-failed:
		return err
	case <-crash:
		return fmt.Errorf("CRASH_AFTER_SECONDS=%s reached", cfg.CrashAfter)
	case sig := <-signals:
		fmt.Fprintf(os.Stderr, "echo: %s: draining\n", sig)
	}
	server.StartDraining()
	time.Sleep(cfg.ShutdownDelay)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownLimit)
	defer cancel()
	return httpServer.Shutdown(ctx)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "resolve" {
		os.Exit(resolveCommand(os.Args[2:]))
	}
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(2)
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	err = Run(cfg, signals, func(addr net.Addr) {
		fmt.Fprintf(os.Stderr, "echo: serving on %s as pod %q\n", addr, cfg.Identity.Pod)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// resolveCommand is `echo resolve NAME [TYPE] [udp|tcp]`: the lookup as JSON on stdout.
func resolveCommand(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: echo resolve NAME [A|AAAA|CNAME|SRV] [udp|tcp]")
		return 2
	}
	typ, proto := "", ""
	if len(args) > 1 {
		typ = args[1]
	}
	if len(args) > 2 {
		proto = args[2]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	result := Resolve(ctx, args[0], typ, proto, os.Getenv("DNS_SERVER"))
	_ = json.NewEncoder(os.Stdout).Encode(result)
	if result.Error != "" {
		return 1
	}
	return 0
}

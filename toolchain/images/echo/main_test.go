package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func envOf(values map[string]string) func(string) string {
	return func(key string) string { return values[key] }
}

func TestDefaultsListenOnLoopbackPort8080OutsideAPod(t *testing.T) {
	cfg, err := LoadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8080" {
		t.Fatalf("addr %q", cfg.Addr)
	}
	cfg, err = LoadConfig(envOf(map[string]string{"POD_IP": "10.0.0.5", "PORT": "9000"}))
	if err != nil || cfg.Addr != ":9000" {
		t.Fatalf("in a pod: addr %q, err %v", cfg.Addr, err)
	}
}

func TestBadKnobsAreRefusedWithTheirName(t *testing.T) {
	for key, value := range map[string]string{
		"PORT": "0", "FAIL_AFTER_REQUESTS": "none", "STARTUP_DELAY_SECONDS": "-1",
	} {
		_, err := LoadConfig(envOf(map[string]string{key: value}))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: err %v", key, value, err)
		}
	}
}

func TestIdentityComesFromEnvThenTheLabelsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "labels")
	text := "app.kubernetes.io/version=\"1.2.0\"\ntrack=\"canary\"\ntopology.kubernetes.io/zone=\"zone-a\"\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	id := LoadIdentity(envOf(map[string]string{"POD_NAME": "web-1", "ZONE": "zone-b"}), file)
	if id.Pod != "web-1" || id.Track != "canary" || id.Version != "1.2.0" || id.Zone != "zone-b" {
		t.Fatalf("%+v", id)
	}
	if id.Labels["track"] != "canary" {
		t.Fatalf("labels %v", id.Labels)
	}
}

func get(t *testing.T, h http.Handler, path string, header map[string]string) (int, Answer) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = "192.0.2.7:40000"
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var answer Answer
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatal(err)
		}
	}
	return rec.Code, answer
}

func TestAnswerNamesThePodAndTheClientItSaw(t *testing.T) {
	s := NewServer(Config{Identity: Identity{Pod: "web-1", Node: "n1", Track: "stable", Version: "1.0"}})
	code, answer := get(t, s, "/x", map[string]string{"X-Canary": "always", "Authorization": "secret"})
	if code != 200 || answer.Pod != "web-1" || answer.Node != "n1" || answer.Track != "stable" {
		t.Fatalf("%d %+v", code, answer)
	}
	if answer.ClientIP != "192.0.2.7" || answer.Path != "/x" || answer.Request != 1 {
		t.Fatalf("%+v", answer)
	}
	if answer.Headers["X-Canary"] != "always" || answer.Headers["Authorization"] != "" {
		t.Fatalf("headers %v", answer.Headers)
	}
}

func TestFailAfterRequestsTurnsTo500(t *testing.T) {
	s := NewServer(Config{FailAfter: 2})
	codes := []int{}
	for range 4 {
		code, _ := get(t, s, "/", nil)
		codes = append(codes, code)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 500 || codes[3] != 500 {
		t.Fatalf("codes %v", codes)
	}
	if code, _ := get(t, s, "/ready", nil); code != 200 {
		t.Fatalf("probes are not requests: /ready %d", code)
	}
}

func TestReadinessFailsWhenNeverReadyOrDraining(t *testing.T) {
	if code, _ := get(t, NewServer(Config{NeverReady: true}), "/ready", nil); code != 503 {
		t.Fatalf("NEVER_READY: %d", code)
	}
	s := NewServer(Config{})
	if code, _ := get(t, s, "/ready", nil); code != 200 {
		t.Fatalf("ready: %d", code)
	}
	s.StartDraining()
	if code, _ := get(t, s, "/ready", nil); code != 503 {
		t.Fatalf("draining: %d", code)
	}
	if code, _ := get(t, s, "/healthz", nil); code != 200 {
		t.Fatalf("healthz while draining: %d", code)
	}
}

func start(t *testing.T, cfg Config) (string, chan os.Signal, chan error) {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.ShutdownLimit == 0 {
		cfg.ShutdownLimit = 5 * time.Second
	}
	signals := make(chan os.Signal, 1)
	done := make(chan error, 1)
	addrs := make(chan string, 1)
	go func() { done <- Run(cfg, signals, func(a net.Addr) { addrs <- a.String() }) }()
	select {
	case addr := <-addrs:
		return addr, signals, done
	case err := <-done:
		t.Fatalf("server stopped: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("server did not start")
	}
	return "", nil, nil
}

func TestSigtermFinishesTheRequestInFlightThenStopsAccepting(t *testing.T) {
	addr, signals, done := start(t, Config{})
	slow := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow?delay_ms=500")
		if err != nil {
			slow <- 0
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	signals <- syscall.SIGTERM
	if code := <-slow; code != 200 {
		t.Fatalf("request in flight got %d", code)
	}
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Fatal("still accepting after shutdown")
	}
}

func TestCrashAndExitOnStartStopTheServerWithAnError(t *testing.T) {
	_, _, done := start(t, Config{CrashAfter: 50 * time.Millisecond})
	if err := <-done; err == nil || !strings.Contains(err.Error(), "CRASH_AFTER_SECONDS") {
		t.Fatalf("crash: %v", err)
	}
	if err := Run(Config{ExitOnStart: true}, nil, nil); err == nil {
		t.Fatal("EXIT_ON_START ran")
	}
}

// fakeDNS answers every query on 127.0.0.1 over UDP and TCP with reply(query).
func fakeDNS(t *testing.T, reply func(query []byte) []byte) string {
	t.Helper()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp", udp.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { udp.Close(); tcp.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := udp.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = udp.WriteTo(reply(buf[:n]), from)
		}
	}()
	go func() {
		for {
			conn, err := tcp.Accept()
			if err != nil {
				return
			}
			var size [2]byte
			_, _ = io.ReadFull(conn, size[:])
			query := make([]byte, binary.BigEndian.Uint16(size[:]))
			_, _ = io.ReadFull(conn, query)
			answer := reply(query)
			_, _ = conn.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(answer))), answer...))
			conn.Close()
		}
	}()
	return udp.LocalAddr().String()
}

// cnameReply answers with a CNAME to db.example.com. whose owner is a compression pointer.
func cnameReply(query []byte) []byte {
	out := append([]byte{}, query...)
	out[2] |= 0x80                         // a response
	binary.BigEndian.PutUint16(out[6:], 2) // two answers
	out = append(out, 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 30)
	target := []byte{2, 'd', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0}
	out = binary.BigEndian.AppendUint16(out, uint16(len(target)))
	targetAt := len(out)
	out = append(out, target...)
	out = append(out, 0xc0|byte(targetAt>>8), byte(targetAt), 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 0, 2, 9)
	return out
}

func TestQueryReadsACompressedCnameAndItsAddressOverUdpAndTcp(t *testing.T) {
	server := fakeDNS(t, cnameReply)
	for _, proto := range []string{"udp", "tcp"} {
		records, err := Query(context.Background(), server, proto, "orders-db.shop.svc.cluster.local", 5)
		if err != nil {
			t.Fatalf("%s: %v", proto, err)
		}
		if len(records) != 2 || records[0].Type != "CNAME" || records[0].Data != "db.example.com." ||
			records[0].Name != "orders-db.shop.svc.cluster.local." {
			t.Fatalf("%s: %+v", proto, records)
		}
		if records[1].Type != "A" || records[1].Data != "192.0.2.9" || records[1].Name != "db.example.com." {
			t.Fatalf("%s: %+v", proto, records[1])
		}
	}
}

func TestNxdomainIsReportedByName(t *testing.T) {
	server := fakeDNS(t, func(q []byte) []byte {
		out := append([]byte{}, q...)
		out[2] |= 0x80
		out[3] = 3
		return out
	})
	result := Resolve(context.Background(), "nope.svc.cluster.local", "CNAME", "udp", server)
	if result.Error != "NXDOMAIN" {
		t.Fatalf("%+v", result)
	}
}

func TestResolveEndpointAnswersJson(t *testing.T) {
	server := fakeDNS(t, cnameReply)
	t.Setenv("DNS_SERVER", server)
	rec := httptest.NewRecorder()
	NewServer(Config{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/resolve?name=orders-db.shop.svc.cluster.local&type=cname", nil))
	var result Resolution
	if err := json.Unmarshal(rec.Body.Bytes(), &result); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if result.Type != "CNAME" || result.Records[0].Data != "db.example.com." {
		t.Fatalf("%+v", result)
	}
}

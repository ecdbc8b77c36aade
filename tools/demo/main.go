// Command demo is the server of gkeflow's builtin:demo image: it answers every GET with a small
// HTML page naming the pod that served it (POD_NAME or --pod-name) and the image's variant
// (DEMO_VARIANT, header X-Demo-Variant), /healthz with "ok", /pod with the bare pod name (so a
// client can count the pods behind a load balancer), /version with the version and variant, and
// /env/NAME with the value of one environment variable (404 when unset), so a test can see the
// environment the pod was given. /env answers what it is asked and logs nothing: do not give this
// demo server a Secret you would not show to whoever reaches its endpoint.
package main

import (
	"context"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// version is set with -ldflags "-X main.version=…" by the toolchain.
var version = "dev"

func main() {
	addr := flag.String("listen", envOr("LISTEN", ""), "address to listen on (default :$PORT)")
	port := flag.Int("port", envInt("PORT", 8888), "port to listen on when --listen is not given")
	pod := flag.String("pod-name", envOr("POD_NAME", hostname()), "pod name every answer carries")
	message := flag.String("message", envOr("DEMO_MESSAGE", "Hello from gkeflow's builtin demo image."), "text of the page")
	variant := envOr("DEMO_VARIANT", "v1")
	showVersion := flag.Bool("version", false, "print the version and exit")
	exitWithStdin := flag.Bool("exit-with-stdin", false, "exit when stdin closes (a supervisor that dies closes it)")
	flag.Parse()
	if *showVersion {
		fmt.Printf("gkeflow-demo %s\n", version)
		return
	}
	if *addr == "" {
		*addr = ":" + strconv.Itoa(*port)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/version", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Pod-Name", *pod)
		w.Header().Set("X-Demo-Variant", variant)
		fmt.Fprintf(w, "gkeflow-demo %s %s\n", version, variant)
	})
	mux.HandleFunc("/env/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Pod-Name", *pod)
		w.Header().Set("Cache-Control", "no-store")
		v, ok := os.LookupEnv(strings.TrimPrefix(r.URL.Path, "/env/"))
		if !ok {
			http.Error(w, "not set", http.StatusNotFound)
			return
		}
		fmt.Fprint(w, v)
	})
	mux.HandleFunc("/pod", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Pod-Name", *pod)
		fmt.Fprintln(w, *pod)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Pod-Name", *pod)
		w.Header().Set("X-Demo-Variant", variant)
		if r.Method == http.MethodHead {
			return
		}
		fmt.Fprintf(w, page, html.EscapeString(*pod), html.EscapeString(*message), html.EscapeString(*pod), html.EscapeString(version), html.EscapeString(variant))
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("demo: %v", err)
	}
	// The line a supervisor waits for: the address really listened on.
	fmt.Printf("gkeflow-demo %s serving pod %s on %s\n", version, *pod, ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *exitWithStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatalf("demo: %v", err)
	}
}

const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>gkeflow demo · %s</title></head>
<body><h1>gkeflow demo</h1><p>%s</p><p>Served by pod <b id="pod">%s</b> (gkeflow-demo %s, variant <b id="variant">%s</b>).</p></body></html>
`

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

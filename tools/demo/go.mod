// The builtin:demo image's server: a small static HTTP server with no dependencies, built by
// gkeflow's toolchain (CGO_ENABLED=0) for linux/amd64, linux/arm64 and the host.
module gkeflow.local/tools/demo

go 1.22

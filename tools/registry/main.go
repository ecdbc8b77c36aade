// The local Artifact Registry's storage: the CNCF distribution registry v3.1.1 (cmd/registry's
// main) with only the storage drivers a local stack uses (filesystem, inmemory). The upstream
// command also links the Azure, GCS and S3 drivers and their SDKs: about a fifth of the
// packages a cold toolchain build compiles for it, for storage the stack never configures.
package main

import (
	_ "net/http/pprof"

	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/auth/silly"
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/proxy"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/middleware/redirect"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/middleware/rewrite"
)

func main() {
	// As upstream: its two commands exit non-zero themselves on failure.
	registry.RootCmd.Execute() //nolint:errcheck
}

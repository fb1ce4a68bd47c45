// Command pulumi-resource-kubernetes is the Pulumi kubernetes provider, built here from the Go
// module proxy. The module's own main embeds schema-embed.json and terraform-mapping-embed.json,
// which a release build generates and the module does not ship; scripts/kubernetes.sh generates
// them beside this file in a build folder (gen.go) and stamps the version with -X.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}

//go:build tools

// Package tools pins the Node.js language host: the newest sdk/v3 that still holds it as a package
// (v3.68.0; later it became a module of its own, which the Go module proxy does not serve).
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"

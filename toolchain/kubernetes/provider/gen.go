//go:build ignore

// Writes schema-embed.json and terraform-mapping-embed.json into the current folder from the
// provider module's schema.json and terraform-mapping.json (minified, the schema's version set),
// as the module's own generate.go does for a release build.
//
//	go run gen.go <provider module folder> <version>
package main

import (
	"encoding/json"
	"log"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: go run gen.go <provider module folder> <version>")
	}
	dir := filepath.Join(os.Args[1], "cmd", "pulumi-resource-kubernetes")

	var schema map[string]json.RawMessage
	read(filepath.Join(dir, "schema.json"), &schema)
	version, err := json.Marshal(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	schema["version"] = version
	write("schema-embed.json", schema)

	var mapping any
	read(filepath.Join(dir, "terraform-mapping.json"), &mapping)
	write("terraform-mapping-embed.json", mapping)
}

func read(path string, into any) {
	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		log.Fatalf("%s: %v", path, err)
	}
}

func write(path string, value any) {
	data, err := json.Marshal(value) // compact: RawMessage values are compacted too
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		log.Fatal(err)
	}
}

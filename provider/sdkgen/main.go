// hepaf-sdkgen: writes the Python SDK of a Pulumi package schema with Pulumi's own Python
// generator (pkg/v3/codegen/python), the one `pulumi package gen-sdk --language python` runs.
// It needs no Pulumi CLI and no language host; the schema must reference no other package.
//
// Usage: hepaf-sdkgen SCHEMA.json OUT-DIR
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noPackages refuses every reference to another package: hepaf's schema holds none.
type noPackages struct{}

func refuse(name string) error { return fmt.Errorf("the schema references package %q; hepaf-sdkgen loads none", name) }

func (noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) { return nil, refuse(pkg) }
func (noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, refuse(d.Name)
}
func (noPackages) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, refuse(pkg)
}
func (noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, refuse(d.Name)
}

func run(schemaPath, outDir string) error {
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s is not a valid package schema:\n%s", schemaPath, diags.Error())
	}
	files, err := python.GeneratePackage("hepaf-sdkgen", pkg, nil, noPackages{})
	if err != nil {
		return err
	}
	for name, content := range files {
		out := filepath.Join(outDir, name)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out, content, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("wrote %d files of the Python SDK to %s\n", len(files), outDir)
	return nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: hepaf-sdkgen SCHEMA.json OUT-DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "hepaf-sdkgen:", err)
		os.Exit(1)
	}
}

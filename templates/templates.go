// Package templates holds the built-in template, embedded so the binary
// needs no files beside it.
package templates

import _ "embed"

// Builtin is the YAML of the built-in template, which names no city.
//
//go:embed builtin.yaml
var Builtin []byte

// BuiltinName is how messages refer to the built-in template.
const BuiltinName = "built-in template (templates/builtin.yaml)"

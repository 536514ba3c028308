// Package ext stands in for github.com/traefik/traefik/dynamic/ext, a nested module of
// traefik/v3 that traefik's own go.mod replaces with a directory (./pkg/config/dynamic/ext).
// Module zips leave nested modules out and the proxy does not serve it on its own, so a
// build of traefik/v3 from the module proxy needs this replacement. Traefik embeds these
// types inline in its dynamic HTTP and Router configuration as extension points; empty
// structs add no fields, which is what the open-source build gets.
package ext

// HTTP extends traefik's dynamic.HTTP configuration (no fields).
type HTTP struct{}

// Router extends traefik's dynamic.Router configuration (no fields).
type Router struct{}

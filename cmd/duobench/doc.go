// Command duobench times the product's heavy paths on a large synthetic
// organisation in Postgres, each next to a baseline (the raw database work
// that path cannot avoid) measured in the same run, and writes
// bench/results.json. `make bench` runs it; see bench/README.md.
package main

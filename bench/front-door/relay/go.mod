module hepaf.invalid/bench/relay

go 1.25

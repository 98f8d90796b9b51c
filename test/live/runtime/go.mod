module hepaf.test/runtime-double

go 1.25

module github.com/gorensic/gorensic/bench

go 1.26.0

replace github.com/gorensic/gorensic => ../

require (
	github.com/DataDog/gostackparse v0.7.0
	github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b
	github.com/gorensic/gorensic v0.0.0-00010101000000-000000000000
	github.com/maruel/panicparse/v2 v2.5.0
	golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4
)

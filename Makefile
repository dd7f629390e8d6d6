# Boring targets; CI (.ci/run) calls `make lint` and `make test`.
GO ?= go
PKGS := ./...
# An execution count, not a duration: with a duration Go 1.26's fuzz
# coordinator can report its own deadline as a failure at the end of the run
# (golang/go#75804, fixed in Go 1.27).
FUZZTIME ?= 20000x

.PHONY: run build test chromium fuzz lint fmt tidy bench bench-solomon bench-city bench-api clean

## run: start the service on the embedded database with demo data
run:
	$(GO) run ./cmd/fieldvisit serve --demo-if-empty

## build: compile every binary into ./bin
build:
	$(GO) build -o bin/ ./cmd/...

## test: the whole suite with the race detector, then each fuzz target briefly
test: chromium
	$(GO) test -race -count=1 -timeout 30m $(PKGS)
	$(MAKE) fuzz

## chromium: the browser tests need Debian's chromium; install it when root
## with apt-get, otherwise stop with what to do (never skip them silently)
chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "the browser tests need /usr/bin/chromium: run 'sudo apt-get install -y chromium'" >&2; \
		echo "(or FIELDVISIT_SKIP_BROWSER=1 $(GO) test ./... to skip them on purpose)" >&2; exit 1; \
	fi

## fuzz: run every fuzz target for FUZZTIME executions each (a fixed small budget in CI)
fuzz:
	@set -e; grep -rH --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*' . | sort | while IFS=: read -r file decl; do \
		pkg=./$$(dirname "$${file#./}"); name=$${decl#func }; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) "$$pkg" || exit 1; \
	done

## lint: gofmt, go vet and staticcheck must all be clean
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

## fmt: format the code
fmt:
	gofmt -w $$(git ls-files '*.go')

## tidy: tidy go.mod
tidy:
	$(GO) mod tidy

## bench: every benchmark (Solomon both objectives, city weeks, Go benchmarks)
bench: bench-solomon bench-city
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# SOLOMON is the folder of Solomon instances with their best-known
# solutions (bks.csv, bks_distance.csv), kept next to the repository. A fresh
# clone without it benchmarks generated instances of the same six families
# instead (100 customers, seed 1, written to BENCH_GENERATED): the same
# every run, but with no best-known solutions, so without gaps.
SOLOMON ?= ../shared/bench/solomon
BENCH_GENERATED ?= bin/bench-generated
# BENCH_TIME is the time limit per instance.
BENCH_TIME ?= 5s

## bench-solomon: the Solomon instances in SOLOMON, else generated ones (it says which)
bench-solomon:
	@set -e; \
	if ls $(SOLOMON)/*.txt >/dev/null 2>&1; then \
		dir=$(SOLOMON); echo "bench-solomon: Solomon instances from $$dir"; \
	else \
		dir=$(BENCH_GENERATED); \
		echo "bench-solomon: no instances in $(SOLOMON); using generated instances in $$dir (no best-known solutions, so no gaps)"; \
		$(GO) run ./cmd/vrpbench -generate $$dir -customers 100 -seed 1; \
	fi; \
	$(GO) run ./cmd/vrpbench -dir $$dir -time $(BENCH_TIME) -objective distance; \
	$(GO) run ./cmd/vrpbench -dir $$dir -time $(BENCH_TIME) -objective hierarchical

bench-city:
	$(GO) run ./cmd/citybench -sizes 100,500,1000,5000 -time 30s

# BENCH_API_ARGS are cmd/apibench's flags; the default is the size of
# issue 10 (10,000 requests, 20,000 visits, 200 clinics, 60 trainers at 1,
# 10 and 50 clients). A smoke run:
#   make bench-api BENCH_API_ARGS='-requests 200 -visits 400 -clients 1,4 -duration 1s'
BENCH_API_ARGS ?= -requests 10000 -visits 20000 -clinics 200 -trainers 60 -clients 1,10,50 -duration 5s

## bench-api: p50/p95/p99 of every API list and lookup on a fresh embedded database
bench-api:
	$(GO) run ./cmd/apibench $(BENCH_API_ARGS)

clean:
	rm -rf bin

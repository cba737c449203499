# duoadmin developer tasks. `make` (or `make help`) lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := help

GO  ?= go
NPM ?= npm

# Store tests run on SQLite always, and on Postgres too when this is set
# (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
# Empty by default: the Postgres tests skip themselves.
TEST_DATABASE_URL ?=
export TEST_DATABASE_URL

TEST_TIMEOUT ?= 20m
# Extra flags for go test, e.g. make test TEST_FLAGS='-run TestMembers -v'
TEST_FLAGS ?=
# Tests append lines such as "database: sqlite" or "browser: skipped (why)".
TEST_REPORT := $(CURDIR)/.test-report
TEST_LOG    := $(CURDIR)/.test-log

# staticcheck is not a go.mod tool (its newest golang.org/x/exp cannot be
# resolved as a module requirement here), so it is installed on demand into
# bin/tools/ with `go install pkg@version`, which leaves go.mod alone.
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK_DIR     := $(CURDIR)/bin/tools/staticcheck-$(STATICCHECK_VERSION)

# Front-end assets: GitLab's design system, pinned in package-lock.json.
NPM_STAMP  := node_modules/.duoadmin-npm-ci
VENDOR_CSS := static/vendor/gitlab-ui/index.css
VENDOR_TW  := static/vendor/gitlab-ui/tailwind.css
VENDOR_SVG := static/vendor/gitlab-svgs/icons.svg
# GitLab Sans and GitLab Mono (@gitlab/fonts); @font-face is in static/css/duoadmin.css.
VENDOR_FONTS := static/vendor/gitlab-fonts/GitLabSans.woff2 static/vendor/gitlab-fonts/GitLabSans-Italic.woff2 \
	static/vendor/gitlab-fonts/GitLabMono.woff2 static/vendor/gitlab-fonts/GitLabMono-Italic.woff2
# axe-core (a devDependency) is never copied into static/: the product does
# not serve it; the browser tests read node_modules/axe-core/axe.min.js.

.PHONY: help run test build generate generate-graphql assets lint migrate

help: ## List the targets
	@echo "Usage: make TARGET"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: assets generate ## Build assets, generate templ, serve (migrates; loads demo data into an empty DB)
	$(GO) run ./cmd/duoadmin serve

test: assets generate ## Run all tests, then summarise which databases and browser they used
	@rm -f $(TEST_REPORT) $(TEST_LOG)
	@echo "TEST_DATABASE_URL=$${TEST_DATABASE_URL:-<unset: Postgres tests skip>}"
	@set -o pipefail; status=0; \
	DUOADMIN_TEST_REPORT=$(TEST_REPORT) $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TEST_FLAGS) ./... 2>&1 \
		| tee $(TEST_LOG) || status=$$?; \
	echo; \
	echo "== Test summary =="; \
	if [ -f $(TEST_REPORT) ]; then sort -u $(TEST_REPORT); else echo "no report written"; fi; \
	passed=$$(grep -cE '^ok[[:space:]]' $(TEST_LOG) || true); \
	failed=$$(grep -cE '^FAIL[[:space:]]' $(TEST_LOG) || true); \
	echo "packages: $$passed passed, $$failed failed"; \
	exit $$status

build: assets generate ## Build bin/duoadmin
	$(GO) build -o bin/duoadmin ./cmd/duoadmin

generate: ## Generate Go code from .templ files (go tool templ generate)
	$(GO) tool templ generate

assets: $(VENDOR_CSS) $(VENDOR_TW) $(VENDOR_SVG) $(VENDOR_FONTS) ## Install the pinned npm packages and copy their CSS/SVG/fonts into static/vendor/

$(NPM_STAMP): package.json package-lock.json
	$(NPM) ci --ignore-scripts --legacy-peer-deps --no-audit --no-fund
	@touch $@

$(VENDOR_CSS): $(NPM_STAMP)
	install -D -m 0644 node_modules/@gitlab/ui/dist/index.css $@

# The gl-* utility classes GitLab UI's own components use (a purged subset).
$(VENDOR_TW): $(NPM_STAMP)
	install -D -m 0644 node_modules/@gitlab/ui/dist/tailwind.css $@

$(VENDOR_SVG): $(NPM_STAMP)
	install -D -m 0644 node_modules/@gitlab/svgs/dist/icons.svg $@

# GitLabSans*.woff2 come from gitlab-sans/, GitLabMono*.woff2 from gitlab-mono/.
$(VENDOR_FONTS): $(NPM_STAMP)
	install -D -m 0644 node_modules/@gitlab/fonts/$(if $(findstring Mono,$(notdir $@)),gitlab-mono,gitlab-sans)/$(notdir $@) $@

lint: generate ## go vet, gofmt check (generated *_templ.go excluded), staticcheck
	$(GO) vet ./...
	@unformatted=$$(find . -path ./node_modules -prune -o -path ./.git -prune -o \
		-name '*.go' ! -name '*_templ.go' -print0 | xargs -0 -r gofmt -l); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):"; echo "$$unformatted"; exit 1; \
	fi; \
	echo "gofmt: ok"
	@if GOBIN=$(STATICCHECK_DIR) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); then \
		echo "staticcheck $(STATICCHECK_VERSION) ./..."; \
		$(STATICCHECK_DIR)/staticcheck ./...; \
	else \
		echo "lint: WARNING: staticcheck $(STATICCHECK_VERSION) unavailable (go install failed); ran go vet and gofmt only"; \
	fi

# The GraphQL server code (handlers/graphqlapi/generated.go, models_gen.go)
# is generated from schema.graphqls by gqlgen (a go.mod tool) and committed,
# so a fresh clone builds without it; run this after changing the schema.
generate-graphql: ## Regenerate the GraphQL server code from handlers/graphqlapi/schema.graphqls (gqlgen)
	$(GO) generate ./handlers/graphqlapi

migrate: ## Apply database migrations (DATABASE_URL, default SQLite)
	$(GO) run ./cmd/duoadmin migrate

.PHONY: screenshots
screenshots: assets generate ## Walk the user journeys in Chromium and save their screens to docs/screenshots/
	DUOADMIN_SCREENSHOTS=1 DUOADMIN_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run Journey ./e2e/

# Fuzz targets as package:FuzzName:executions; -fuzz takes one of each per run.
# Budgets are execution counts (about ten seconds each here), not durations:
# with a duration, Go 1.26's fuzz coordinator can report "context deadline
# exceeded" as a failure when the time runs out mid-input, with no crasher
# (golang/go#75804, fixed in Go 1.27). FUZZ_SCALE multiplies every count.
FUZZ_TARGETS := ./models/orgfile:FuzzParseDocument:15000 ./handlers:FuzzSeatBulkForm:300 ./handlers:FuzzAccessQuery:5000 ./cmd/duoadmin:FuzzSeatsCSV:5000
FUZZ_SCALE   ?= 1

.PHONY: fuzz-short test-resilience
fuzz-short: assets generate ## Fuzz each parser for a fixed number of executions (about 10 s each) on top of the committed corpora
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; n=$$(( $${rest##*:} * $(FUZZ_SCALE) )); \
		echo "== fuzz $$name ($$pkg, $${n} executions)"; \
		$(GO) test -run XXX -fuzz "^$$name$$" -fuzztime $${n}x -fuzzminimizetime 2s $$pkg; \
	done

test-resilience: assets generate ## Crash, database outage, concurrency and 60 s soak against the real binary (needs TEST_DATABASE_URL)
	$(GO) test -tags resilience -count=1 -timeout 15m -run '^TestResilience' -v ./e2e/...

# Postgres database the benchmarks seed (once) and reuse; created when missing.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/duoadmin_bench?sslmode=disable
export BENCH_DATABASE_URL

.PHONY: bench bench-report
bench: assets generate ## Time the heavy paths on 100k users (BENCH_SCALES for more sizes) next to their floors; writes bench/results/DATE.json
	$(GO) run ./cmd/duobench

# BENCH_REPORT: a results file (default: the newest in bench/results).
# BENCH_REPORT_README=bench/README.md rewrites its generated results section;
# BENCH_REPORT_SECTION=bench-growth its section of a run over several sizes
# (bench/results/growth/DATE.json); BENCH_REPORT_GROWTH_ONLY=1 its growth table alone.
bench-report: ## Print the markdown table of a bench results file (or rewrite README's with BENCH_REPORT_README=bench/README.md)
	$(GO) run ./cmd/duobench report $(if $(BENCH_REPORT_README),-readme $(BENCH_REPORT_README)) $(if $(BENCH_REPORT_SECTION),-section $(BENCH_REPORT_SECTION)) $(if $(BENCH_REPORT_GROWTH_ONLY),-growth-only) $(BENCH_REPORT)

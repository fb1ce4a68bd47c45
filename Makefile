# The two commands a newcomer needs: `make demo` and `make test`. Both work from a fresh clone:
# they make the toolchain and install the packages first.
SHELL := bash
.SHELLFLAGS := -eo pipefail -c
# The project's own file backend for what make runs (throwaway stacks of the demo, tests and
# benchmarks), whatever backend the user has (scripts/env.sh); STREAMBUS_BACKEND_URL still wins.
ENV := STREAMBUS_BACKEND_URL="$${STREAMBUS_BACKEND_URL:-project}" source scripts/env.sh &&

.PHONY: all toolchain deps build check test test-servers test-only demo bench clean

all: build

## toolchain: the pinned pulumi CLI, Node >= 22 and the dynamic-provider plugin (cached)
toolchain:
	@scripts/toolchain.sh

node_modules/.package-lock.json: package.json package-lock.json | toolchain
	$(ENV) npm ci --no-audit --no-fund

## deps: toolchain + npm packages (npm ci only when the lock file changed)
deps: toolchain node_modules/.package-lock.json
	@scripts/toolchain.sh >/dev/null 2>&1

## build: compile TypeScript to dist/
build: deps
	$(ENV) npm run --silent build

## check: strict type check, ESLint (with @pulumi/eslint-plugin; it also refuses an import of
## stacks/ from outside it, eslint.config.mjs), Prettier, no import circle under providers/ and
## procedures/ (scripts/import-circles.mjs, madge), and actionlint on .github/workflows
## (scripts/actionlint.sh: from PATH or built once from the Go module proxy)
check: deps
	$(ENV) npx tsc --noEmit -p tsconfig.json
	$(ENV) npx eslint .
	$(ENV) node scripts/import-circles.mjs
	$(ENV) npx prettier --check . >/dev/null
	@scripts/actionlint.sh

## test: check, then every test (unit, integration against the emulator, end-to-end through the real engine)
test: build check test-servers test-only

## test-servers: versitygw (the backup tests' S3 server) and promtool (the alert rules'), each
## used from PATH or built once from the Go module proxy and cached
test-servers:
	@scripts/versitygw.sh >/dev/null
	@scripts/promtool.sh
	@scripts/kubernetes.sh >/dev/null

test-only:
	@mkdir -p .streambus
	$(ENV) npx vitest run --reporter=default --reporter=json --outputFile.json=.streambus/vitest.json

## demo: an emulated cluster provisioned, scaled and checked through the real engine
demo: build
	$(ENV) node dist/demo/index.js

## bench: the benchmarks, printing each figure as a ratio with its absolute values and the command
## that reproduces it (bench/index.ts: CLI start-up, scaling through pulumi up, a 60-broker fleet's
## preview and drift check, the adaptive wait; then the emulator's own figures). 12 to 15 minutes
## on 2 cores busy with other work; one part alone: `node dist/bench/index.js fleet` after `source scripts/env.sh`.
bench: build
	$(ENV) node dist/bench/index.js
	$(ENV) node --expose-gc dist/bench/sim.js

clean:
	rm -rf dist .streambus .pulumi

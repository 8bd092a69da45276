# Kuayu — every target bootstraps what it needs (Node 24, npm packages, Kafka, FerretDB).
SHELL := /bin/bash
ENV := source scripts/env.sh &&

.PHONY: up down test fuzz build proto lint bench bench-drill chaos load bootstrap status clean chart images screenshots

## up: install everything, start Kafka, the store and every service; print the endpoints
up: bootstrap build
	@$(ENV) bash scripts/infra/infra.sh up
	@$(ENV) bash scripts/services.sh up
	@$(ENV) echo "Kafka 127.0.0.1:9092 · MongoDB-wire (FerretDB) mongodb://127.0.0.1:27017 · token: npx kuayu token mint --court <id> --role window-clerk"

## down: stop exactly what `make up` started
down:
	@$(ENV) bash scripts/services.sh down
	@$(ENV) bash scripts/infra/infra.sh down

## test: bootstrap, start what tests need, type-check, lint, proto check, unit + integration tests
test:
	@bash scripts/test.sh

## fuzz: property-based fuzzing of every public RPC, 10,000 requests each (make test runs 500): make fuzz [FUZZ_RUNS=…] [FUZZ_SEED=…]; docs/reliability.md
fuzz: build
	@$(ENV) bash scripts/infra/infra.sh up
	@$(ENV) FUZZ_RUNS=$${FUZZ_RUNS:-10000} npx jest --selectProjects integration --runInBand --forceExit --testPathPatterns 'fuzz\.int\.test\.ts$$'

bootstrap:
	@bash scripts/bootstrap.sh

build: bootstrap
	@$(ENV) npx tsc -b && npm run -s build:web -w @kuayu/console

## proto: regenerate libs/proto/src/gen from proto/ (buf + local protoc-gen-es)
proto: bootstrap
	@$(ENV) bash scripts/proto.sh generate

lint: bootstrap
	@$(ENV) npx eslint . && npx prettier --check --log-level warn "**/*.{ts,tsx,js,json}" && bash scripts/proto.sh check

## bench: baseline (raw Kafka, raw store, raw grpc-js), directory, intake, flow and notification benchmarks; results in docs/benchmarks.md
bench: build
	@$(ENV) bash scripts/infra/infra.sh up
	@$(ENV) node scripts/bench/baseline.js
	@$(ENV) node --expose-gc scripts/bench/directory.js
	@$(ENV) node scripts/bench/intake.js
	@$(ENV) node scripts/bench/flow.js
	@$(ENV) node scripts/bench/notify.js

## bench-drill: whole-system benchmark — the national drill (every court × its case types, 86,328 filings), every service its own process; make bench-drill [ARGS="--fraction 0.01"]; docs/drill.md
bench-drill: build
	@$(ENV) bash scripts/infra/infra.sh up
	@$(ENV) node scripts/bench/drill.js $(ARGS)

## chaos: the drill with faults — each service, the broker, FerretDB and PostgreSQL SIGKILLed in turn and restarted; time to recover per fault; fails on any lost, duplicated or dead-lettered filing or a wrong supervision count; make chaos [LIMIT=1500] [ARGS="--chaos-spacing 20s --chaos-outage 3s"]; docs/reliability.md
LIMIT ?= 1500
chaos: build
	@$(ENV) bash scripts/infra/infra.sh up
	@$(ENV) node scripts/bench/drill.js --chaos --skip-baseline --limit $(LIMIT) $(ARGS)

## load: the k6 scenarios (scripts/k6) against `make up` — k6 if installed, else k6run: make load [ARGS="--vus 2 --iterations 10"]
load: build
	@$(ENV) bash scripts/k6/run-all.sh $(ARGS)

## screenshots: the console's end-to-end test, saving a screenshot of every page into docs/console/ (committed; shown in the README)
screenshots: build
	@$(ENV) bash scripts/infra/infra.sh up
	@$(ENV) CONSOLE_SCREENSHOTS=$(CURDIR)/docs/console npx jest --selectProjects integration --runInBand --forceExit --testPathPatterns 'services/console/test/'

## chart: helm lint, render and validate every example release in deploy/ (also part of make test)
chart:
	@bash scripts/chart/check.sh

## images: build every service's image (needs a Docker engine): make images [VERSION=0.1.0] [REGISTRY=registry.example]
images:
	@REGISTRY=$(REGISTRY) bash scripts/chart/images.sh $(VERSION)

status:
	@$(ENV) bash scripts/infra/infra.sh status; bash scripts/services.sh status

clean: down
	rm -rf node_modules libs/*/dist services/*/dist .data

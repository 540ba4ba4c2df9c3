# Rapport — the two commands a new user needs are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Maven, Keycloak and the services need a JDK 21+; stack/stack.sh finds one (JAVA_HOME, PATH, /usr/lib/jvm).
export JAVA_HOME := $(shell stack/stack.sh java-home)
MVN := ./mvnw -B
SERVICES := gateway profile-service segment-service campaign-service chatbot-service
VERSION := $(shell sed -n 's/^appVersion: "\(.*\)"/\1/p' k8s/rapport/Chart.yaml)
# `make run` loads the demo brand (demo/README.md) unless DEMO=off; DEMO_CUSTOMERS sets its size.
DEMO ?= on
DEMO_CUSTOMERS ?= 10000
SOAK_MINUTES ?= 30
# Mealtide's support desk with the demo (demo/README.md): billing answers 07:00-23:00 London time every day, technical
# on weekdays 09:00-18:00, delivery around the clock; outside its hours a team's hand-over becomes a ticket.
DEMO_SUPPORT_HOURS = RAPPORT_SUPPORT_TIME_ZONE=Europe/London RAPPORT_SUPPORT_TEAMS_BILLING_HOURS='MON-SUN 07:00-23:00' \
	RAPPORT_SUPPORT_TEAMS_TECHNICAL_HOURS='MON-FRI 09:00-18:00' RAPPORT_SUPPORT_TEAMS_DELIVERY_HOURS=always

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: build
build: ## Build every module (no tests)
	$(MVN) install -DskipTests

# Build only when a service is missing or a source is newer than what was built.
.PHONY: build-if-needed
build-if-needed:
	@stale=0; for s in $(SERVICES) demo; do \
	  jar=$$s/target/quarkus-app/quarkus-run.jar; [ $$s = demo ] && jar=demo/target/rapport-demo.jar; \
	  if [ ! -f $$jar ] || [ -n "$$(find pom.xml proto libs $$s -path '*/target' -prune -o -type f -newer $$jar -print -quit)" ]; then stale=1; fi; \
	done; \
	if [ $$stale = 1 ]; then $(MVN) -q install -DskipTests; else echo "[make] build is up to date"; fi

.PHONY: run
run: build-if-needed ## Start PostgreSQL, Kafka, Keycloak and the five services, load the demo brand (DEMO=off skips it), say what runs where
	@$(if $(filter off,$(DEMO)),,env $(DEMO_SUPPORT_HOURS)) stack/stack.sh up --owner run
	@if [ "$(DEMO)" != off ]; then $(JAVA_HOME)/bin/java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "demo/target/rapport-demo.jar:demo/target/lib/*" dev.rapport.demo.LoadDemo $(DEMO_CUSTOMERS); fi
	@stack/stack.sh status
	@DEMO=$(DEMO) stack/welcome.sh

.PHONY: stop
stop: ## Stop everything `make run` (or an interrupted `make test`) started; nothing else
	@stack/stack.sh down

.PHONY: status
status: ## What runs where
	@stack/stack.sh status

.PHONY: logs
logs: ## Follow every log (.run/logs)
	@tail -n 20 -F .run/logs/*.log

# Every module's tests against the real PostgreSQL and Kafka, then the end-to-end suite with real Keycloak.
# What this target starts, it stops; what was already running (a `make run`) it reuses and leaves alone.
.PHONY: test
test: ## Run every test (unit, service, end-to-end); exits non-zero on any failure
	@stack/stack.sh up --owner test postgres kafka keycloak chromium
	@status=0; $(MVN) verify || status=$$?; stack/stack.sh down --owner e2e; stack/stack.sh down --owner test; exit $$status

# The fault scenarios alone (tests tagged "fault": kill -9 of a service under load, of Kafka, of a service during an
# erasure and during a journey's timer; records read again), their table printed and written into RESILIENCE.md.
# They also run inside `make test`, as part of the end-to-end suite.
.PHONY: resilience
resilience: ## Inject the faults into a running suite and write what was expected and observed into RESILIENCE.md
	@$(MVN) -q install -DskipTests -pl e2e -am
	@stack/stack.sh up --owner test postgres kafka keycloak
	@status=0; $(MVN) verify -pl e2e -Dgroups=fault -Drapport.resilience.report=$(CURDIR)/RESILIENCE.md || status=$$?; \
		stack/stack.sh down --owner e2e; stack/stack.sh down --owner test; exit $$status

.PHONY: images
images: build-if-needed ## Build every service's container image (OCI tarballs in k8s/target/images; no Docker daemon)
	$(MVN) -q -pl k8s package -DskipTests
	$(JAVA_HOME)/bin/java -cp "k8s/target/rapport-k8s.jar:k8s/target/lib/*" dev.rapport.k8s.Images . k8s/target/images $(VERSION) $(SERVICES)
	@echo "[images] push with e.g. skopeo copy oci-archive:k8s/target/images/gateway.tar docker://<registry>/rapport/gateway:$(VERSION) (k8s/README.md)"

.PHONY: bench
bench: DEMO = off
bench: run ## Measure the suite (running it if needed) and write the figures into BENCHMARKS.md
# Reads before streaming ingestion: the stream leaves consumers a backlog that would load the disk under the reads.
	$(MVN) -q -pl bench -am install -DskipTests
	$(JAVA_HOME)/bin/java -cp "bench/target/rapport-bench.jar:bench/target/lib/*" dev.rapport.bench.WarmUp
	$(JAVA_HOME)/bin/java -cp "bench/target/rapport-bench.jar:bench/target/lib/*" dev.rapport.bench.ConsentDecisionBench BENCHMARKS.md
	$(JAVA_HOME)/bin/java -cp "bench/target/rapport-bench.jar:bench/target/lib/*" dev.rapport.bench.ChatBench BENCHMARKS.md
	$(MVN) -q verify -pl chatbot-service -Dtest=Banking77QualityTest -Dsurefire.failIfNoSpecifiedTests=false -Dquarkus.build.skip=true -Drapport.bench.report=$(CURDIR)/BENCHMARKS.md
	$(JAVA_HOME)/bin/java -cp "bench/target/rapport-bench.jar:bench/target/lib/*" dev.rapport.bench.WalkingSkeletonBench BENCHMARKS.md
	$(JAVA_HOME)/bin/java -cp "bench/target/rapport-bench.jar:bench/target/lib/*" dev.rapport.bench.ProfileReadBench BENCHMARKS.md
	$(JAVA_HOME)/bin/java -cp "bench/target/rapport-bench.jar:bench/target/lib/*" dev.rapport.bench.SegmentBench BENCHMARKS.md
	$(JAVA_HOME)/bin/java -cp "bench/target/rapport-bench.jar:bench/target/lib/*" dev.rapport.bench.CampaignBench BENCHMARKS.md
	$(JAVA_HOME)/bin/java -cp "bench/target/rapport-bench.jar:bench/target/lib/*" dev.rapport.bench.StreamingIngestionBench BENCHMARKS.md

.PHONY: soak
soak: DEMO = off
soak: run ## Hold the suite at half its measured capacity for 30 minutes (SOAK_MINUTES) and write memory and errors into RESILIENCE.md
	$(MVN) -q -pl bench -am install -DskipTests
	$(JAVA_HOME)/bin/java -Drapport.soak.minutes=$(SOAK_MINUTES) -cp "bench/target/rapport-bench.jar:bench/target/lib/*" dev.rapport.bench.Soak RESILIENCE.md

.PHONY: clean
clean: ## Stop, then remove builds and every local data directory (.run)
	@stack/stack.sh clean
	$(MVN) -q clean

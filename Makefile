# The two commands that matter: `make demo` and `make test`. Both install what they need.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
SIM_HOSTS ?= 2
# Debian packages the simulated lab, its mirror and the distributed tools need on this machine
# (installed by simlab, which keeps their packaged daemons from starting on every address).
# openssh-server: the remote-launch tests start an sshd of their own.
SYSTEM_PACKAGES := debootstrap systemd-container apt-cacher-ng docker-registry openssh-client openssh-server \
	zstd iproute2 gnupg dpkg-dev openmpi-bin libopenmpi-dev curl

.PHONY: install venv system-packages sim-up sim-down demo test test-unit lint clean

install: system-packages venv

# The Python side alone (no root, no apt): what `make test-unit` needs.
venv: $(VENV)/.installed

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing: $$missing"; python3 -m simlab deps $$missing; fi

# torch first: DeepSpeed's setup imports it (pyproject.toml, the `training` extra).
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	DS_BUILD_OPS=0 $(PY) -m pip install -q '.[training,dev]'
	touch $@

sim-up: install
	$(PY) -m simlab up --hosts $(SIM_HOSTS)

sim-down:
	$(PY) -m simlab down

demo: install
	$(PY) -m sparklab.demo

lint: venv
	$(PY) -m ruff check .

# The full suite, what .ci/run calls: lint, the fast tests (unit + plan, seconds to fail), then the
# simulated-lab integration tests (the demo as a newcomer runs it among them).
test: install lint
	$(PY) -m pytest tests -m "not integration"
	$(PY) -m pytest tests -m integration

# Quick local loop: lint, unit and plan tests; no simulated lab, no root, no apt.
test-unit: venv lint
	$(PY) -m pytest tests -m "not integration"

clean: sim-down
	rm -rf $(VENV)

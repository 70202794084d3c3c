# Two commands on a fresh machine: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck unit eval bench browser-deps clean train-reader fit-decision

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU torch first: anything unpinned after it would pull a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(PY) -m shanxi_qa chat

browser-deps:
	@test -x /usr/bin/chromium || { \
		echo "installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| { echo "could not install chromium (need root and apt)"; exit 1; }; }

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks eval
	$(VENV)/bin/ruff format --check src tests benchmarks eval

typecheck: setup
	$(VENV)/bin/mypy

test: setup browser-deps lint typecheck
	HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -q

eval: setup
	$(PY) -m shanxi_qa eval --report docs/eval

bench: setup
	$(PY) -m shanxi_qa bench

# Rebuild the shipped reader from SQuAD in ../shared/benchmarks (SHANXI_QA_BENCHMARKS
# overrides): about an hour on 2 AVX2 cores, progress in build/reader/train.log, resumes from
# build/reader/checkpoint.pt; then refit the answer-or-abstain model on questions the reader was
# not trained on, with its report in docs/squad/.
train-reader: setup
	HF_HUB_OFFLINE=1 $(PY) eval/train_reader.py --max-steps 800 --log build/reader/train.log
	$(MAKE) fit-decision

fit-decision: setup
	HF_HUB_OFFLINE=1 $(PY) eval/fit_decision.py --report docs/squad

clean:
	rm -rf index/current index/build-* index/.current-* .pytest_cache .mypy_cache .ruff_cache

# The two README commands: `make book` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Chapter ids that have an assignment (folders under solutions/).
ASSIGNMENTS := $(notdir $(wildcard solutions/ch*))
JOBS   ?= 2

.PHONY: book test venv release bench clean sandbox-deps chapters-ipynb

# Fall back to python3 where python3.11 is not on PATH under that name.
ifeq ($(shell command -v $(PYTHON) 2>/dev/null),)
PYTHON := python3
endif

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

venv: $(STAMP)

# bubblewrap is the grader's sandbox; without it the grader falls back to resource limits and warns.
sandbox-deps:
	@command -v bwrap >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  (apt-get install -y -qq bubblewrap >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null)) ; } || \
	  echo "warning: bubblewrap (bwrap) not installed; grading runs without a filesystem/network sandbox"

book: $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going

# The student releases are generated from the nbgrader sources, never edited by hand.
release: $(STAMP)
	$(BIN)/python -m autograde release $(ASSIGNMENTS)

# Chapters as plain notebooks, so that nbval can execute them in the test run.
NBVAL_DIR := _build/nbval
CHAPTERS  := $(wildcard book/ch*.md)

chapters-ipynb: $(STAMP)
	@rm -rf $(NBVAL_DIR) && mkdir -p $(NBVAL_DIR)
	@for f in $(CHAPTERS); do $(BIN)/jupytext --quiet --to ipynb -o $(NBVAL_DIR)/$$(basename $$f .md).ipynb $$f; done

# One pytest run: unit and grading tests, every solution notebook (visible + hidden tests) and every chapter
# executed by nbval. --dist loadfile keeps each notebook in one worker (one kernel per notebook).
test: $(STAMP) sandbox-deps chapters-ipynb
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval-lax --nbval-cell-timeout=600 \
	  tests solutions $(NBVAL_DIR)

bench: $(STAMP) sandbox-deps
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf _build

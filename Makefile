# The two README commands: `make book` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Chapter ids that have an assignment (folders under solutions/).
ASSIGNMENTS := $(notdir $(wildcard solutions/ch*))
JOBS   ?= 2

.PHONY: book test venv release bench clean sandbox-deps chapters-ipynb student-kit browser-deps browser-test

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

# The site, every chapter executed (a cell that fails is a warning, and -W makes it an error), plus the student kit
# it links. The site is what GitHub Pages publishes (.github/workflows/book.yml).
book: $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going
	$(BIN)/python tools/student_kit.py _build/html/student-kit.zip

# The exercises for students, without solutions or hidden tests (tools/student_kit.py).
student-kit: $(STAMP)
	$(BIN)/python tools/student_kit.py _build/html/student-kit.zip

# Headless Chromium for tests/test_browser.py: Debian's chromium and chromium-driver, installed when run as root.
# Elsewhere an installed Chromium or Chrome with its chromedriver is used (GitHub's ubuntu runners have both).
browser-deps:
	@command -v chromedriver >/dev/null || [ -n "$$CHROMEWEBDRIVER" ] || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  (apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null)) ; } || \
	  echo "warning: chromedriver not installed; the browser tests will fail"

# The built site in a real browser (needs `make book` first): console errors, math, images, buttons, search,
# navigation; screenshots go to _build/screenshots/.
browser-test: $(STAMP) browser-deps
	DLBOOK_REQUIRE_SITE=1 $(BIN)/python -m pytest -p no:cacheprovider -q tests/test_browser.py tests/test_site.py

# The student releases are generated from the nbgrader sources, never edited by hand.
release: $(STAMP)
	$(BIN)/python -m autograde release $(ASSIGNMENTS)

# Chapters as plain notebooks, for running one under nbval by hand (`make test` executes them in `make book`).
NBVAL_DIR := _build/nbval
CHAPTERS  := $(wildcard book/ch*.md)

chapters-ipynb: $(STAMP)
	@rm -rf $(NBVAL_DIR) && mkdir -p $(NBVAL_DIR)
	@for f in $(CHAPTERS); do $(BIN)/jupytext --quiet --to ipynb -o $(NBVAL_DIR)/$$(basename $$f .md).ipynb $$f; done

# First the book: building it executes every chapter and fails on any cell error (the chapters are no longer run
# a second time by nbval), then one pytest run: unit and grading tests, every solution notebook (visible + hidden
# tests) under nbval, the built site (raw TeX, alt texts, buttons) and the browser tests.
# --dist loadfile keeps each notebook in one worker (one kernel per notebook).
test: $(STAMP) sandbox-deps browser-deps book
	DLBOOK_REQUIRE_SITE=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval-lax --nbval-cell-timeout=600 \
	  tests solutions

bench: $(STAMP) sandbox-deps
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf _build

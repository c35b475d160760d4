# The two commands a newcomer needs: `make serve` and `make test`. Both set everything up.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: serve test lint lint-baseline wheel-check venv dev-venv db bench bench-quality clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(STAMP)

venv: $(STAMP)
dev-venv: $(DEV_STAMP)

## db: create or migrate the embedded database and load the seed directory once
db: $(STAMP)
	$(BIN)/referral init-db
	$(BIN)/referral seed --if-empty

## serve: set up, then serve the API with gunicorn on http://$(HOST):$(PORT), and run the worker
## (webhook delivery, purge) beside it; Ctrl-C stops both
serve: db
	@$(BIN)/referral worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/referral serve --host $(HOST) --port $(PORT)

## test: set up with the dev extras, run the linters, then the whole suite
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff (lint and format check), mypy (strict on referral/matching) and import-linter's layer contracts, as pyproject.toml
## configures them; no file may get more findings than tools/lint_baseline.json records
lint: $(DEV_STAMP)
	$(BIN)/python tools/lint.py

## lint-baseline: after fixing findings (e.g. `.venv/bin/ruff check --fix`), lower the recorded bar
lint-baseline: $(DEV_STAMP)
	$(BIN)/python tools/lint.py --update

## wheel-check: build the wheel, install it in a clean virtualenv outside the checkout, and start it there:
## `referral --help`, init-db and seed (the packaged default.toml and seeds) on a throwaway SQLite file; the
## app serves the docs page's Swagger UI files and answers a problem in Chinese (the packaged .mo)
wheel-check: $(BIN)/python
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(BIN)/python -m pip wheel --quiet --no-deps -w $$tmp/dist . ; \
	$(PYTHON) -m venv $$tmp/venv; $$tmp/venv/bin/pip install --quiet $$tmp/dist/*.whl; \
	cd $$tmp && export REFERRAL_DATABASE_URL=sqlite:///$$tmp/wheel.db; \
	$$tmp/venv/bin/referral --help >/dev/null; $$tmp/venv/bin/referral init-db; $$tmp/venv/bin/referral seed; \
	$$tmp/venv/bin/python -c 'from referral.app import create_app; client = create_app().test_client(); \
	  assert client.get("/docs/swagger-ui/swagger-ui.css").status_code == 200; \
	  assert client.get("/v1/none", headers={"Accept-Language": "zh"}).get_json()["title"] == "未找到"; \
	  print("wheel starts")'

## bench: print the benchmark tables (matching, memory, reading text, HTTP, freshness, scale); with
## REFERRAL_BENCH_POSTGRES_URL (a disposable database) HTTP and scale run on PostgreSQL too
bench: $(DEV_STAMP)
	$(BIN)/python bench/match_bench.py
	$(BIN)/python bench/memory_bench.py
	$(BIN)/python bench/text_bench.py
	$(BIN)/python bench/http_bench.py $(if $(REFERRAL_BENCH_POSTGRES_URL),--postgres $(REFERRAL_BENCH_POSTGRES_URL))
	$(BIN)/python bench/freshness_bench.py
	$(BIN)/python bench/update_wait_bench.py
	$(BIN)/python bench/scale_bench.py

## bench-quality: print nDCG@5, violations, urgent safety and bundle quality on the graded cases
bench-quality: $(DEV_STAMP)
	$(BIN)/python bench/quality_bench.py

## translations: after changing words of the pages, the API's errors or the matching core, extract them, update
## each .po, compile the .mo (all committed): the catalogues are listed in tools/translations.py
translations: $(DEV_STAMP)
	$(BIN)/python tools/translations.py

clean:
	rm -rf $(VENV) instance *.egg-info .mypy_cache .ruff_cache .import_linter_cache

# Kontakt CRM. `make run` serves the app with demo data; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: install run test lint bench translations compile-translations upgrade demo clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Compiled catalogs are built from the .po sources, never edited or committed.
%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

compile-translations: $(COMPILED)

upgrade: $(VENV)/.installed
	$(FLASK) db upgrade

demo: upgrade
	$(FLASK) crm seed-demo --if-empty

# The background-job worker runs beside the web server (JOBS_BACKEND: the embedded
# SQLite queue, or Redis with REDIS_URL); when either ends, or on Ctrl+C, both stop.
run: compile-translations demo
	@$(FLASK) crm worker & worker=$$!; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT) & web=$$!; \
	trap 'kill $$web $$worker 2>/dev/null; wait' EXIT INT TERM; \
	while kill -0 $$web 2>/dev/null && kill -0 $$worker 2>/dev/null; do sleep 1; done

# Browser tests drive Debian's Chromium (not a downloaded one); installed when missing.
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	apt-get install -y --no-install-recommends chromium || \
		(apt-get update && apt-get install -y --no-install-recommends chromium)

test: compile-translations $(CHROMIUM)
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Pages of a tenant with many contacts under load, side by side with Django's admin when
# PEER_DATABASE is set (see bench/run.py and docs/performance.md for the variables).
bench: compile-translations
	$(BIN)/python -m bench

# ruff, the layer contract of pyproject.toml (views > services > models > base), mypy.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Extract messages from the code, merge them into each catalog, compile.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l \
		-k pgettext:1c,2 -k lazy_pgettext:1c,2 -k lazy_ngettext:1,2 \
		-o app/translations/messages.pot app
	$(BIN)/pybabel update -N -i app/translations/messages.pot -d app/translations
	$(MAKE) compile-translations

clean:
	rm -rf $(VENV) instance/kontakt.db $(COMPILED)

# The hall's commands. On a fresh machine `make run` and `make test` install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := .local/stamps

.PHONY: run test test-fast bench load lint package statement-layer clean setup browser-deps java pdf-deps

setup: java pdf-deps $(STAMP)/venv $(STAMP)/npm

# A Java runtime for DynamoDB Local (root installs Debian's; others are told how).
java:
	@if ! command -v java >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else echo "Install a Java runtime for DynamoDB Local: sudo apt-get install openjdk-17-jre-headless"; exit 1; fi; \
	fi

# The 权益单 PDF's font (Debian's Noto Sans CJK, OFL) and poppler-utils (pdftotext, pdffonts)
# for its tests (root installs them; others are told how).
pdf-deps:
	@if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk poppler-utils >/dev/null; \
	  else echo "Install Debian's fonts-noto-cjk and poppler-utils: sudo apt-get install fonts-noto-cjk poppler-utils"; exit 1; fi; \
	fi

$(STAMP)/venv: requirements.txt requirements-dev.txt
	@mkdir -p $(STAMP)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade 'pip<26.3'  # chalice 1.34 requires pip<26.3
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

$(STAMP)/npm: package.json package-lock.json
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's Chromium and CJK fonts for the browser tests (root installs them; others are told how).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qiE 'wqy|noto sans cjk'; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; \
	  else echo "Install Debian's chromium and fonts-wqy-zenhei: sudo apt-get install chromium fonts-wqy-zenhei"; exit 1; fi; \
	fi

run: setup
	$(PY) -m devtools.run

# The deployment-package tests run on their own, after the rest: `chalice package` has been
# seen to write a damaged zip while the parallel suite (browsers included) runs beside it.
test: setup browser-deps
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2 --dist loadgroup -m "not slow"
	$(PY) -m pytest -m slow

test-fast: setup
	$(PY) -m pytest -n 2 -m "not browser and not slow"

bench: setup
	$(PY) -m bench

load: setup
	$(PY) -m bench.load

# The prod Lambda package (chalice package, minus what the Lambda runtime provides), checked to import and serve.
package: setup
	$(PY) -m infra.package build/package

# The prod function's "statement" Lambda layer: reportlab, fontTools and the 权益单 font (docs/deploy.md).
statement-layer: setup
	$(PY) -m infra.statement_layer build/statement-layer.zip

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf .local/dynamodb .local/outbox.jsonl build

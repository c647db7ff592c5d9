# 共富工坊 shop. `make run` serves the demo shop; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PIP    := $(BIN)/python -m pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: help install install-dev run worker beat test lint format schema messages clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	@touch $@

# The local Stripe stand-in's extra (localstripe), for `make run` without
# STRIPE_SECRET_KEY; `dev` includes it.
$(VENV)/.installed-stand-in: $(VENV)/.installed
	$(PIP) -e '.[stand-in]'
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	@touch $@

install: $(VENV)/.installed  ## create .venv and install the shop

install-dev: $(VENV)/.installed-dev  ## install the shop and its test tools

var/secret_key:
	@mkdir -p var
	@$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@chmod 600 $@

# The RSA key that signs the API's JWTs (JWT_PRIVATE_KEY), made once.
var/jwt_private_key.pem:
	@mkdir -p var
	@umask 077 && $(BIN)/python -c "from cryptography.hazmat.primitives import serialization as s; from cryptography.hazmat.primitives.asymmetric import rsa; k = rsa.generate_private_key(public_exponent=65537, key_size=2048); print(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode(), end='')" > $@
	@chmod 600 $@

# The local stand-in signs its webhooks with this per-install random secret:
# a published one would let anyone forge "payment succeeded".
var/stripe_webhook_secret:
	@mkdir -p var
	@$(BIN)/python -c "import secrets; print('whsec_' + secrets.token_urlsafe(32))" > $@
	@chmod 600 $@

# Without STRIPE_SECRET_KEY, `make run` pays through localstripe on this port.
STRIPE_LOCAL_PORT := $(or $(STRIPE_LOCAL_PORT),8420)
# ... and so needs the stand-in's extra; with real keys it stays uninstalled.
STAND_IN := $(if $(STRIPE_SECRET_KEY),,$(VENV)/.installed-stand-in)
GUNICORN = $(BIN)/gunicorn config.wsgi:application --bind 127.0.0.1:$(PORT) \
	--workers $${WEB_CONCURRENCY:-2} --access-logfile -

run: install $(STAND_IN) var/secret_key var/jwt_private_key.pem var/stripe_webhook_secret  ## migrate, load demo data, collect static, serve on 127.0.0.1:$(PORT)
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}"; \
	export SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}"; \
	export JWT_PRIVATE_KEY="$${JWT_PRIVATE_KEY:-$$(cat var/jwt_private_key.pem)}"; \
	stand_in=; \
	if [ -z "$${STRIPE_SECRET_KEY}" ]; then \
		$(BIN)/python -m devtools.stripe_stand_in \
			--host 127.0.0.1 --port $(STRIPE_LOCAL_PORT) \
			--webhook-url http://127.0.0.1:$(PORT)/payments/stripe/webhook/ \
			--webhook-secret "$$(cat var/stripe_webhook_secret)" & \
		stand_in=$$!; \
		trap 'kill $$stand_in 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
		export STRIPE_SECRET_KEY=sk_test_gongfu_local \
			STRIPE_PUBLISHABLE_KEY=pk_test_gongfu_local \
			STRIPE_WEBHOOK_SECRET="$$(cat var/stripe_webhook_secret)" \
			STRIPE_API_BASE=http://127.0.0.1:$(STRIPE_LOCAL_PORT) \
			STRIPE_JS_URL=http://127.0.0.1:$(STRIPE_LOCAL_PORT)/js.stripe.com/v3/; \
	fi; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py load_demo && \
	$(BIN)/python manage.py collectstatic --noinput -v0 || exit 1; \
	echo "共富工坊 shop: http://127.0.0.1:$(PORT)/"; \
	periodic=; \
	if [ -z "$${CELERY_BROKER_URL}" ]; then \
		$(BIN)/python -m config.periodic & \
		periodic=$$!; \
		trap 'kill $$stand_in $$periodic 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
		echo "Periodic jobs (expiry, reconciliation, split sweeps, tap flushes, emails, payouts) run in-process (python -m config.periodic)"; \
	else \
		echo "CELERY_BROKER_URL is set: also run \`make worker\` and \`make beat\`, or no task and no periodic job runs" >&2; \
	fi; \
	if [ -z "$$stand_in$$periodic" ]; then exec $(GUNICORN); fi; \
	[ -z "$$stand_in" ] || kill -0 $$stand_in 2>/dev/null || { \
		echo "the local Stripe stand-in did not start (port $(STRIPE_LOCAL_PORT) in use? set STRIPE_LOCAL_PORT)" >&2; \
		exit 1; }; \
	[ -z "$$stand_in" ] || echo "Payments use the local Stripe stand-in (localstripe, http://127.0.0.1:$(STRIPE_LOCAL_PORT)): test card 4242 4242 4242 4242, any future date, any CVC"; \
	$(GUNICORN)

worker: install var/secret_key  ## a Celery worker (needs CELERY_BROKER_URL)
	SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" \
		SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}" \
		$(BIN)/celery -A config worker --loglevel=info

beat: install var/secret_key  ## Celery beat, the scheduler (needs CELERY_BROKER_URL)
	SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" \
		$(BIN)/celery -A config beat --loglevel=info --schedule var/celerybeat-schedule

lint: install-dev  ## ruff and the migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

test: install-dev lint  ## lint, then the whole suite
	$(BIN)/pytest

format: install-dev  ## apply ruff's formatting and fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: install-dev  ## rewrite schema.graphql after an intended API change
	DEBUG=1 $(BIN)/python manage.py graphql_schema --schema config.schema.schema --out schema.graphql

messages: install-dev  ## compile locale/*.po into .mo (no gettext needed)
	$(BIN)/python -m storefront.web.i18n_compile

clean:  ## remove the virtualenv and collected static files (keeps var/)
	rm -rf $(VENV) staticfiles

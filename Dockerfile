FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Noto Sans CJK: the share posters' Chinese text (storefront.links.fonts).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml constraints.txt ./
COPY config ./config
COPY brands ./brands
COPY storefront ./storefront
COPY catalog_import ./catalog_import
COPY revenue ./revenue
COPY devtools ./devtools
COPY locale ./locale
COPY manage.py ./
RUN pip install --no-cache-dir -c constraints.txt . \
 && useradd --system --uid 1000 --home /app shop \
 && mkdir -p /app/var/media /app/var/imports /app/staticfiles && chown -R shop /app/var /app/staticfiles

# The local Stripe stand-in docker-compose.yml runs until real keys are set:
# the same code plus the `stand-in` extra (localstripe), which the shop image
# below never carries.
FROM base AS stripe-stand-in
RUN pip install --no-cache-dir -c constraints.txt '.[stand-in]'
USER shop
EXPOSE 8420
CMD ["python", "-m", "devtools.stripe_stand_in", "--host", "0.0.0.0", "--port", "8420"]

# The shop (the default target): web, worker and beat.
FROM base AS shop
RUN SECRET_KEY=build-only-collectstatic-key python manage.py collectstatic --noinput -v0

USER shop
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]

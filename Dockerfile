FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml constraints.txt ./
COPY config ./config
COPY brands ./brands
COPY storefront ./storefront
COPY catalog_import ./catalog_import
COPY revenue ./revenue
COPY locale ./locale
COPY manage.py ./
RUN pip install --no-cache-dir -c constraints.txt . \
 && useradd --system --uid 1000 --home /app shop \
 && mkdir -p /app/var/media /app/var/imports /app/staticfiles && chown -R shop /app/var /app/staticfiles
RUN SECRET_KEY=build-only-collectstatic-key python manage.py collectstatic --noinput -v0

USER shop
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]

"""config.settings serving the floor views too: for benchmark servers only.

A bench starts its gunicorn with DJANGO_SETTINGS_MODULE=bench.floor_settings
(bench.floor.floor_env does it), so the shop and the floor are served by the
same processes, middleware and database connections, and production's
URLconf never contains them.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"

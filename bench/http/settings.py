"""Settings of the gunicorn that bench/http_load.py measures: helpdesk.settings.production unchanged,
except that the static files are collected into a directory of the benchmark's own (STATIC_ROOT from
BENCH_HTTP_STATIC_ROOT) and that the URLs add the floor page (bench/http/urls.py: the project's URLs
and `bench-floor/`). Production's manifest storage refuses a page whose static file was never
collected; collecting into the tree's staticfiles/ would change what `make run` owns."""

import os

from helpdesk.settings.production import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_HTTP_STATIC_ROOT"]
ROOT_URLCONF = "bench.http.urls"

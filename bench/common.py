"""What every benchmark script does before it touches the database, and how it names the machine."""

import os
import sys


def setup_django(database: str) -> None:
    """Start Django (the settings come from the environment the script has set) and create the
    benchmark's own database when it does not exist yet; migrations are the script's to run."""
    import django
    import psycopg2
    from django.conf import settings

    django.setup()
    db = settings.DATABASES["default"]
    conn = psycopg2.connect(dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"])
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{database}"')
    conn.close()


def drop_database(database: str) -> None:
    """Drop the benchmark's database (its connections too), for a run from scratch."""
    import django
    import psycopg2
    from django.conf import settings

    django.setup()
    db = settings.DATABASES["default"]
    conn = psycopg2.connect(dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"])
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    conn.close()


def machine_lines() -> list[str]:
    """What an absolute figure depends on: the interpreter (its build flags, and how fast it runs
    plain Python: Debian builds with PGO and LTO without saying so in CONFIG_ARGS), the CPU and the
    load. Call it before the benchmark adds load of its own."""
    import platform
    import sysconfig
    import timeit

    config_args = sysconfig.get_config_var("CONFIG_ARGS") or ""
    cflags = sysconfig.get_config_var("PY_CFLAGS_NODIST") or ""
    pgo = "--enable-optimizations" in config_args or "-fprofile-use" in cflags
    lto = "--with-lto" in config_args or "-flto" in cflags
    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    loop_ns = min(timeit.repeat("sum(range(100))", number=20_000, repeat=5)) / 20_000 * 1e9
    try:
        with open("/proc/cpuinfo") as handle:
            cpus = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
    except OSError:
        cpus = []
    load = os.getloadavg()
    return [
        f"Python {platform.python_version()} at {sys.executable} (interpreter: {base}, {platform.python_compiler()}); "
        f"PGO: {'yes' if pgo else 'not in its flags'}, LTO: {'yes' if lto else 'not in its flags'}"
        f"{' (a Debian build: made with PGO and LTO)' if base.startswith('/usr/bin/') else ''}; "
        f"`sum(range(100))` {loop_ns:.0f} ns",
        f"CPU: {cpus[0] if cpus else platform.processor() or '?'} x {len(cpus) or os.cpu_count()}",
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    ]

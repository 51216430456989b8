"""What every benchmark script does before it touches the database."""


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

import os

import pytest

from tests.factories import CategoryFactory, CustomerFactory, TierFactory, UserFactory, make_agent


@pytest.fixture
def tiers(db):
    return [TierFactory(level=1), TierFactory(level=2), TierFactory(level=3)]


@pytest.fixture
def tier1(tiers):
    return tiers[0]


@pytest.fixture
def tier2(tiers):
    return tiers[1]


@pytest.fixture
def tier3(tiers):
    return tiers[2]


@pytest.fixture
def agent1(tier1):
    return make_agent(tier1, username="agent.first", first_name="Fiona", last_name="First")


@pytest.fixture
def agent2(tier2):
    return make_agent(tier2, username="agent.second", first_name="Sam", last_name="Second")


@pytest.fixture
def agent3(tier3):
    return make_agent(tier3, username="agent.third", first_name="Tara", last_name="Third")


@pytest.fixture
def customer(db):
    return CustomerFactory(username="alice@example.com", first_name="Alice", last_name="Anders")


@pytest.fixture
def other_customer(db):
    return CustomerFactory(username="bob@example.com", first_name="Bob", last_name="Berg")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def category(db):
    return CategoryFactory(name="Network")


@pytest.fixture
def ticket(customer, tiers, category):
    from tests.factories import make_ticket

    return make_ticket(customer, category=category)


@pytest.fixture
def login(client):
    """Log a user in on the Django test client: `login(user)`."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(scope="session", autouse=True)
def private_celery_queue():
    """Tasks enqueued by this test run go to a queue of its own (in the test Redis database), so no
    other worker eats them and nothing is left behind."""
    import redis
    from django.conf import settings

    from helpdesk.celery import app as celery_app

    queue = f"tests-{os.getpid()}"
    celery_app.conf.task_default_queue = queue
    yield queue
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(queue)


def start_celery(role, *, queue, workdir, env_extra=None, name="w1"):
    """Start a real Celery worker or beat process on the test database and this run's queue; return
    it once it is ready. Its log is `proc.log`."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.db import connection

    root = Path(__file__).resolve().parent.parent
    log = workdir / f"{role}-{name}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test",
        "DJANGO_DB_NAME": connection.settings_dict["NAME"],
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **(env_extra or {}),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if role == "worker":
        args = ["worker", "--pool=solo", "-Q", queue, "-n", f"{name}-{queue}@%h", "--without-gossip",
                "--without-mingle", "--without-heartbeat"]
        ready = " ready."
    else:
        args = ["beat", "-s", str(workdir / f"beat-{name}"), "--pidfile="]
        ready = "beat: Starting"
    proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "helpdesk", *args, "-l", "info"],
                            cwd=root, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while ready not in log.read_text():
        assert proc.poll() is None and time.time() < deadline, log.read_text()
        time.sleep(0.1)
    proc.log = log
    return proc


def stop_celery(*procs):
    for proc in procs:
        proc.terminate()  # must be gone before pytest-django drops the test database
    for proc in procs:
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def celery_worker_proc(django_db_setup, private_celery_queue, tmp_path_factory):
    """A real Celery worker process on the test database and the test Redis, consuming this run's
    private queue. Mail it sends lands as files in `worker.mail_dir`."""
    workdir = tmp_path_factory.mktemp("celery")
    mail_dir = workdir / "mail"
    mail_dir.mkdir()
    proc = start_celery("worker", queue=private_celery_queue, workdir=workdir, env_extra={
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
    })
    proc.mail_dir = mail_dir
    yield proc
    stop_celery(proc)


@pytest.fixture(autouse=True)
def title_words_refresh_at_once(monkeypatch):
    """In production a Celery task refreshes the typo-correction word list after an article is
    published; tests refresh it in place so a typo search sees what was just published."""
    from knowledgebase import services

    monkeypatch.setattr(services, "_refresh_title_words_on_commit", services.refresh_title_words)


@pytest.fixture(autouse=True)
def empty_caches():
    """Each test starts with empty caches: the rows a test wrote are rolled back after it, without
    the signals that would drop what was cached from them (reference lists, sessions, rate limits)."""
    from django.core.cache import cache

    from tickets.selectors import drop_reference_lists

    cache.clear()
    drop_reference_lists()


@pytest.fixture
def project_templates(tmp_path, settings):
    """A project that puts its own templates first on the template path, as a re-theming project does:
    `project_templates(name, text)` writes one."""
    from helpdesk import theme

    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]

    def override(name: str, text: str):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        theme.drawn_in_python.cache_clear()  # as a restart would

    yield override
    theme.drawn_in_python.cache_clear()

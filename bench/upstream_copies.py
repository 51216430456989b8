#!/usr/bin/env python
"""What each piece that mirrors upstream internals still gains, measured against the upstream code
it replaces, in the same process and run (so the machine's drift cancels out):

  1. tickets.filters.LeanFilterSet (django-filter 26.2 FilterSet + Django 5.2 BaseForm deep copies):
     building the agent queue's filter set, validating it and building its queryset (not run);
  2. helpdesk.forms.ListedChoices (Django 5.2 ModelChoiceIterator runs the queryset through a
     server-side cursor each time): drawing the category select of the ticket page.

    DJANGO_DB_NAME=<a database with `manage.py seed_demo` loaded> .venv/bin/python bench/upstream_copies.py

Prints p50/p95 in microseconds for ours and upstream's, and the ratio. A piece whose gain drops
to noise should go (issue 13): helpdesk.caching.RedisCacheClient (one redis-py client per pool
instead of Django 5.2's one per call) went so, measured at 1.09 times Django's speed per cache.get
(124-166 µs against 139-161 µs)."""

import os
import statistics
import sys
import time
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The settings `make run` uses (the Redis cache of production, not the tests' in-memory one).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.local")

import django  # noqa: E402

django.setup()

import django_filters  # noqa: E402
from django import forms  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.forms.models import ModelChoiceIterator  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.utils import translation  # noqa: E402

from tickets import filters, selectors  # noqa: E402
from tickets.forms import CategoryForm  # noqa: E402
from tickets.models import Ticket  # noqa: E402


def timed(action, n):
    for _ in range(n // 10):
        action()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times) * 1e6, times[int(len(times) * 0.95)] * 1e6


def compare(name, ours, upstream, use_ours, use_upstream, n, rounds=3):
    print(f"\n### {name}\n\n| round | ours p50 | ours p95 | upstream p50 | upstream p95 | upstream / ours (p50) |\n|---|---|---|---|---|---|")
    ratios = []
    for round_ in range(rounds):
        use_ours()
        a = timed(ours, n)
        use_upstream()
        b = timed(upstream, n)
        use_ours()
        ratios.append(b[0] / a[0])
        print(f"| {round_ + 1} | {a[0]:.0f} µs | {a[1]:.0f} µs | {b[0]:.0f} µs | {b[1]:.0f} µs | {b[0] / a[0]:.2f} |")
    print(f"\nmedian ratio {statistics.median(ratios):.2f}")


def main():
    translation.activate("de")
    user = get_user_model().objects.filter(tier_memberships__isnull=False).first()
    ticket = Ticket.objects.first()
    if user is None or ticket is None:
        sys.exit("load the demo data first: manage.py seed_demo")
    params = QueryDict("status=all_open&tier=mine&ordering=-updated")

    def queue():
        f = selectors.agent_queue(user=user, params=params)
        str(f.qs.query)

    lean_form_class, lean_filters = filters.LeanFilterSet.get_form_class, filters.TicketFilter.base_filters

    def lean():
        filters.TicketFilter.base_filters = lean_filters
        filters.LeanFilterSet.get_form_class = lean_form_class

    def plain():
        filters.TicketFilter.base_filters = OrderedDict(lean_filters)  # deep-copied per filter set, as upstream
        filters.LeanFilterSet.get_form_class = django_filters.FilterSet.get_form_class

    compare("LeanFilterSet: the agent queue's filter set (build, validate, queryset)", queue, queue, lean, plain, 2000)

    def category_select():
        str(CategoryForm(initial={"category": ticket.category_id})["category"])

    field = CategoryForm.base_fields["category"]
    listed = type(field).iterator

    def listed_choices():
        type(field).iterator = listed

    def django_choices():
        type(field).iterator = ModelChoiceIterator

    compare("ListedChoices: the ticket page's category select", category_select, category_select,
            listed_choices, django_choices, 2000)
    print(f"\nPostgreSQL {connection.pg_version}, Python {sys.version.split()[0]}, load {os.getloadavg()}")


if __name__ == "__main__":
    main()

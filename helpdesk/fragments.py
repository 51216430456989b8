"""Every cached piece of HTML, through one helper, each declaring what it is drawn from.

A fragment is kept in each process's memory (the `template_fragments` cache) under a key built from
all of its inputs, so nothing ever has to be dropped across processes: when an input changes, the
key changes and the old entry simply ages out. The danger of such a cache is an input left out of
the key (a renamed agent shown under the old name for an hour); so every fragment names its inputs
once, here, and its key cannot be built without a value for each (tests/test_fragments.py changes
each input in turn and expects new HTML).

Inputs that stand for many things at once:
- `lists`: `tickets.selectors.reference_lists().version`, which changes when any tier, category,
  membership or user (a name) changes;
- `language`: the reader's language;
- `changed`: a ticket's `updated_at`, which every timeline event moves.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import caches
from django.utils.safestring import SafeString, mark_safe

store = caches["template_fragments"]


class Fragment:
    def __init__(self, name: str, inputs: tuple[str, ...], *, timeout: int = 3600):
        self.name, self.inputs, self.timeout = name, inputs, timeout

    def key(self, **values) -> str:
        missing, unknown = set(self.inputs) - set(values), set(values) - set(self.inputs)
        if missing or unknown:
            raise TypeError(f"fragment {self.name}: missing {sorted(missing)}, unknown {sorted(unknown)}")
        return ":".join([self.name, *(f"{values[name]}" for name in self.inputs)])

    def html(self, draw: Callable[[], str], **values) -> SafeString:
        """The fragment for these inputs: from the cache, or drawn now (and kept)."""
        key = self.key(**values)
        html = store.get(key)
        if html is None:
            html = str(draw())
            store.set(key, html, timeout=self.timeout)
        return mark_safe(html)

    def lazy(self, draw: Callable[[], str], **values) -> LazyFragment:
        """The same, drawn (or read) only when a template prints it."""
        return LazyFragment(self, draw, values)


class LazyFragment:
    def __init__(self, fragment: Fragment, draw, values):
        self.fragment, self.draw, self.values = fragment, draw, values

    def __html__(self) -> str:
        return self.fragment.html(self.draw, **self.values)

    __str__ = __html__


# A ticket's timeline as agents see it, and as its customer sees it (their own messages are "yours").
AGENT_TIMELINE = Fragment("agent-timeline", ("ticket", "changed", "language", "lists"))
CUSTOMER_TIMELINE = Fragment("customer-timeline", ("ticket", "changed", "language", "lists", "reader"))
# The queue's filter form: drawn from the query, the page size, the language and the option lists.
QUEUE_FILTER = Fragment("queue-filter", ("query", "page_size", "language", "lists"), timeout=600)
# A blank action form of the ticket page: its options, and the ticket's fields that set the choices
# offered (status) and the ones preselected.
TICKET_ACTION_FORM = Fragment("ticket-action-form", (
    "action", "language", "lists", "status", "priority", "category", "tier", "assignee"))

ALL = (AGENT_TIMELINE, CUSTOMER_TIMELINE, QUEUE_FILTER, TICKET_ACTION_FORM)

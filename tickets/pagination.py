from functools import cached_property

from django.core.paginator import Paginator


class CappedCountPaginator(Paginator):
    """Counts at most `cap` rows. Counting every match of a broad filter over millions of tickets
    costs more than the page itself; past the cap the count is shown as "more than …" and the
    pages end there (filters narrow a queue better than page 400 does)."""

    cap = 1_000

    @cached_property
    def _counted(self):
        # SELECT COUNT(*) FROM (SELECT ... LIMIT cap + 1): stops early, uses the same index as the page.
        if isinstance(self.object_list, (list, tuple)):
            return len(self.object_list[: self.cap + 1])
        # Only the matching ids are counted: no joins, no sorting, an index-only scan where possible.
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self._counted, self.cap)

    @property
    def count_is_exact(self):
        return self._counted <= self.cap

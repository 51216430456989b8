from functools import cached_property

from django.core.paginator import Paginator


class CappedCountPaginator(Paginator):
    """Counts at most `cap` rows. Counting every match of a broad filter over millions of tickets
    costs more than the page itself; past the cap the count is shown as "more than …" and the
    pages end there (filters narrow a queue better than page 4,000 does)."""

    cap = 10_000

    @cached_property
    def _counted(self):
        # SELECT COUNT(*) FROM (SELECT ... LIMIT cap + 1): stops early, uses the same index as the page.
        head = self.object_list[: self.cap + 1]
        return len(head) if isinstance(head, (list, tuple)) else head.count()

    @cached_property
    def count(self):
        return min(self._counted, self.cap)

    @property
    def count_is_exact(self):
        return self._counted <= self.cap

"""Paging for every list: a paginator that stops counting at a cap, and the page-size rules."""

from functools import cached_property

from django.core.paginator import Paginator

PAGE_SIZES = (10, 25, 50, 100)


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


def page_size(request, default_size=25):
    """The page size the request asks for (`?size=`), one of PAGE_SIZES, else the default."""
    try:
        size = int(request.GET.get("size", default_size))
    except ValueError:
        size = default_size
    return size if size in PAGE_SIZES else default_size


def paginate(request, queryset, default_size=25):
    """The page the request asks for (`?page=`, `?size=` out of PAGE_SIZES), counted up to the cap."""
    paginator = CappedCountPaginator(queryset, page_size(request, default_size))
    return paginator.get_page(request.GET.get("page"))


def query_without(request, *params):
    """The request's query string without these parameters: what a pager's links keep (filters,
    size, the page of another list on the same page)."""
    query = request.GET.copy()
    for param in params:
        query.pop(param, None)
    return query.urlencode()

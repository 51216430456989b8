from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from helpdesk.web.pagination import CappedCountPaginator


class PagePagination(PageNumberPagination):
    """Page numbers with a capped count: `count` is exact up to 1,000 matches; beyond that
    `count_is_exact` is false and `count` says "at least 1,000"."""

    django_paginator_class = CappedCountPaginator
    page_size_query_param = "size"
    max_page_size = 100

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response({
            "count": paginator.count,
            "count_is_exact": paginator.count_is_exact,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_is_exact"] = {
            "type": "boolean", "example": True,
            "description": "False when there are more matches than were counted (count is then a lower bound).",
        }
        response["required"] = [*response.get("required", []), "count_is_exact"]
        return response

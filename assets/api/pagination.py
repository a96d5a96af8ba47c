from rest_framework.pagination import CursorPagination


class AssetCursorPagination(CursorPagination):
    """Keyset pagination: no COUNT(*) and no OFFSET, so page 2,000 costs what page 1 does."""

    ordering = ("-created_at", "id")
    page_size_query_param = "page_size"
    max_page_size = 500

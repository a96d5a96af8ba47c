from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination

INVALID_CURSOR = "the cursor is malformed: use a `next` or `previous` link exactly as a page gave it"


def _is_moment(text: str) -> bool:
    """Whether ``text`` is a moment with a time zone, as a page writes ``created_at`` into its links."""
    try:
        moment = parse_datetime(text)
        return moment is not None and moment.tzinfo is not None and moment.utcoffset() is not None
    except ValueError:
        return False


class AssetCursorPagination(CursorPagination):
    """Keyset pagination: no COUNT(*) and no OFFSET, so page 2,000 costs what page 1 does."""

    ordering = ("-created_at", "id")
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        # A page size that is not a number in range is an error, not silently the default.
        if not value.isdigit() or not 1 <= int(value) <= self.max_page_size:
            raise ValidationError({"page_size": f"must be a whole number from 1 to {self.max_page_size}"})
        return int(value)

    def decode_cursor(self, request) -> Cursor | None:
        """The cursor of the request, every value checked before it reaches the database: its
        position is a moment (the first ordering column, ``created_at``). A cursor that is not
        one this API gave is a 400, as the feed answers one."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"error": INVALID_CURSOR, "parameter": self.cursor_query_param}) from None
        if cursor is not None and cursor.position is not None:
            if not _is_moment(cursor.position):
                raise ValidationError({"error": INVALID_CURSOR, "parameter": self.cursor_query_param})
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters

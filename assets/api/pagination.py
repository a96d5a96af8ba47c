from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


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

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters

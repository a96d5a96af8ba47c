"""Inlines that show records nobody edits by hand (versions, audit trails, failures)."""

from django.contrib import admin


class ReadOnlyTabularInline(admin.TabularInline):
    """Every listed field read-only; no rows added, changed or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

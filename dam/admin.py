"""Admin pages that belong to no app of dam: the periodic-task models of django-celery-beat are
an operator's business, so only superusers see them (librarians never meet Crontabs or Solar
events, whatever permissions a group hands out)."""

from django.contrib import admin

PERIODIC_TASK_APP = "django_celery_beat"


def _superusers_only(model_admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    def superuser(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    return type(
        model_admin_class.__name__,
        (model_admin_class,),
        {
            "has_module_permission": lambda self, request: superuser(self, request),
            "has_view_permission": superuser,
            "has_add_permission": lambda self, request, *args: superuser(self, request),
            "has_change_permission": superuser,
            "has_delete_permission": superuser,
        },
    )


def periodic_tasks_hide_from_staff(site: admin.AdminSite = admin.site) -> None:
    """Re-register django-celery-beat's models with admins that answer only superusers."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label == PERIODIC_TASK_APP:
            site.unregister(model)
            site.register(model, _superusers_only(type(model_admin)))


periodic_tasks_hide_from_staff()

from django.apps import AppConfig


class EmbeddingsConfig(AppConfig):
    """Model registry, encoders and vector search. Depends on ``assets``, never the reverse."""

    name = "embeddings"

    def ready(self) -> None:
        from django.core.checks import Tags, register
        from django.db.models.signals import post_migrate

        from assets.jsonld import document_include_register
        from embeddings import checks, receivers  # noqa: F401  (importing receivers connects them)
        from embeddings.moments import moments_include

        register(checks.pgvector_check, "dam", Tags.database)
        register(checks.model_weights_check, "dam", Tags.database)
        post_migrate.connect(schedule_install, sender=self)
        document_include_register("moments", moments_include)


def schedule_install(**kwargs) -> None:
    """The daily deprecation check, in Celery beat's database schedule (kept if already there;
    its time can be changed in the admin)."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="17", hour="3", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.get_or_create(
        name="dam: model deprecation check",
        defaults={"task": "embeddings.tasks.deprecation_check_task", "crontab": daily},
    )

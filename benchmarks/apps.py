from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """The benchmark commands (``python manage.py benchmark_*``) and what they share.

    A tool app: it may import every other app and the project, and no app imports it.
    """

    name = "benchmarks"
    verbose_name = "Benchmarks"

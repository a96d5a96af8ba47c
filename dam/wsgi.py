import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dam.settings")
application = get_wsgi_application()


def _models_preload() -> None:
    """Each web process loads its embedding models before it serves, so the first search answers
    as fast as the next (``DAM_PRELOAD_MODELS``)."""
    from django.conf import settings
    from django.db import connections

    if settings.DAM_PRELOAD_MODELS:
        from embeddings.preload import models_preload

        models_preload()
        connections.close_all()  # opened here, before the server's threads or forks use their own


_models_preload()

"""WSGI entry for production servers (``gunicorn veerkracht.web.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veerkracht.web.conf.production")

application = get_wsgi_application()

"""The Veerkracht web application (Django project ``veerkracht.web``).

Run it with ``veerkracht serve`` or manage it with ``python -m veerkracht.web
COMMAND`` (the ``manage.py`` of this project). Settings live in
``veerkracht.web.conf`` (``base``, ``dev``, ``ci``, ``production``).
"""

DEFAULT_SETTINGS = "veerkracht.web.conf.dev"

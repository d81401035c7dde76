"""The WSGI application, for a WSGI server other than `riskpool serve` (e.g. ``gunicorn riskpool.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskpool.settings")
application = get_wsgi_application()

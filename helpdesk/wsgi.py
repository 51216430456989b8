import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.local")
application = get_wsgi_application()

# What start-up made (settings, URL patterns, models, translations) lives as long as the process:
# keep it out of the garbage collector's full passes, which otherwise walk all of it again and
# again and hold up a request each time (the long tail of the latencies).
gc.freeze()

"""The production settings with bench/floor_urls.py's pages added, for bench/floor.py only:
gunicorn is started with DJANGO_SETTINGS_MODULE=floor_settings and bench/ on the path. Nothing
else imports this module, so the pages it adds are never served by the app itself."""

from config.settings import *  # noqa: F403 - every production setting, unchanged

ROOT_URLCONF = "floor_urls"

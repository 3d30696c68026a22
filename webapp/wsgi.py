"""WSGI entry point for any server: gunicorn 'webapp.wsgi:app'."""

from . import create_app

app = create_app()

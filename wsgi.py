"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from referral.app import create_app

app = create_app()

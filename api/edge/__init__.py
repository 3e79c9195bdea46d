"""Edge protection: ASGI middleware that refuses requests before they cost anything.

Body size (413), admin networks (403) and rate limits (429); each module has one
``install_*(app, settings)`` that ``api.app.create_app`` calls.
"""

"""The benchmark of `make bench`: a tenant of many contacts, served by gunicorn and
measured page by page, side by side with Django's admin when the peer is configured."""

"""The web kit every app's pages use: role decorators, running a service for a form, paging.

Domain apps import from here; nothing here knows a domain rule beyond "who is an agent", which it
asks `tickets.roles`.
"""

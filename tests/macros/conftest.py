import pytest

from macros import services


@pytest.fixture
def make_macro():
    """`make_macro(actor, title=..., body=..., **changes)`: a text module written through the service."""

    def _make(actor, title="Printer restart", body="Hello {customer_first_name}, please restart the printer.", **fields):
        fields.setdefault("title_en", title)
        fields.setdefault("body_en", body)
        return services.macro_create(actor=actor, **fields)

    return _make

"""Small page helpers shared by the browser tests."""

from playwright.sync_api import Page


def flash(page: Page):
    """The success/info messages shown at the top of the page after an action."""
    return page.locator("main > .alert")


def timeline_items(page: Page, kind: str | None = None):
    """The entries of the ticket's timeline, all of them or those of one kind (reply, note, tier...)."""
    selector = "li.timeline-item" if kind is None else f'li.timeline-item[data-kind="{kind}"]'
    return page.get_by_test_id("timeline").locator(selector)


def text_file(name: str, content: str, mime_type: str = "text/plain") -> dict:
    """An in-memory file for `set_input_files`."""
    return {"name": name, "mimeType": mime_type, "buffer": content.encode()}

"""Icons are vendored SVG drawn inline, never emoji (which show as empty boxes without an emoji font)
and never fetched from elsewhere."""

import re
from pathlib import Path

from helpdesk.icons import ICON_DIR, icon

ROOT = Path(__file__).resolve().parent.parent
# Pictographs and dingbats that need an emoji or symbol font.
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u21BA-\u21BB\uFE0F]")


def test_icons_are_inline_svg_hidden_from_screen_readers():
    svg = str(icon("paperclip"))
    assert svg.startswith('<svg aria-hidden="true" focusable="false" ')
    assert 'class="bi bi-paperclip icon"' in svg and 'fill="currentColor"' in svg and "\n" not in svg


def test_the_icon_set_ships_with_its_licence():
    assert "MIT License" in (ICON_DIR / "LICENSE").read_text()
    assert sorted(p.name for p in ICON_DIR.glob("*.svg")) == ["alarm.svg", "paperclip.svg"]


def test_no_emoji_in_our_templates_and_code():
    found = []
    for folder in ("helpdesk", "tickets", "escalation", "knowledgebase", "mailchannel", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in {".py", ".html", ".txt", ".js", ".css"} or "vendor" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if EMOJI.search(line) and "EMOJI" not in line:
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


def test_an_attachment_shows_the_paperclip_icon(client, agent1, customer, tiers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import make_ticket

    ticket = make_ticket(customer, attachments=[SimpleUploadedFile("log.txt", b"boom", content_type="text/plain")])
    client.force_login(agent1)
    page = client.get(f"/agent/tickets/{ticket.reference}/").content.decode()
    assert 'class="bi bi-paperclip icon"' in page and "📎" not in page

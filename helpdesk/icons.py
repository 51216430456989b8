"""Icons from the vendored Bootstrap Icons (helpdesk/static/vendor/bootstrap-icons/, MIT), drawn inline:
they take the text's colour and size, cost no request, and need no emoji font on the reader's machine
(an emoji paperclip shows as an empty box where none is installed)."""

import re
from functools import cache
from pathlib import Path

from django.utils.safestring import SafeString, mark_safe

ICON_DIR = Path(__file__).resolve().parent / "static" / "vendor" / "bootstrap-icons"


@cache
def icon(name: str) -> SafeString:
    """The icon `name` (a file of ICON_DIR without `.svg`) as inline SVG, hidden from screen readers:
    the text beside it says what it means."""
    svg = (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8").strip()
    svg = re.sub(r'\s*\n\s*', "", svg)
    svg = svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
    svg = re.sub(r'class="bi bi-([\w-]+)"', r'class="bi bi-\1 icon"', svg, count=1)
    return mark_safe(svg)

"""What an attachment is, read from its bytes, and how it is handed out.

The content type a browser, an API client or a mail program declares is whatever the sender says:
a page that calls itself image/png, a script named report.txt. The helpdesk stores the type that
libmagic (python-magic, Debian's libmagic1) reads from the file's first bytes, the same for the portal,
the agent pages, the API and mail, since all of them store attachments through tickets.services.

Every download is a download (Content-Disposition: attachment) with X-Content-Type-Options: nosniff
and a sandboxing Content-Security-Policy. What a browser would run when it opened the file itself
(HTML, SVG, XML, JavaScript) goes out as application/octet-stream, so that not even a browser
that ignores the disposition, or a page that embeds the address, gets it to render.
"""

import magic
from django.http import FileResponse

# libmagic needs the first bytes only; office files name their parts within the first kilobytes.
SNIFF_BYTES = 64 * 1024
UNKNOWN = "application/octet-stream"
ACTIVE_TYPES = {
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/xsl",
    "application/xslt+xml", "text/javascript", "application/javascript", "application/x-javascript",
    "application/ecmascript", "text/ecmascript", "application/x-shockwave-flash", "text/vnd.wap.wml",
    "application/rss+xml", "application/atom+xml", "application/mathml+xml", "text/x-component",
}


def content_type_of(upload) -> str:
    """The content type of an uploaded file (a Django File) by its bytes; the file is read from
    its start and left there."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if isinstance(head, str):
        head = head.encode()
    if not head:
        return UNKNOWN
    found = magic.from_buffer(head, mime=True) or UNKNOWN
    return UNKNOWN if found.startswith("inode/") or found == "application/x-empty" else found[:120]


def is_active(content_type: str) -> bool:
    """A type a browser would render or run: markup (HTML, SVG, any XML) and scripts."""
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind in ACTIVE_TYPES or kind.endswith("+xml") or "html" in kind or "script" in kind


def download_response(attachment) -> FileResponse:
    """The attachment as a file to save, never as a page: see the module's docstring."""
    content_type = attachment.content_type or UNKNOWN
    if is_active(content_type):
        content_type = UNKNOWN
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # Set here, so the site's policy (CSPMiddleware sets it only where none is) does not replace it.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

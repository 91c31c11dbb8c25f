"""QR codes drawn on the server, as inline SVG: no script, no image request, no style attribute
(the Content-Security-Policy refuses inline styles); the stylesheet sizes them by their viewBox.
"""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_code_svg(data: str, *, title: str, css_class: str = "qr-code") -> SafeString:
    """``data`` as an inline SVG QR code (error correction "M"), titled ``title`` for screen
    readers. Markup of segno's own making: ``data`` is only in the modules' pattern, never in
    text; segno escapes the title."""
    svg = segno.make(data, error="m").svg_inline(
        scale=1,
        border=4,
        omitsize=True,
        svgclass=css_class,
        lineclass=None,
        dark="#000",
        title=title,
    )
    return mark_safe(svg)  # noqa: S308

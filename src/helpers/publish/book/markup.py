"""Text from the data, made safe for the book's MyST pages and their raw HTML blocks."""

from __future__ import annotations

import html
import re

PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def md(text: object) -> str:
    """``text`` as literal MyST Markdown: every ASCII punctuation character backslash-escaped
    (CommonMark allows it for all of them) and line breaks turned into spaces, so that nothing
    in a name, a description or a value is read as markup."""
    return PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def attr(text: object) -> str:
    """``text`` escaped for an HTML attribute or element."""
    return html.escape(str(text), quote=True)


def raw_html(block: str) -> str:
    """A raw HTML block for a MyST page: with no blank line inside (a blank line would end the
    block and turn the rest into Markdown), and a blank line after."""
    lines = [line for line in block.splitlines() if line.strip()]
    return "\n".join(lines) + "\n\n"

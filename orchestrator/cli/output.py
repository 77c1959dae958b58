"""How the CLI prints: untrusted text exactly as written, styles only where rangectl sets them.

Much of what the commands show was written by someone else: team names, user
names (sshd logs whatever a client sends), check details (whatever a service
answered), inject names and steps from a scenario, and error messages that
quote any of these or a flag's value. Rich reads `[...]` in a string as markup
(`--teams '[/x]'` crashed the CLI with a traceback, `[bold]x` printed `x`),
`:name:` as an emoji, and colours numbers it guesses at. So every console here
has markup, emoji and highlighting off; rangectl's own styles are given as
`Text` parts (`line`), never as markup in a string; table cells are `Text`
(`cells`); and control characters are escaped, so a quoted terminal escape or
newline cannot rewrite the controller's screen or forge a line.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from orchestrator.errors import one_line

Part = str | Text | tuple[str, str]  # plain text, a Text, or (text, rich style)


def console(stderr: bool = False, width: int | None = None, soft_wrap: bool = False) -> Console:
    """A console that prints strings as they are: no markup, no emoji codes, no highlighting."""
    return Console(stderr=stderr, width=width, soft_wrap=soft_wrap, markup=False, emoji=False,
                   highlight=False)


def printable(text: str) -> str:
    """`text` with control characters escaped, except the newlines between its lines."""
    return "\n".join(one_line(part) for part in text.split("\n"))


def line(*parts: Part) -> Text:
    """One message from parts: each shown exactly as written, with its style if given."""
    text = Text()
    for part in parts:
        if isinstance(part, Text):
            text.append_text(part)
        elif isinstance(part, tuple):
            text.append(printable(part[0]), style=part[1])
        else:
            text.append(printable(part))
    return text


def cell(value: object, style: str = "") -> Text:
    """A table cell: one line, exactly as written."""
    return Text(one_line(str(value)), style=style)


def cells(*values: object) -> list[Text]:
    return [cell(value) for value in values]

"""Files of commands: what ``zmqrepl FILE`` and ``source FILE`` read, by one rule.

    >>> script_commands("socket a pub\\n# a comment\\nsend a 'two\\nlines'; version")
    [(1, 'socket a pub'), (3, "send a 'two\\nlines'"), (4, ' version')]

- at most MAX_SCRIPT bytes, a regular file, UTF-8 (read through ``files.read_bounded``);
- lines end at ``\\n`` or ``\\r\\n`` only: U+2028, \\x0c and the other characters
  ``str.splitlines`` breaks on are plain text, so a quoted frame may hold them;
- each line at most MAX_SCRIPT_LINE bytes (bytes, as for stdin, where the cap is
  checked before the line is decoded);
- commands split on ``;`` and newlines outside quotes, so a quote may span lines;
  each command comes with the line it starts on, for "FILE line N: ..." errors.
"""

from __future__ import annotations

from .errors import CommandError
from .files import human_size, read_bounded
from .tokens import split_commands
from .utf8 import decode_utf8

__all__ = ["LINE_HINT", "MAX_SCRIPT", "MAX_SCRIPT_LINE", "long_line_error", "read_script", "script_commands"]

MAX_SCRIPT = 4 * 1024 * 1024  # a script is commands typed ahead, not data
MAX_SCRIPT_LINE = 1024 * 1024  # bytes; a longer frame belongs in an @file
LINE_HINT = "split it into shorter commands; send big frames with @path"


def long_line_error(where: str, number: int) -> CommandError:
    return CommandError(f"{where} line {number} is longer than {human_size(MAX_SCRIPT_LINE)}", LINE_HINT)


def _check_lines(data: bytes, where: str) -> None:
    start, number = 0, 1
    while True:
        end = data.find(b"\n", start)
        stop = len(data) if end < 0 else end
        if stop > start and data[stop - 1] == 0x0D:  # "\r\n" ends a line as "\n" does
            stop -= 1
        if stop - start > MAX_SCRIPT_LINE:
            raise long_line_error(where, number)
        if end < 0:
            return
        start, number = end + 1, number + 1


def script_commands(text: str) -> list[tuple[int, str]]:
    """(line, command) for every command of ``text``, in order."""
    text = text.replace("\r\n", "\n")
    out: list[tuple[int, str]] = []
    pos = counted = 0
    line = 1
    for command in split_commands(text):
        # Each command is a piece of the text, after the previous one; between them lie
        # only separators, blank pieces and comments. A comment may hold the command's
        # words, so a match after a "#" is not trusted: skip the comment and look again,
        # from its end only if the match was inside it (so the scans stay linear).
        found = text.find(command, pos)
        while found >= 0:
            comment = text.find("#", pos, found)
            if comment < 0:
                break
            end = text.find("\n", comment)
            pos = len(text) if end < 0 else end
            if found < pos:
                found = text.find(command, pos)
        if found < 0:  # cannot happen (each command is a piece of the text); never loop
            found = pos
        line += text.count("\n", counted, found)
        counted, pos = found, found + len(command)
        out.append((line, command))
    return out


def read_script(path: str, what: str, hint: str) -> list[tuple[int, str]]:
    """(line, command) for every command of script file ``path``; CommandError, before
    anything runs, for a file too big, a line too long or bytes that are not UTF-8.
    ``what`` names the file in messages ("source file x.zmq"), ``hint`` helps if unreadable."""
    data = read_bounded(path, MAX_SCRIPT, what, f"the {human_size(MAX_SCRIPT)} limit for scripts", hint)
    _check_lines(data, path)
    return script_commands(decode_utf8(data, path, "save the script as UTF-8"))

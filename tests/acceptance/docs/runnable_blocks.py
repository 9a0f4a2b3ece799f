"""Find the shell blocks of the documentation marked as runnable (pure: text in, blocks out).

The convention (also in docs/dev/runnable-docs.md): an HTML comment on the line right
before a fenced ``sh``, ``bash``, ``shell`` or ``console`` block marks it as runnable::

    <!-- runnable -->
    ```sh
    twiliokit sms send +14155552671 "hi"
    ```

    <!-- runnable: exit 1 -->
    ```console
    $ twiliokit sms send +15005550001 "hi"
    error: ...
    ```

The comment is invisible on GitHub and in rendered Markdown. ``<!-- runnable: serve -->``
runs the block while `twiliokit serve` runs (its default address ``127.0.0.1:8080`` is where
the block finds it).

- ``sh``/``bash``/``shell`` blocks run as written, as one script that stops at the first
  failing command (``set -e``); it must exit 0, or N when the marker says ``exit N``.
- In ``console`` blocks the commands are the lines starting with ``$ `` (and the lines a
  trailing backslash continues); every other line is output shown to the reader and is not
  run. Each command must exit 0, except one followed by ``$ echo $?`` and its output line N,
  which must exit N (the ``echo $?`` itself is not run), and the last one, which must exit N
  when the marker says ``exit N``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"^\s*<!--\s*runnable(?:\s*:\s*(?P<options>.*?))?\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<info>[\w-]*)\s*$")
SHELLS = frozenset({"sh", "bash", "shell", "console"})
EXIT = re.compile(r"^exit\s+(?P<status>\d+)$")
SERVE = "serve"


class MarkerError(ValueError):
    """A runnable marker that marks nothing runnable."""


@dataclass(frozen=True)
class Command:
    """A command of a block and the status it must exit with."""

    text: str
    exit_status: int = 0


@dataclass(frozen=True)
class Block:
    """One runnable block: where it is and its commands (one, the whole script, for sh)."""

    path: str
    line: int
    commands: tuple[Command, ...]
    stop_on_error: bool
    serve: bool = False

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"

    def script(self) -> str:
        """A bash script that runs the commands in order and exits 0 when each exited as
        expected, else 99 after saying which did not (on stderr)."""
        parts = ["set -o pipefail"]
        for command in self.commands:
            run = f"(\nset -e\n{command.text}\n)" if self.stop_on_error else command.text
            first = command.text.splitlines()[0] if command.text else ""
            parts += [
                run,
                "__status=$?",
                f'if [ "$__status" -ne {command.exit_status} ]; then',
                f"  echo {shlex.quote(f'runnable block: {first!r}')} "
                f'"exited $__status, expected {command.exit_status}" >&2',
                "  exit 99",
                "fi",
            ]
        return "\n".join(parts) + "\n"


def _options(text: str | None, where: str) -> tuple[int | None, bool]:
    """The expected exit status the marker states (if any), and whether the block needs
    `twiliokit serve` running."""
    status = None
    serve = False
    for option in filter(None, (part.strip() for part in (text or "").split(","))):
        found = EXIT.match(option)
        if found is not None:
            status = int(found.group("status"))
        elif option == SERVE:
            serve = True
        else:
            raise MarkerError(
                f"{where}: unknown runnable option {option!r}; write 'exit N', 'serve' or both "
                "(comma-separated)"
            )
    return status, serve


def _console_commands(lines: list[str], last_status: int | None) -> list[Command]:
    """The ``$ `` lines of a console block, with the lines their backslashes continue, and
    the status each must exit with."""
    texts: list[list[str]] = []
    statuses: list[int] = []
    continued = False
    shown_status = False  # the previous command was `echo $?`: its output is a status
    for line in lines:
        if continued:
            texts[-1].append(line)
        elif line.strip() == "$ echo $?":
            shown_status = True
            continue
        elif line.startswith("$ "):
            texts.append([line[2:]])
            statuses.append(0)
        elif shown_status and line.strip().isdigit() and statuses:
            statuses[-1] = int(line.strip())
        shown_status = False
        continued = line.rstrip().endswith("\\") and bool(texts)
    if last_status is not None and statuses:
        statuses[-1] = last_status
    return [Command("\n".join(t), s) for t, s in zip(texts, statuses, strict=True)]


def runnable_blocks(text: str, path: str) -> list[Block]:
    """Every marked block of one Markdown document."""
    lines = text.splitlines()
    blocks = []
    for number, line in enumerate(lines, start=1):
        marker = MARKER.match(line)
        if marker is None:
            continue
        where = f"{path}:{number}"
        fence = FENCE.match(lines[number]) if number < len(lines) else None
        if fence is None or fence.group("info") not in SHELLS:
            raise MarkerError(
                f"{where}: a runnable marker must be right before a ```sh, ```bash, ```shell "
                "or ```console block"
            )
        indent = fence.group("indent")
        body: list[str] = []
        for inner in lines[number + 1 :]:
            if inner.strip() == "```":
                break
            body.append(inner.removeprefix(indent))
        else:
            raise MarkerError(f"{where}: the block is never closed")
        status, serve = _options(marker.group("options"), where)
        console = fence.group("info") == "console"
        if console:
            commands = _console_commands(body, status)
        else:
            commands = [Command("\n".join(body), status or 0)]
        blocks.append(
            Block(path, number + 1, tuple(commands), stop_on_error=not console, serve=serve)
        )
    return blocks


def documentation_blocks(root: Path) -> list[Block]:
    """The marked blocks of README.md, docs/*.md and examples/README.md under ``root``."""
    documents = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    documents += [root / "examples" / "README.md"]
    blocks: list[Block] = []
    for document in documents:
        if document.exists():
            text = document.read_text(encoding="utf-8")
            blocks += runnable_blocks(text, document.relative_to(root).as_posix())
    return blocks

"""`twiliokit completion SHELL`: print the shell completion script for bash, zsh or fish.

The root command also has typer's ``--install-completion`` and ``--show-completion``, which
detect the running shell; this command names the shell, so that a script or a package can
write the file itself (see docs/cli.md).
"""

from __future__ import annotations

from typing import Annotated

import typer

from twiliokit.cli import output
from twiliokit.cli.completions import choices
from twiliokit.errors import ValidationError

__all__ = ["SHELLS", "completion_command", "completion_script"]

#: The shells a script is printed for.
SHELLS = ("bash", "zsh", "fish")
#: The program the scripts complete, and the variable through which the shell asks it.
PROG_NAME = "twiliokit"
COMPLETE_VAR = "_TWILIOKIT_COMPLETE"


def completion_script(shell: str) -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`)."""
    if shell not in SHELLS:
        raise ValidationError(
            f"there is no completion script for {shell!r}",
            field="shell",
            hint=f"Use one of: {', '.join(SHELLS)}.",
        )
    # typer writes these scripts for --show-completion and has no public function that takes
    # the shell by name; the script calls back into twiliokit, which typer answers.
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=shell)


def completion_command(
    shell: Annotated[
        str,
        typer.Argument(metavar="SHELL", help="bash, zsh or fish.", autocompletion=choices(*SHELLS)),
    ],
) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish)."""
    with output.errors_handled(as_json=False):
        typer.echo(completion_script(shell))

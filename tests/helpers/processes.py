"""Long-running twiliokit commands (`serve`, `emulator`) as subprocesses: start one, read what
it prints until it says it is ready, stop it as Ctrl-C would, and keep everything it wrote."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

#: The installed console script.
TWILIOKIT = str(Path(sys.executable).with_name("twiliokit"))


@dataclass
class Printed:
    """What a command printed: ``stdout`` lines so far (all of them once it has stopped),
    and ``stderr`` once it has stopped."""

    stdout: list[str] = field(default_factory=list)
    stderr: str = ""
    returncode: int | None = None

    @property
    def everything(self) -> str:
        return "\n".join(self.stdout) + "\n" + self.stderr


@contextlib.contextmanager
def running(
    *args: str, env: dict[str, str], ready: str, timeout: float = 60
) -> Iterator[tuple[subprocess.Popen[str], Printed]]:
    """Run `twiliokit ARGS`; yield once a stdout line starts with ``ready``; on leaving, stop
    it with SIGINT (killed if it hangs) and fill in the rest of what it printed."""
    process = subprocess.Popen(
        [TWILIOKIT, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    errors: list[str] = []

    def pump_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    def pump_stderr() -> None:
        assert process.stderr is not None
        errors.append(process.stderr.read())

    readers = [
        threading.Thread(target=pump_stdout, daemon=True),
        threading.Thread(target=pump_stderr, daemon=True),
    ]
    for reader in readers:
        reader.start()
    printed = Printed()
    finished = False

    def finish() -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for reader in readers:
            reader.join(timeout=10)
        while (line := lines.get_nowait() if not lines.empty() else None) is not None:
            printed.stdout.append(line)
        printed.stderr = "".join(errors)
        printed.returncode = process.returncode
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    try:
        while True:
            line = lines.get(timeout=timeout)
            if line is None:
                finish()
                finished = True
                raise AssertionError(f"twiliokit {args[0]} exited early:\n{printed.everything}")
            printed.stdout.append(line)
            if line.startswith(ready):
                break
        yield process, printed
    finally:
        if not finished:
            finish()


def run(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `twiliokit ARGS` to completion."""
    return subprocess.run(
        [TWILIOKIT, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def run_clean(
    home: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    stdin_from: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `twiliokit ARGS` to completion as a new user would, in ``home``: nothing of the
    developer's environment but PATH (no credentials, config or ledger of theirs), plus
    ``env``; standard input is ``input``, else the bytes of the file ``stdin_from``, else
    none."""
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "COLUMNS": "200",
        **(env or {}),
    }
    with contextlib.ExitStack() as stack:
        stdin: IO[bytes] | int | None = None if input is not None else subprocess.DEVNULL
        if stdin_from is not None:
            stdin = stack.enter_context(stdin_from.open("rb"))
        return subprocess.run(
            [TWILIOKIT, *args],
            capture_output=True,
            text=True,
            env=environ,
            cwd=home,
            input=input,
            stdin=stdin,
            check=False,
            timeout=120,
        )

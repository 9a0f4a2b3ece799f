"""The built distribution, as a user installs it: `make dist`'s wheel in a fresh virtual
environment runs `twiliokit --version`, serves the emulator and answers as an MCP server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

import twiliokit

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

#: What not to share from the test environment: twiliokit itself (the editable install of
#: this tree) and the installers the fresh environment has of its own.
NOT_SHARED = re.compile(r"^(_?_?editable|_?twiliokit|pip|setuptools|_distutils_hack|__pycache__)")


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built once per session as `make dist` builds it (sdist first, the wheel
    from the sdist, so both are proven)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("twiliokit-*.whl")
    assert list(out.glob("twiliokit-*.tar.gz"))
    return built


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; its bin directory.

    Resolving every dependency from the package index takes minutes here (3 min 15 s on the
    shared machine), so the environment sees the test environment's third-party packages
    (the versions constraints.txt pins) through a path file, the wheel is installed without
    dependencies, and `pip check` proves the wheel's declared requirements are all met."""
    home = tmp_path_factory.mktemp("wheel-venv")
    venv.create(home / "venv", with_pip=True)
    python = home / "venv" / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    shared = home / "shared"
    shared.mkdir()
    ours = Path(sysconfig.get_paths()["purelib"])
    for entry in ours.iterdir():
        if not NOT_SHARED.match(entry.name) and entry.suffix != ".pth":
            (shared / entry.name).symlink_to(entry)
    Path(site, "shared-test-packages.pth").write_text(f"{shared}\n", encoding="utf-8")
    pip: list[str | Path] = [python, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--no-deps", "--no-index", wheel], check=True)
    checked = subprocess.run([*pip, "check"], check=False, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return python.parent


def user_environment(home: Path) -> dict[str, str]:
    """A user's shell: their own home, no twiliokit or Twilio settings, no active venv."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "LANG": "C.UTF-8",
    }


def test_the_installed_command_reports_its_version(installed: Path, tmp_path: Path) -> None:
    """`twiliokit --version` from the wheel prints the package version, and the package the
    environment imports is the wheel's copy, not this source tree."""
    done = subprocess.run(
        [installed / "twiliokit", "--version"],
        capture_output=True,
        text=True,
        env=user_environment(tmp_path),
        check=True,
    )
    assert done.stdout.split() == ["twiliokit", twiliokit.__version__]
    location = subprocess.run(
        [installed / "python", "-c", "import twiliokit; print(twiliokit.__file__)"],
        capture_output=True,
        text=True,
        env=user_environment(tmp_path),
        check=True,
    ).stdout.strip()
    assert Path(location).is_relative_to(installed.parent)


@pytest.fixture
def wheel_emulator(installed: Path, tmp_path: Path) -> Iterator[str]:
    """`twiliokit emulator --port 0` from the wheel; its base URL once it says it is ready."""
    process = subprocess.Popen(
        [installed / "twiliokit", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=user_environment(tmp_path),
    )
    try:
        assert process.stdout is not None
        printed: list[str] = []
        for line in process.stdout:  # the test's timeout bounds a silent hang
            printed.append(line)
            found = re.search(r"base URL:\s+(http://\S+)", line)
            if found:
                yield found.group(1)
                break
        else:
            raise AssertionError("the emulator exited before it was ready:\n" + "".join(printed))
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.anyio
async def test_the_installed_emulator_and_mcp_server_work_together(
    installed: Path, wheel_emulator: str, tmp_path: Path
) -> None:
    """An MCP client initialises the wheel's `twiliokit mcp` (configured the way an MCP
    client configuration runs it), lists the tools and sends an SMS through the wheel's
    emulator."""
    env = user_environment(tmp_path) | {
        "TWILIOKIT_BASE_URL": wheel_emulator,
        "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000",
        "TWILIO_AUTH_TOKEN": "00000000000000000000000000000000",
        "TWILIO_PHONE_NUMBER": "+15005550006",
    }
    server = StdioServerParameters(command=str(installed / "twiliokit"), args=["mcp"], env=env)
    async with Client(server) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"send_sms", "list_messages", "wait_for_delivery"} <= names
        result = await client.call_tool("send_sms", {"to": "+14155550123", "body": "from a wheel"})
        assert not result.is_error, result.content
        assert result.structured_content is not None
        assert result.structured_content["status"] == "queued"
        assert result.structured_content["from"] == "+15005550006"

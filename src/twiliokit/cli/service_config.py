"""What `twiliokit serve` and `twiliokit mcp` are configured with: the config file's tables
(``[guardrails]``, ``[compliance]``), read the same way for both, and the service's settings.

Only the edge reads the environment and the config file; what comes out are the frozen
settings objects the server runs with (:class:`twiliokit.server.service.ServiceSettings`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twiliokit.config_file import CONFIG_ENV, default_config_path, load_config

if TYPE_CHECKING:
    from twiliokit.compliance import ComplianceSettings
    from twiliokit.server.guardrails import Guardrails
    from twiliokit.server.service import ApiToken, ServiceSettings

__all__ = [
    "compliance_from",
    "config_sections",
    "config_where",
    "configure_logging",
    "guardrails_from",
    "service_settings",
]


def config_sections(environ: Mapping[str, str], config: Path | None) -> Mapping[str, Any]:
    """The non-profile tables of the config file (empty when there is no file)."""
    explicit = config is not None or bool(environ.get(CONFIG_ENV, "").strip())
    path = config if config is not None else default_config_path(environ)
    if not explicit and not path.exists():
        return {}
    return load_config(path).sections


def guardrails_from(
    sections: Mapping[str, Any], *, read_only: bool, dry_run: bool, where: str
) -> Guardrails:
    """The ``[guardrails]`` table, tightened by ``--read-only``/``--dry-run``."""
    from twiliokit.server.guardrails import Guardrails

    section = sections.get("guardrails", {})
    return Guardrails.from_section(section, where=where).tightened(
        read_only=read_only, dry_run=dry_run
    )


def compliance_from(sections: Mapping[str, Any], where: str) -> ComplianceSettings:
    """The ``[compliance]`` table's settings (the defaults when there is none)."""
    from twiliokit.compliance import ComplianceSettings
    from twiliokit.compliance.settings import SECTION

    return ComplianceSettings.from_section(sections.get(SECTION), where=where)


def config_where(environ: Mapping[str, str], config: Path | None) -> str:
    return str(config if config is not None else default_config_path(environ))


def service_settings(
    *,
    environ: Mapping[str, str],
    profile: str | None,
    config: Path | None,
    base_url: str | None = None,
    host: str = "127.0.0.1",
    ledger_url: str | None = None,
    read_only: bool = False,
    dry_run: bool = False,
    **service: Any,
) -> tuple[ServiceSettings, ApiToken, list[str]]:
    """The settings `twiliokit serve` runs the service with, the API token, and the secrets
    to keep out of logs. ``service`` passes the receiver's parts through (``webhooks``,
    ``handlers``, ``forwarder``); see :class:`twiliokit.server.service.ServiceSettings`."""
    from twiliokit.cli.connection import resolve_for_cli
    from twiliokit.server.guardrails import GuardedCatalogue
    from twiliokit.server.service import ServiceSettings, resolve_api_token

    connection, _ = resolve_for_cli(
        profile=profile, config=config, base_url=base_url, environ=environ
    )
    sections = config_sections(environ, config)
    where = config_where(environ, config)
    guardrails = guardrails_from(sections, read_only=read_only, dry_run=dry_run, where=where)
    GuardedCatalogue(guardrails)  # a tool name that is not an action fails here, not later
    token = resolve_api_token(environ)
    settings = ServiceSettings(
        connection=connection,
        api_token=token.value,
        guardrails=guardrails,
        ledger_url=ledger_url,
        host=host,
        compliance=compliance_from(sections, where),
        **service,
    )
    return settings, token, [*connection.secret_values(), token.value]


def configure_logging(secrets: list[str], *, level: int) -> None:
    """Log the ``twiliokit`` loggers at ``level`` and above to stderr, with ``secrets``
    masked (``SecretFilter``); uvicorn's errors (with their tracebacks), which go to its own
    handler, are masked too."""
    from twiliokit.redaction.logs import SecretFilter

    handler = logging.StreamHandler()  # stderr
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(secrets))
    # On the logger: uvicorn logs its errors on it directly, and configures its handlers
    # (dropping any filter on them) only when the server starts.
    logging.getLogger("uvicorn.error").addFilter(SecretFilter(secrets))
    logger = logging.getLogger("twiliokit")
    logger.addHandler(handler)
    logger.setLevel(level)

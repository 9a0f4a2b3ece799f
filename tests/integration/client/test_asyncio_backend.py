"""The async client's sockets on plain asyncio (twiliokit.http.asyncio_backend): TLS verified,
connections closed by the server never reused, timeouts and refusals reported as httpx does."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpcore
import httpx
import pytest

from twiliokit.client import AsyncClient
from twiliokit.connections import Connection
from twiliokit.errors import ConnectError
from twiliokit.http.asyncio_backend import AsyncioBackend, use_asyncio_streams
from twiliokit.http.policies import RetryPolicy

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


@dataclass
class Certificate:
    """A self-signed certificate for 127.0.0.1 and its key, as files."""

    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def trusting_client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert_file))


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    """A fresh self-signed certificate valid for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_file, key_file)


@contextlib.asynccontextmanager
async def serving(
    *, tls: ssl.SSLContext | None = None, close_after_answer: bool = False, answer: bool = True
) -> AsyncIterator[tuple[int, list[int]]]:
    """A loopback HTTP/1.1 server in this event loop; yields (port, connections seen)."""
    connections: list[int] = []
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer.get_extra_info("peername")[1])
        writers.append(writer)
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ssl.SSLError):
            while True:
                await reader.readuntil(b"\r\n\r\n")
                if not answer:
                    await reader.read()  # hold the request until the client gives up
                    break
                writer.write(ANSWER)
                await writer.drain()
                if close_after_answer:
                    break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1], connections
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


def _pool(**options: object) -> httpcore.AsyncConnectionPool:
    return httpcore.AsyncConnectionPool(network_backend=AsyncioBackend(), **options)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_tls_round_trip_with_a_trusted_certificate(certificate: Certificate) -> None:
    """Over TLS the backend completes the handshake and carries the request and answer."""
    async with (
        serving(tls=certificate.server_context()) as (port, _),
        _pool(ssl_context=certificate.trusting_client_context()) as pool,
    ):
        response = await pool.request("GET", f"https://127.0.0.1:{port}/probe")
    assert (response.status, response.content) == (200, b"{}")


@pytest.mark.anyio
async def test_untrusted_certificate_is_refused(certificate: Certificate) -> None:
    """A certificate no trusted authority signed fails the handshake as a ConnectError."""
    async with (
        serving(tls=certificate.server_context()) as (port, _),
        _pool(ssl_context=ssl.create_default_context()) as pool,
    ):
        with pytest.raises(httpcore.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await pool.request("GET", f"https://127.0.0.1:{port}/probe")


@pytest.mark.anyio
async def test_client_refuses_an_https_base_url_with_an_untrusted_certificate(
    certificate: Certificate,
) -> None:
    """The client's own https connections verify certificates (certifi's authorities)."""
    async with serving(tls=certificate.server_context()) as (port, _):
        connection = Connection(
            account_sid="AC" + "0" * 32, auth_token="0" * 32, base_url=f"https://127.0.0.1:{port}"
        )
        async with AsyncClient(connection, retry=RetryPolicy.disabled()) as client:
            with pytest.raises(ConnectError, match=r"(?i)certificate"):
                await client.request("GET", "/probe")


@pytest.mark.anyio
async def test_connection_closed_by_the_server_is_not_reused() -> None:
    """After the server closes an idle connection, the next request opens a new one."""
    async with serving(close_after_answer=True) as (port, connections), _pool() as pool:
        for _ in range(3):
            response = await pool.request("GET", f"http://127.0.0.1:{port}/probe")
            assert response.status == 200
    assert len(connections) == 3


@pytest.mark.anyio
async def test_kept_alive_connection_is_reused() -> None:
    """Requests in sequence share one connection while the server keeps it open."""
    async with serving() as (port, connections), _pool() as pool:
        for _ in range(3):
            await pool.request("GET", f"http://127.0.0.1:{port}/probe")
    assert len(connections) == 1


@pytest.mark.anyio
async def test_read_timeout_is_reported_as_httpcore_does() -> None:
    """A server that never answers ends in httpcore.ReadTimeout after the read timeout."""
    async with serving(answer=False) as (port, _), _pool() as pool:
        with pytest.raises(httpcore.ReadTimeout):
            await pool.request(
                "GET",
                f"http://127.0.0.1:{port}/probe",
                extensions={"timeout": {"connect": 5, "read": 0.05, "write": 5, "pool": 5}},
            )


@pytest.mark.anyio
async def test_refused_connection_is_a_connect_error() -> None:
    """Nothing listening: httpcore.ConnectError, as the anyio backend reports it."""
    async with serving() as (port, _):
        pass  # the port is free again once the server has closed
    async with _pool() as pool:
        with pytest.raises(httpcore.ConnectError):
            await pool.request("GET", f"http://127.0.0.1:{port}/probe")


@pytest.mark.anyio
async def test_httpx_transports_take_the_backend_on_asyncio() -> None:
    """use_asyncio_streams still finds httpx's pool (guards against an httpx upgrade)."""
    transport = httpx.AsyncHTTPTransport()
    try:
        assert use_asyncio_streams(transport) is True
    finally:
        await transport.aclose()


def test_backend_is_left_alone_outside_asyncio() -> None:
    """With no asyncio loop running, the transport keeps httpcore's own backend."""
    assert use_asyncio_streams(httpx.AsyncHTTPTransport()) is False


def test_backend_serves_requests_on_uvloop() -> None:
    """On uvloop (what uvicorn runs the service on) httpx takes this backend and a request
    round-trips, kept alive for the next one."""
    import uvloop

    async def run() -> tuple[bool, list[int]]:
        async with serving() as (port, connections):
            transport = httpx.AsyncHTTPTransport()
            taken = use_asyncio_streams(transport)
            async with httpx.AsyncClient(transport=transport) as client:
                for _ in range(2):
                    response = await client.get(f"http://127.0.0.1:{port}/")
                    assert response.json() == {}
            return taken, connections

    taken, connections = uvloop.run(run())
    assert taken is True
    assert len(connections) == 1

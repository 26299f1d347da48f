"""Shared bits of the HTTP benchmarks: a tiny keep-alive HTTP/1.1 load client, server
subprocesses, free ports and percentiles.

The load client is deliberately small (asyncio streams, no httpx): on a 2-core machine the
client competes with the server for CPU, and a heavy client would measure itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def agentkeys_command() -> list[str]:
    """The `agentkeys` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "agentkeys"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from tui_app.cli import main; main()"]


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before it was ready")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} not ready after {timeout:.0f} s")


def start_process(
    argv: Sequence[str], *, env: dict[str, str] | None = None, log: Path | None = None
) -> subprocess.Popen[bytes]:
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        list(argv), env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
    )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 0.50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 0.99) * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")


def build_request(
    host: str, port: int, method: str, path: str, body: object | None, headers: dict[str, str]
) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json"]
    lines += [f"Content-Length: {len(payload)}", "", ""]
    return "\r\n".join(lines).encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length) if length else b""
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, body
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def _load(
    host: str, port: int, request: bytes, clients: int, seconds: float, max_requests: int,
    ok: bytes | None,
) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors, sent
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while sent < max_requests and time.perf_counter() < deadline:
                sent += 1
                started = time.perf_counter()
                writer.write(request)
                status, body = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status != 200 or (ok is not None and ok not in body):
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return LoadResult(len(latencies), errors, time.perf_counter() - started, latencies)


def load(
    url: str, method: str, path: str, *, body: object | None = None,
    headers: dict[str, str] | None = None, clients: int = 1, seconds: float = 3.0,
    max_requests: int = 200_000, warmup: float = 0.5, ok: bytes | None = None,
) -> LoadResult:
    """Closed-loop load: `clients` keep-alive connections, each sending its next request
    when the previous answer arrives; bounded by `seconds` and `max_requests`."""
    host_port = url.split("://", 1)[1]
    host, port_text = host_port.rsplit(":", 1)
    port = int(port_text)
    request = build_request(host, port, method, path, body, headers or {})
    if warmup:
        asyncio.run(_load(host, port, request, clients, warmup, max_requests, ok))
    return asyncio.run(_load(host, port, request, clients, seconds, max_requests, ok))

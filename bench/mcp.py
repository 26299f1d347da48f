"""MCP tool calls: POST /v1/mcp `tools/call` of a read tool beside POST /v1/verify.

What: calls/s and p50/p99 latency of `tools/call whoami` (a read tool: the key judged as
verify judges it, counted, recorded as activity, answered through the MCP SDK) from a
closed-loop keep-alive client at 16 concurrent connections, against `agentkeys serve`
on SQLite and on PostgreSQL, beside `POST /v1/verify` on the same server, measured
interleaved in the same run. Each call is a stateless JSON-RPC request with the key as
bearer, as an MCP client sends it after `initialize`, in both protocol shapes (CALLS).
Targets: MCP >= 0.4x verify's rate; p99 < 25 ms at 16 clients.

Knobs (env): AGENTKEYS_BENCH_SECONDS (per case, default 3), AGENTKEYS_BENCH_ROUNDS
(interleaved rounds, best kept, default 2), AGENTKEYS_BENCH_PG (see bench/verify.py).
Command: .venv/bin/python -m bench mcp
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from bench._http import LoadResult, load, stop_process
from bench.verify import (
    PG_SERVER,
    _pg_reachable,
    _recreate_pg_database,
    _verify_server,
)

CLIENTS = 16
PG_DATABASE = "agentkeys_bench_mcp"
_ACCEPT = {"Accept": "application/json, text/event-stream"}
# The same call in the two shapes clients send: the 2025 revisions (what Claude Code,
# Cursor and Codex speak: the SDK runs a whole stateless session per request) and
# 2026-07-28 (one self-contained exchange; the SDK's own client speaks it).
_MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {}}
CALLS = {
    "MCP 2025-06-18": (
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
         "params": {"name": "whoami", "arguments": {}}},
        {**_ACCEPT, "MCP-Protocol-Version": "2025-06-18"}),
    "MCP 2026-07-28": (
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
         "params": {"name": "whoami", "arguments": {}, "_meta": _MODERN_META}},
        {**_ACCEPT, "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call",
         "Mcp-Name": "whoami"}),
}


def _line(label: str, result: LoadResult, baseline: LoadResult | None) -> str:
    ratio = f"{result.rate / baseline.rate:5.2f}x verify" if baseline and baseline.rate else ""
    errors = f"  ERRORS {result.errors}" if result.errors else ""
    return (f"    {label:<28} {CLIENTS:>3} clients  {result.rate:8.0f} req/s  "
            f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  {ratio}{errors}")


def run() -> None:
    seconds = float(os.environ.get("AGENTKEYS_BENCH_SECONDS", "3"))
    rounds = int(os.environ.get("AGENTKEYS_BENCH_ROUNDS", "2"))
    print(f"    machine: {os.cpu_count()} cores, load client on the same machine: read the "
          f"ratios. {seconds:.0f} s per case, best of {rounds} interleaved rounds")
    processes: list[subprocess.Popen[bytes]] = []
    results: dict[tuple[str, str], LoadResult] = {}
    with tempfile.TemporaryDirectory(prefix="agentkeys-bench-") as tmp:
        try:
            backends = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
            reason = _pg_reachable()
            if reason is None:
                backends.append(("PostgreSQL", _recreate_pg_database(PG_DATABASE)))
            else:
                print(f"    PostgreSQL skipped: not reachable at {PG_SERVER} ({reason})")
            servers = []
            for label, database in backends:
                process, url, service_token, key = _verify_server(
                    database, Path(tmp) / label.lower())
                processes.append(process)
                servers.append((label, url, service_token, key))
            for _round in range(rounds):
                for label, url, service_token, key in servers:
                    cases = {
                        "verify": ("/v1/verify", {"key": key},
                                   {"Authorization": f"Bearer {service_token}"},
                                   b'"valid":true'),
                        **{name: ("/v1/mcp", body, {"Authorization": f"Bearer {key}",
                                                    **headers}, b'"isError":false')
                           for name, (body, headers) in CALLS.items()},
                    }
                    for case, (path, body, headers, ok) in cases.items():
                        result = load(url, "POST", path, body=body, headers=headers,
                                      clients=CLIENTS, seconds=seconds, ok=ok)
                        best = results.get((label, case))
                        if best is None or result.rate > best.rate:
                            results[(label, case)] = result
        finally:
            for process in processes:
                stop_process(process)
    for label, *_ in servers:
        verify = results[(label, "verify")]
        print(_line(f"verify {label}", verify, None))
        for name in CALLS:
            mcp = results[(label, name)]
            print(_line(f"{name} {label}", mcp, verify))
            ratio = mcp.rate / verify.rate if verify.rate else 0.0
            print(f"    {name} {label}: {ratio:.2f}x verify's rate (target >= 0.4x: "
                  f"{'met' if ratio >= 0.4 else 'MISSED'}); p99 {mcp.p99_ms:.2f} ms "
                  f"(target < 25 ms: {'met' if mcp.p99_ms < 25 else 'MISSED'})")

"""Floods a running worker's listeners the way a careless or hostile client could: many idle
sockets held open, then waves of concurrent requests for a while. Prints `flooding` once the idle
sockets are open and the requests begin, then one JSON object: how many requests were answered
(by status) or cut off, how many idle sockets the worker closed, and the times.

    python listener_flood.py --port METRICS_PORT --path /readyz --port OPERATOR_PORT --path / \
        --idle 10000 --requests 1000 --duration 30 --wait-closed 40
"""

import argparse
import asyncio
import json
import resource
import sys
import time


async def open_idle(port, count, sockets, parallel=200):
    gate = asyncio.Semaphore(parallel)

    async def one():
        async with gate:
            try:
                sockets.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 60))
            except (OSError, asyncio.TimeoutError):
                sockets.append(None)

    await asyncio.gather(*(one() for _ in range(count)))


async def request(port, path, statuses):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 30)
        await asyncio.wait_for(reader.read(), 30)
        writer.close()
        key = line.split()[1].decode() if len(line.split()) > 1 else "cut_off"
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        key = "cut_off"
    statuses[key] = statuses.get(key, 0) + 1


async def closed_by_peer(entry):
    if entry is None:
        return True
    reader, _ = entry
    try:
        return await reader.read(1) == b""
    except OSError:
        return True


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, action="append", required=True)
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("--idle", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--wait-closed", type=float, default=40)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.idle + 2 * args.requests + 1024), hard))

    started = time.monotonic()
    sockets = []
    per_port = args.idle // len(args.port)
    await asyncio.gather(*(open_idle(port, per_port, sockets) for port in args.port))
    opened = time.monotonic() - started
    print("flooding", flush=True)

    statuses = {}
    targets = list(zip(args.port, args.path))
    waves = 0
    flood_started = time.monotonic()
    while time.monotonic() - flood_started < args.duration:
        await asyncio.gather(*(request(*targets[i % len(targets)], statuses) for i in range(args.requests)))
        waves += 1
    flooded = time.monotonic() - flood_started

    # Every idle socket should be closed by the worker: evicted, or at its idle timeout.
    pending = [asyncio.ensure_future(closed_by_peer(entry)) for entry in sockets]
    done, _ = await asyncio.wait(pending, timeout=args.wait_closed) if pending else (set(), set())
    closed = sum(1 for task in done if task.result())
    for task in pending:
        task.cancel()
    for entry in sockets:
        if entry is not None:
            entry[1].close()
    print(
        json.dumps(
            {
                "idle_opened": sum(1 for entry in sockets if entry is not None),
                "idle_refused": sum(1 for entry in sockets if entry is None),
                "idle_closed_by_worker": closed,
                "seconds_to_open_idle": round(opened, 2),
                "request_waves": waves,
                "seconds_of_requests": round(flooded, 2),
                "seconds_total": round(time.monotonic() - started, 2),
                "statuses": statuses,
            }
        ),
        flush=True,
    )


asyncio.run(main())

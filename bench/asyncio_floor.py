"""The floor for SSE fan-out: a minimal asyncio HTTP server, no Django.

``GET /events`` opens an event stream (same headers and chunked framing as
uvicorn gives Madoguchi's stream); ``POST /publish`` with a body sends that
body as ``data:`` of one ``event: board`` with an increasing ``id`` to every
open stream, writing straight to each transport, and answers with the id.
``GET /healthz`` answers ``ok``. Whatever this costs per connection is what
any Python asyncio broadcaster on this machine costs; sse_latency.py
measures it in the same run as Madoguchi to give the ratio.

Run: ``python bench/asyncio_floor.py --port 8765 [--loop uvloop|asyncio]``
(uvloop by default, as uvicorn picks it when installed).
"""

from __future__ import annotations

import argparse
import asyncio
import time

STREAM_HEAD = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
               b"cache-control: no-cache\r\nx-accel-buffering: no\r\n"
               b"transfer-encoding: chunked\r\n\r\n")


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class Floor:
    def __init__(self) -> None:
        self.streams: set[asyncio.StreamWriter] = set()
        self.next_id = int(time.time() * 1000)

    def broadcast(self, data: bytes) -> int:
        self.next_id += 1
        wire = chunk(b"id: %d\nevent: board\ndata: %s\n\n" % (self.next_id, data))
        for writer in self.streams:
            writer.write(wire)
        return self.next_id

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                length = 0
                for line in lines:
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                if method == "GET" and path.startswith("/events"):
                    # Like Madoguchi: the latest state first, so a new viewer is never blank.
                    writer.write(STREAM_HEAD + chunk(b"retry: 3000\n\n")
                                 + chunk(b"id: %d\nevent: board\ndata: {}\n\n" % self.next_id))
                    self.streams.add(writer)
                    try:
                        await reader.read()  # until the client goes away
                    finally:
                        self.streams.discard(writer)
                    return
                if method == "POST" and path == "/publish":
                    reply = str(self.broadcast(body)).encode()
                else:
                    reply = b"ok"
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: %d"
                             b"\r\n\r\n%s" % (len(reply), reply))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def serve(port: int) -> None:
    floor = Floor()
    server = await asyncio.start_server(floor.handle, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description="pure-asyncio SSE broadcaster (benchmark floor)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    args = parser.parse_args()
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(serve(args.port))
    else:
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()

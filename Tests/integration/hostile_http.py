"""A hostile HTTP server for the token program's client: answers that HubSpot never sends, by path.

  /gzip-small  a small JSON token answer, gzip-encoded though the request asked for identity
  /gzip-bomb   gzip of zeros that unpacks to about 1 GiB (about 1 MB on the wire)
  /raw-json    a token answer without any status line or headers
  /echo        200 with the request's Accept-Encoding header as the body

With `--mode PATH` every request gets that answer whatever its path (for clients that only take
an origin from their configuration).

Prints `listening on http://127.0.0.1:PORT` once ready.
"""
import argparse
import socket
import threading
import zlib

TOKENS = b'{"access_token":"CKa","refresh_token":"na1-r","token_type":"bearer","expires_in":1800,"hub_id":42}'


def gzipped(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def bomb(mebibytes: int) -> bytes:
    # A full flush resets the compressor, so one compressed MiB of zeros can simply be repeated.
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = packer.compress(b"\0" * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(b"\0" * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    return first + block * (mebibytes - 1) + packer.flush()


BOMB_MIB = 1024


def answer(path: str, request: bytes) -> bytes:
    if path == "/raw-json":
        return TOKENS
    if path == "/echo":
        encoding = b"(none)"
        for line in request.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"accept-encoding":
                encoding = value.strip()
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(encoding) + encoding
    body = gzipped(TOKENS) if path == "/gzip-small" else bomb(BOMB_MIB)
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)) + body


def handle(connection: socket.socket, mode: str) -> None:
    try:
        connection.settimeout(30)
        request = b""
        while b"\r\n\r\n" not in request and len(request) < 65536:
            chunk = connection.recv(65536)
            if not chunk:
                return
            request += chunk
        path = request.split(b" ", 2)[1].decode("latin-1").split("?")[0] if b" " in request else "/"
        connection.sendall(answer(mode or path, request))
    except OSError:
        pass
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", default="")
    parser.add_argument("--bomb-mib", type=int, default=1024)
    arguments = parser.parse_args()
    global BOMB_MIB
    BOMB_MIB = arguments.bomb_mib
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", arguments.port))
    listener.listen(16)
    print(f"listening on http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=handle, args=(connection, arguments.mode), daemon=True).start()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Answers whether a STOMP endpoint is really up: sends CONNECT and waits for CONNECTED.

usage: stomp-probe.py tcp://127.0.0.1:61613 | ws://127.0.0.1:15674/ws  [timeout-seconds] [ws-subprotocols]
Exit 0 when CONNECTED arrived, 1 otherwise (the reason on stderr). Standard library only.
"""
import base64
import os
import socket
import struct
import sys
from urllib.parse import urlparse

CONNECT = b"CONNECT\naccept-version:1.2\nhost:/\nlogin:guest\npasscode:guest\nheart-beat:0,0\n\n\x00"


def recv_until(sock, marker, limit=65536):
    data = b""
    while marker not in data and len(data) < limit:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def probe_tcp(host, port, timeout):
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(CONNECT)
        return recv_until(s, b"\x00")


def ws_frame(payload, opcode=0x2):
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        header += bytes([0x80 | n])
    elif n < 65536:
        header += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        header += bytes([0x80 | 127]) + struct.pack(">Q", n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


def probe_ws(host, port, path, timeout, protocols):
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path or '/'} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {protocols}\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(request.encode())
        head = recv_until(s, b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"no WebSocket upgrade: {head[:80]!r}")
        s.sendall(ws_frame(CONNECT))
        return recv_until(s, b"CONNECTED")


def main():
    url = urlparse(sys.argv[1])
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 5
    try:
        if url.scheme == "tcp":
            answer = probe_tcp(url.hostname, url.port, timeout)
        else:
            answer = probe_ws(url.hostname, url.port, url.path, timeout, sys.argv[3] if len(sys.argv) > 3 else "v12.stomp, binary")
    except Exception as e:  # noqa: BLE001 - any failure means "not up"
        print(f"{sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    if b"CONNECTED" in answer:
        return 0
    print(f"{sys.argv[1]}: no CONNECTED frame: {answer[:120]!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A peer in another language: it speaks the Release wire (a 4-byte
big-endian length, then the payload) on the unix socket given as fd 3,
sends each argument as a request, prints each response on a line, and
closes. Standard library only."""
import os
import socket
import struct
import sys


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("the peer closed the connection")
        data += chunk
    return data


def main():
    sock = socket.socket(fileno=3)
    for word in sys.argv[1:]:
        payload = word.encode()
        sock.sendall(struct.pack(">I", len(payload)) + payload)
        (length,) = struct.unpack(">I", read_exact(sock, 4))
        print(read_exact(sock, length).decode())
    sock.close()


if __name__ == "__main__":
    main()

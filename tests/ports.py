"""Ports for the servers tests start."""
import socket


def free_port():
    """A TCP port on 127.0.0.1 nothing listens on (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]

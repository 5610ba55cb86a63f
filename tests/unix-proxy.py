#!/usr/bin/env python3
"""Forwards every connection to a unix socket LISTEN (mode 0777) on to the unix socket TARGET,
so a user without rights of their own reaches TARGET with the proxy's (the tests' password
user reaches the system daemon's read-only socket as root would). Prints "ready" once bound.
Usage: unix-proxy.py LISTEN TARGET"""
import os
import socket
import sys
import threading


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def main():
    listen, target = sys.argv[1], sys.argv[2]
    server = socket.socket(socket.AF_UNIX)
    server.bind(listen)
    os.chmod(listen, 0o777)
    server.listen(16)
    print("ready", flush=True)
    while True:
        client, _ = server.accept()
        upstream = socket.socket(socket.AF_UNIX)
        try:
            upstream.connect(target)
        except OSError:
            client.close()
            continue
        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


main()

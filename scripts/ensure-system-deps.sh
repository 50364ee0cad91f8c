#!/bin/sh
# Makes sure libzmq's headers and pkg-config are present, installing them with
# apt-get when we may (root, or sudo without a password); otherwise says what to run.
set -eu
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libzmq; then
    exit 0
fi
if [ -n "${ZMQ_PREFIX:-}" ] && [ -f "$ZMQ_PREFIX/include/zmq.h" ]; then
    exit 0
fi
PKGS="libzmq3-dev pkg-config"
if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo"
    else
        echo "zmqrepl needs libzmq's headers. Run: sudo apt-get install -y $PKGS" >&2
        exit 1
    fi
    echo "zmqrepl: installing $PKGS with apt-get" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $PKGS >/dev/null 2>&1 || {
        $SUDO apt-get update -q >/dev/null
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $PKGS >/dev/null
    }
    exit 0
fi
echo "zmqrepl needs libzmq's headers: install them (Homebrew: brew install zeromq pkg-config;" \
     "conda: conda install zeromq), or set ZMQ_PREFIX to a libzmq install prefix." >&2
exit 1

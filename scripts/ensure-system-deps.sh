#!/bin/sh
# Makes sure libzmq's headers and pkg-config are present, installing them with
# apt-get when we may (root, or sudo without a password); otherwise says what to run.
set -eu

# PyPy 3.9 for the test matrix (`make test-all`): Debian's pypy3, with the headers that build
# zmqrepl's extension (pypy3-dev) and its venv module (pypy3-venv). Only where apt-get may run
# without asking; elsewhere `make test-all` says the interpreter is missing, and `make setup`
# (which needs only the default Python) goes on.
if command -v dpkg-query >/dev/null 2>&1 &&
    [ "$(dpkg-query -W -f='${Status}\n' pypy3 pypy3-dev pypy3-venv 2>/dev/null | grep -c ' installed$')" != 3 ] &&
    { [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; }; then
    PYPY_SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    echo "zmqrepl: installing pypy3 pypy3-dev pypy3-venv with apt-get (for make test-all)" >&2
    $PYPY_SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q pypy3 pypy3-dev pypy3-venv >/dev/null 2>&1 || {
        $PYPY_SUDO apt-get update -q >/dev/null
        $PYPY_SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q pypy3 pypy3-dev pypy3-venv >/dev/null
    } || echo "zmqrepl: could not install pypy3; make test-all will miss PyPy" >&2
fi

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

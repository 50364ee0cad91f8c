#!/bin/sh
# Makes sure the system packages zmqrepl needs are present, installing them with apt-get when
# we may (root, or sudo without a password); otherwise says what to run:
# - libzmq's headers and pkg-config, to build zmqrepl.core (set-up fails without them);
# - Debian's chromium and chromium-driver, for tests/browser (JupyterLab in a real browser).
#   The test points selenium at /usr/bin/chromedriver: no browser is ever downloaded. Set-up
#   goes on without them (the package itself does not need a browser); the test fails, saying so.
# - Debian's pypy3, with the headers that build zmqrepl's extension (pypy3-dev) and its venv
#   module (pypy3-venv), for the test matrix (`make test-all`). Set-up goes on without them;
#   `make test-all` then says the interpreter is missing.
set -eu

SUDO=""
can_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    if [ "$(id -u)" = 0 ]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo"
    else
        return 1
    fi
}

apt_install() {
    echo "zmqrepl: installing $* with apt-get" >&2
    # The package lists may be missing or stale on a fresh machine: update once, then retry.
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 || {
        $SUDO apt-get update -q >/dev/null
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
    }
}

# libzmq
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libzmq; then
    :
elif [ -n "${ZMQ_PREFIX:-}" ] && [ -f "$ZMQ_PREFIX/include/zmq.h" ]; then
    :
elif can_install; then
    apt_install libzmq3-dev pkg-config
elif command -v apt-get >/dev/null 2>&1; then
    echo "zmqrepl needs libzmq's headers. Run: sudo apt-get install -y libzmq3-dev pkg-config" >&2
    exit 1
else
    echo "zmqrepl needs libzmq's headers: install them (Homebrew: brew install zeromq pkg-config;" \
         "conda: conda install zeromq), or set ZMQ_PREFIX to a libzmq install prefix." >&2
    exit 1
fi

# chromium, for the browser test
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    :
elif can_install; then
    apt_install chromium chromium-driver
else
    echo "zmqrepl: tests/browser needs Debian's chromium and chromium-driver" \
         "(/usr/bin/chromium, /usr/bin/chromedriver). Run: sudo apt-get install -y chromium chromium-driver" >&2
fi

# PyPy 3.9, for the test matrix
if command -v dpkg-query >/dev/null 2>&1 &&
    [ "$(dpkg-query -W -f='${Status}\n' pypy3 pypy3-dev pypy3-venv 2>/dev/null | grep -c ' installed$')" = 3 ]; then
    :
elif can_install; then
    apt_install pypy3 pypy3-dev pypy3-venv || echo "zmqrepl: could not install pypy3; make test-all will miss PyPy" >&2
else
    echo "zmqrepl: make test-all needs Debian's pypy3. Run: sudo apt-get install -y pypy3 pypy3-dev pypy3-venv" >&2
fi
exit 0

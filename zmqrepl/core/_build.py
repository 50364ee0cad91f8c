"""cffi builder for zmqrepl.core._zmq (API mode, out-of-line).

Run by setuptools through ``cffi_modules`` in setup.py. CDEF declares what
Python may call; the C helpers themselves are in csrc/, one file per concern,
behind one header (csrc/zmqrepl.h) that declares everything they share.

How they are built, with cffi's documented arguments to set_source: the
files in SOURCE_FILES are compiled on their own and linked into the module
(``sources=``), so their order does not matter; csrc/hot.c is instead part of
the module cffi generates (SOURCE), because it changes how cffi's wrappers
are made (see there), on CPython only (KEEPS_GIL: the one place where the
build depends on the interpreter).

The CDEF stays here, not read from the header, which cffi's parser cannot
read (inline functions, system includes). In API mode the compiler checks it
only in part: a constant the C lacks or a wrong argument count fails the
build, and so do a function the C lacks and a wrong pointer type, through the
-Werror= flags in build_args (gcc 12 only warns of those); a wrong integer
width or enum value passes (Python reads the C value). tests/core/test_cdef.py
compares each zr_* declaration in full.
"""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

from cffi import FFI, PkgConfigError

CDEF = r"""
typedef struct { ...; } zmq_msg_t;

typedef struct {
    void *socket;
    int fd;
    short events;
    short revents;
} zmq_pollitem_t;

typedef struct {
    void *handle;
    const char *data;
    int more;
    const char **part_data;
    size_t *part_size;
    char *batch;
    size_t batch_used;
    size_t *batch_offs;
    int *batch_ends;
    int batch_nframes;
    char *props;
    size_t props_used;
    int *prop_lens;
    int progress;
    uintptr_t box;
    int busy;
    int held;
    int close_asked;
    int slices;
    ...;
} zr_socket_t;

#define ZMQ_DONTWAIT ...
#define ZMQ_SNDMORE ...
#define ZMQ_POLLIN ...
#define ZMQ_POLLOUT ...
#define ZMQ_POLLERR ...
#define ZMQ_IO_THREADS ...
#define ZMQ_MAX_SOCKETS ...
#define ZMQ_BLOCKY ...
#define ZMQ_LINGER ...
#define ZMQ_EVENTS ...
#define ZMQ_RCVTIMEO ...
#define ZMQ_SNDTIMEO ...
#define EAGAIN ...
#define EINTR ...
#define EINVAL ...
#define ENOTSOCK ...
#define ETERM ...
#define EFSM ...

void zmq_version(int *major, int *minor, int *patch);
int zmq_errno(void);
const char *zmq_strerror(int errnum);
void *zmq_ctx_new(void);
int zmq_ctx_term(void *context);
int zmq_ctx_shutdown(void *context);
int zmq_ctx_set(void *context, int option, int optval);
int zmq_ctx_get(void *context, int option);
int zmq_has(const char *capability);
int zmq_curve_keypair(char *z85_public_key, char *z85_secret_key);
int zmq_curve_public(char *z85_public_key, const char *z85_secret_key);
char *zmq_z85_encode(char *dest, const uint8_t *data, size_t size);
uint8_t *zmq_z85_decode(uint8_t *dest, const char *string);
int zmq_msg_init(zmq_msg_t *msg);
int zmq_msg_close(zmq_msg_t *msg);
int zmq_msg_move(zmq_msg_t *dest, zmq_msg_t *src);
void *zmq_msg_data(zmq_msg_t *msg);
size_t zmq_msg_size(const zmq_msg_t *msg);
int zmq_poll(zmq_pollitem_t *items, int nitems, long timeout);

/* zmqrepl helpers: guarded access to one socket (see the C source). */
#define ZR_ERR ...
#define ZR_BUSY ...
#define ZR_CLOSED ...
#define ZR_SLICE ...
#define ZR_ASKED ...
#define ZR_LINGER_KEEP ...
#define ZR_LINGER_SET ...
#define ZR_LINGER_CAP ...
#define ZR_STOP_MONITOR ...
#define ZR_RESUME ...
#define ZR_HOLD ...
#define ZR_FORWARD_ROUTED ...
#define ZR_SLICE_MS ...
#define ZR_PROP_MAX ...
#define ZR_PROP_NAMES ...
#define ZR_PROP_ABSENT ...
#define ZR_PROP_SAME ...
zr_socket_t *zr_socket_new(void *context, int type);
void zr_socket_free(zr_socket_t *st);
void zr_socket_forget(zr_socket_t *st);
int zr_close(zr_socket_t *st, int how, int linger);
int zr_close_withdraw(zr_socket_t *st);
extern int zr_close_pause_ms;  /* tests only: see csrc/close.c */
extern int zr_close_pausing;
enum zr_endpoint_op { ZR_BIND, ZR_CONNECT, ZR_UNBIND, ZR_DISCONNECT };
int zr_endpoint(zr_socket_t *st, int op, const char *endpoint);
int zr_setsockopt(zr_socket_t *st, int option, const void *value, size_t size);
int zr_getsockopt(zr_socket_t *st, int option, void *value, size_t *size);
long long zr_recv(zr_socket_t *st, int flags, int timeout);
int zr_recv_batch(zr_socket_t *st, int max_msgs, size_t max_bytes, int flags, int timeout);
int zr_recv_batch_props(zr_socket_t *st, int max_msgs, size_t max_bytes, int flags, int timeout,
                        const char **names, int nnames);
int zr_send_batch(zr_socket_t *st, void **data, size_t *sizes, int *ends, int nmsgs, int flags,
                  int timeout);
int zr_send_zerocopy(zr_socket_t *st, void *data, size_t size, long long token, int flags,
                     int timeout);
int zr_released(long long *tokens, int max);
void zr_abandon(zr_socket_t *st);
int zr_recv_parts(zr_socket_t *st, int flags, int timeout);
int zr_take_part(zr_socket_t *st, int index, zmq_msg_t *dest);
int zr_part_props(zr_socket_t *st, const char **names, int n, const char **values);
int zr_send(zr_socket_t *st, const void *data, size_t size, int flags, int timeout);
int zr_send_parts(zr_socket_t *st, void **data, size_t *sizes, int n, int flags, int timeout);
int zr_poll(zr_socket_t **states, zmq_pollitem_t *items, int n, long timeout, long spin_us,
            int *failed);
int zr_poll_forwarding(zr_socket_t **states, zmq_pollitem_t *items, int n, long timeout,
                       long spin_us, int *failed, const int *fwd_to, const int *fwd_flags,
                       long long *fwd_counts, long respin_us);
int zr_monitor(zr_socket_t *st, const char *endpoint, int events);
int zr_forward(zr_socket_t *src, zr_socket_t *dst, int max_msgs, int flags, long long *counts,
               int *failed);
void zr_forward_release(zr_socket_t *src);
int zr_proxy(zr_socket_t *frontend, zr_socket_t *backend, zr_socket_t *capture, int *failed);
"""

# The helpers of csrc/hot.c, built on CPython only (KEEPS_GIL); the other builds have
# csrc/plain.c's instead (PLAIN_CDEF).
HOT_CDEF = """
int zr_hot_gil_check(void);
long long zr_hot_recv(uintptr_t addr);
long long zr_hot_recv_nowait(uintptr_t addr);
long long zr_hot_recv_resume(uintptr_t addr);
int zr_hot_send(uintptr_t addr, const void *data, size_t size);
int zr_hot_send_nowait(uintptr_t addr, const void *data, size_t size);
int zr_hot_install_recv(uintptr_t cls, uintptr_t slot, uintptr_t recv_py, uintptr_t out,
                        const char *doc);
"""

# The helper of csrc/plain.c, built where hot.c is not (PyPy).
PLAIN_CDEF = """
typedef struct {
    const char *data;
    long long size;
} zr_frame_t;
zr_frame_t *zr_recv_copy(zr_socket_t *st, int flags, int timeout);
"""

# The one place where the build depends on the interpreter. csrc/hot.c redefines the GIL
# and errno macros that cffi puts around each call in the wrappers it generates for
# CPython, and makes bytes with CPython's C API, to save the GIL hand-over of every
# per-message call. For PyPy cffi generates no such wrappers (PyPy calls the C functions
# directly, and its JIT compiles the call in), so there is nothing to save and nothing to
# redefine: hot.c there fails at import with "undefined symbol: _cffi_save_errno". So only
# a CPython build has the zr_hot_* helpers; zmqrepl/core/_lib.py tells Python which build
# it has (KEEPS_GIL), and Python picks its per-message paths from that once, at import.
KEEPS_GIL = platform.python_implementation() == "CPython"

# Paths are relative to the project root, as setuptools takes an extension's
# sources: setuptools runs this file there, and so must ``python
# zmqrepl/core/_build.py`` (cffi compiles in the current directory, and puts the
# .o files beside the .c). A build elsewhere passes the root (build_args).
CSRC = "zmqrepl/core/csrc"
# Compiled one by one and linked together.
SOURCE_FILES = (
    "batch.c",
    "close.c",
    "forward.c",
    "guard.c",
    "messaging.c",
    "poll_proxy.c",
    "socket.c",
    "zerocopy.c",
) + (() if KEEPS_GIL else ("plain.c",))
# The module cffi generates starts with this: the header, then (CPython) hot.c, which
# must come before cffi's wrappers (it redefines macros they use). With cffi
# 2.1 and gcc 12, -Wall -Wextra find nothing there either.
SOURCE = '#include "zmqrepl.h"\n' + ('#include "hot.c"\n' if KEEPS_GIL else "")


def build_args(*include_dirs: str, root: str = "") -> dict[str, Any]:
    """set_source's arguments for csrc/, as fresh lists (cffi extends them).

    root: the project root, for a build run from another directory (bench/guard_cost.py).
    """
    csrc = os.path.join(root, CSRC)
    args: dict[str, Any] = {
        "sources": [os.path.join(csrc, name) for name in SOURCE_FILES],
        "include_dirs": [csrc, *include_dirs],
        "extra_compile_args": [
            "-Wall",
            "-Wextra",
            "-Werror=implicit-function-declaration",
            "-Werror=incompatible-pointer-types",
        ],
        # Not compiled on their own, but a change to them must rebuild every object.
        "depends": [os.path.join(csrc, "zmqrepl.h"), os.path.join(csrc, "hot.c")],
    }
    if KEEPS_GIL:
        # hot.c's Socket.recv reads a slot of the instance (PyMemberDescrObject) and is a
        # METH_FASTCALL method: CPython's full C API, which cffi's default, the limited
        # API, hides. So a CPython build is made for its own version
        # (_zmq.cpython-3XY-<platform>.so, one beside the other for the test matrix)
        # rather than as abi3. py_limited_api=False is what setuptools reads (the name);
        # the macro is cffi's own switch, for a build through ffi.compile().
        args["py_limited_api"] = False
        args["define_macros"] = [("_CFFI_NO_LIMITED_API", None)]
    return args


MISSING_HEADERS = (
    "zmqrepl: libzmq development files not found. Install them "
    "(Debian/Ubuntu: sudo apt-get install libzmq3-dev pkg-config; "
    "Homebrew: brew install zeromq; conda: conda install zeromq), "
    "or set ZMQ_PREFIX to the prefix of a libzmq install."
)


def _configure(ffi: FFI) -> None:
    prefix = os.environ.get("ZMQ_PREFIX")
    if prefix:
        ffi.set_source(
            "zmqrepl.core._zmq",
            SOURCE,
            libraries=["zmq"],
            library_dirs=[os.path.join(prefix, "lib")],
            runtime_library_dirs=[os.path.join(prefix, "lib")],
            **build_args(os.path.join(prefix, "include")),
        )
        return
    try:
        # cffi adds pkg-config's flags to these.
        ffi.set_source_pkgconfig("zmqrepl.core._zmq", ["libzmq"], SOURCE, **build_args())
    except PkgConfigError:
        if not os.path.exists("/usr/include/zmq.h") and not os.path.exists("/usr/local/include/zmq.h"):
            sys.exit(MISSING_HEADERS)
        ffi.set_source("zmqrepl.core._zmq", SOURCE, libraries=["zmq"], **build_args())


ffibuilder = FFI()
ffibuilder.cdef(CDEF + (HOT_CDEF if KEEPS_GIL else PLAIN_CDEF))
_configure(ffibuilder)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)

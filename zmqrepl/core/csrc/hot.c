/* hot.c: per-message helpers that keep the GIL.

   Not one of the extension's sources= but part of the module cffi generates:
   _build.py's SOURCE includes it, so that it comes before the wrappers cffi
   writes, and can change how they are made (below). It needs zmqrepl.h for
   the socket state and the guard, whose fast path is inline there.

   cffi releases the GIL around every call it makes into C. That hand-over
   (two mutex round trips, plus saving errno into cffi's thread-local slot)
   measured 80 of the 127 ns of a one-argument call on this kind of machine:
   more than libzmq spends taking a queued message. So helpers whose names
   start with zr_hot_ keep the GIL: they first try libzmq without waiting,
   which never blocks, and release the GIL themselves (PyEval_SaveThread)
   before any wait. Every other helper keeps cffi's behaviour.

   This works by redefining, for the wrappers cffi generates after this
   file, the two CPython macros and the two cffi errno hooks that cffi
   emits around each call. __func__ names the wrapper (_cffi_f_<helper>); the
   comparison folds at compile time. Errors from a hot helper are still
   stored where ffi.errno reads them (zr_hot_fail).

   Holding the GIL, a hot helper may also make Python objects: zr_hot_recv
   hands the frame over as bytes (zr_hot_box), and Socket.recv itself is a
   method made here (zr_hot_install_recv, at the end). This is CPython's C API,
   so only CPython builds include this file (_build.py; PyPy's have plain.c). */

#include <string.h>
#include <structmember.h>  /* T_OBJECT_EX, for zr_hot_install_recv */

static void zr_cffi_save_errno(void) { _cffi_save_errno(); }
static void zr_cffi_restore_errno(void) { _cffi_restore_errno(); }

#define ZR_KEEPS_GIL (__builtin_strncmp(__func__, "_cffi_f_zr_hot_", 15) == 0)

#undef Py_BEGIN_ALLOW_THREADS
#undef Py_END_ALLOW_THREADS
#undef _cffi_save_errno
#undef _cffi_restore_errno
/* Set while a wrapper that kept the GIL runs its helper; zr_hot_gil_check lets
   Python verify at import that cffi's wrappers really use these macros (a hot
   helper running without the GIL would make Python objects unsafely). */
static __thread int zr_gil_kept;

#define Py_BEGIN_ALLOW_THREADS { PyThreadState *_save = NULL; \
    if (ZR_KEEPS_GIL) zr_gil_kept = 1; else _save = PyEval_SaveThread();
#define Py_END_ALLOW_THREADS if (_save != NULL) PyEval_RestoreThread(_save); zr_gil_kept = 0; }
#define _cffi_restore_errno() (ZR_KEEPS_GIL ? (void)0 : zr_cffi_restore_errno())
#define _cffi_save_errno() (ZR_KEEPS_GIL ? (void)0 : zr_cffi_save_errno())

/* 1 when this call came through a wrapper that kept the GIL (see above). */
int zr_hot_gil_check(void)
{
    return zr_gil_kept;
}

/* A hot helper's error: errno goes where ffi.errno reads it. */
static long long zr_hot_fail(int err)
{
    errno = err;
    zr_cffi_save_errno();
    return ZR_ERR;
}

/* The frame in st->msg becomes a bytes object appended to the socket's box, a
   list that Socket keeps and whose address it gave us (st->box); recv() pops
   it. Making the bytes here, where the GIL is held anyway, costs a tenth of
   slicing a buffer from Python. Appending and popping, rather than one slot,
   keeps threads that take turns on a socket from getting each other's frame
   twice: each call adds exactly one frame and takes exactly one. Returns 0,
   or ZR_ERR (ENOMEM). */
static long long zr_hot_box(zr_socket_t *st, long long size)
{
    PyObject *frame = PyBytes_FromStringAndSize(st->data, (Py_ssize_t)size);
    if (frame == NULL || PyList_Append((PyObject *)st->box, frame) < 0) {
        Py_XDECREF(frame);
        PyErr_Clear();  /* cffi must not see an exception */
        return zr_hot_fail(ENOMEM);
    }
    Py_DECREF(frame);
    return 0;
}

/* The waiting half of recv(), with the GIL released as cffi would. The
   socket stays taken until the frame is boxed: another thread's receive must
   not replace it in between. */
static long long zr_hot_wait_recv(zr_socket_t *st, int flags)
{
    PyThreadState *ts = PyEval_SaveThread();
    long long rc = zr_recv(st, flags | ZR_HOLD, st->rcvtimeo);
    int err = errno;
    PyEval_RestoreThread(ts);
    if (rc >= 0) {
        rc = zr_hot_box(st, rc);
        zr_abandon(st);  /* the hold that ZR_HOLD took */
        return rc;
    }
    return rc == ZR_ERR ? zr_hot_fail(err) : rc;
}

/* Go on with a recv() that came back between wait slices (ZR_SLICE) or on a
   signal (EINTR), keeping its deadline; the frame goes to the box. */
long long zr_hot_recv_resume(uintptr_t addr)
{
    return zr_hot_wait_recv((zr_socket_t *)addr, ZR_RESUME);
}

/* After a recv() that found nothing queued, this many calls skip the attempt
   that does not wait. On an empty queue that attempt costs libzmq two poll()
   calls more than a plain blocking receive (a request/reply loop paid about 2
   syscalls per round trip); a queued frame costs the waiting path only the
   GIL hand-over. */
#define ZR_WAIT_FIRST_CALLS 8

/* One attempt that never waits: 0 with the frame in the box, or a ZR_* code
   (ZR_ERR with errno set). */
static long long zr_hot_try_recv(zr_socket_t *st)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    long long result = ZR_ERR;
    if (zmq_msg_recv(&st->msg, st->handle, ZMQ_DONTWAIT) >= 0)
        result = zr_hot_box(st, zr_took_frame(st));
    zr_leave(st);  /* keeps errno */
    return result;
}

/* recv() as bytes: a queued frame is taken without releasing the GIL;
   otherwise wait (the user's RCVTIMEO, in slices) with the GIL released.
   0: the frame is in the box; else a ZR_* code. */
long long zr_hot_recv(uintptr_t addr)
{
    zr_socket_t *st = (zr_socket_t *)addr;
    if (st->wait_first > 0 && st->rcvtimeo != 0) {
        st->wait_first--;
        return zr_hot_wait_recv(st, 0);
    }
    long long rc = zr_hot_try_recv(st);
    if (rc != ZR_ERR)
        return rc;
    /* EINTR too goes on to wait: the wait starts its own deadline and returns
       to Python within a slice, where the signal's handler runs. */
    if ((errno != EAGAIN && errno != EINTR) || st->rcvtimeo == 0)
        return zr_hot_fail(errno);
    st->wait_first = ZR_WAIT_FIRST_CALLS;
    return zr_hot_wait_recv(st, 0);
}

/* recv(nonblocking=True) as bytes: never waits, so never releases the GIL. */
long long zr_hot_recv_nowait(uintptr_t addr)
{
    long long rc = zr_hot_try_recv((zr_socket_t *)addr);
    return rc == ZR_ERR ? zr_hot_fail(errno) : rc;
}

/* One send of a whole frame that never waits: 0 once libzmq took it, else a
   ZR_* code (ZR_ERR with errno set; EAGAIN: no room now). */
static int zr_hot_try_send(zr_socket_t *st, const void *data, size_t size)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    rc = zmq_send(st->handle, data, size, ZMQ_DONTWAIT) >= 0 ? 0 : ZR_ERR;
    zr_leave(st);  /* keeps errno */
    return rc;
}

/* send() of one whole frame: libzmq copies it into the pipe at once when
   there is room; a full pipe waits (SNDTIMEO, in slices) without the GIL. */
int zr_hot_send(uintptr_t addr, const void *data, size_t size)
{
    zr_socket_t *st = (zr_socket_t *)addr;
    int rc = zr_hot_try_send(st, data, size);
    if (rc != ZR_ERR)
        return rc;
    int err = errno;
    if ((err != EAGAIN && err != EINTR) || st->sndtimeo == 0)  /* EINTR: as in zr_hot_recv */
        return (int)zr_hot_fail(err);
    PyThreadState *ts = PyEval_SaveThread();
    rc = zr_send(st, data, size, 0, st->sndtimeo);
    err = errno;
    PyEval_RestoreThread(ts);
    return rc == ZR_ERR ? (int)zr_hot_fail(err) : rc;
}

/* send(nonblocking=True) of one whole frame, for the async sockets: never waits, so
   never releases the GIL. 0, or a ZR_* code (ZR_ERR with errno EAGAIN: no room now). */
int zr_hot_send_nowait(uintptr_t addr, const void *data, size_t size)
{
    int rc = zr_hot_try_send((zr_socket_t *)addr, data, size);
    return rc == ZR_ERR ? (int)zr_hot_fail(errno) : rc;
}

/* Socket.recv() itself, in C (CPython builds; installed by messaging.py).

   The Python recv() costs about 450 instructions of its own per message (its
   frame, its bytecode, the cffi call and the pop from the box): more than the
   whole receive in pyzmq, whose recv is one compiled function. So Socket.recv
   is this method, and a plain recv() of a queued frame never runs Python code:
   it reads the socket state's address from the instance's `_addr` slot (at the
   offset that slot's descriptor gives), takes the frame exactly as
   zr_hot_try_recv does, and returns the bytes. Every other call (arguments, a
   frame not queued, a socket taken or closed, any error) goes to the Python
   recv (zr_recv_py), which does all of it as before: the C part only ever
   takes a frame that is already there, so waits, signals and errors stay in
   one place. */
static Py_ssize_t zr_addr_offset = -1;
static PyObject *zr_recv_py;  /* MessagingMixin.recv, a plain function */
static PyMethodDef zr_recv_def;

/* Everything but a plain recv() of a queued frame: the Python recv(self, ...). */
static PyObject *zr_recv_in_python(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                   PyObject *kwnames)
{
    Py_ssize_t n = nargs + (kwnames != NULL ? PyTuple_GET_SIZE(kwnames) : 0);
    PyObject *small[8];
    PyObject **stack = n < 8 ? small : PyMem_Malloc((size_t)(n + 1) * sizeof(PyObject *));
    if (stack == NULL)
        return PyErr_NoMemory();
    stack[0] = self;
    for (Py_ssize_t i = 0; i < n; i++)
        stack[i + 1] = args[i];
    PyObject *result = PyObject_Vectorcall(zr_recv_py, stack, (size_t)(nargs + 1), kwnames);
    if (stack != small)
        PyMem_Free(stack);
    return result;
}

/* A queued frame as bytes, or NULL: nothing queued (then the Python recv waits,
   and the next calls go straight to waiting as in zr_hot_recv), the socket taken
   or closed, or an error (the Python recv reports it). NULL with an exception
   set only when the bytes could not be made (MemoryError; the frame is lost, as
   with zr_hot_box). */
static PyObject *zr_recv_queued(zr_socket_t *st)
{
    if (st->wait_first > 0 && st->rcvtimeo != 0)
        return NULL;
    if (zr_enter(st))
        return NULL;
    PyObject *frame = NULL;
    if (zmq_msg_recv(&st->msg, st->handle, ZMQ_DONTWAIT) >= 0) {
        long long size = zr_took_frame(st);
        frame = PyBytes_FromStringAndSize(st->data, (Py_ssize_t)size);
    } else if ((errno == EAGAIN || errno == EINTR) && st->rcvtimeo != 0) {
        /* One more than zr_hot_recv sets: the Python recv's zr_hot_recv takes one
           for its own call, which then waits without trying again first. */
        st->wait_first = ZR_WAIT_FIRST_CALLS + 1;
    }
    zr_leave(st);
    return frame;
}

static PyObject *zr_recv_method(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                PyObject *kwnames)
{
    if (nargs == 0 && kwnames == NULL) {
        /* The method descriptor has checked that self is a Socket, so the slot is
           there; it is NULL until __init__ sets it. */
        PyObject *addr = *(PyObject **)((char *)self + zr_addr_offset);
        if (addr != NULL && PyLong_CheckExact(addr)) {
            zr_socket_t *st = (zr_socket_t *)PyLong_AsVoidPtr(addr);
            if (st != NULL) {
                PyObject *frame = zr_recv_queued(st);
                if (frame != NULL || PyErr_Occurred())
                    return frame;
            } else {
                PyErr_Clear();
            }
        }
    }
    return zr_recv_in_python(self, args, nargs, kwnames);
}

/* Make the method for `cls`, whose `_addr` slot descriptor is `slot`, calling the
   Python function `recv_py` for what it does not do itself, with the docstring
   `doc` (copied: it starts with the signature, for inspect). The method
   descriptor is appended to the list `out`. Addresses are id()s. Once per
   process; 0, or -1 when the arguments are not what messaging.py passes. */
int zr_hot_install_recv(uintptr_t cls, uintptr_t slot, uintptr_t recv_py, uintptr_t out,
                        const char *doc)
{
    PyObject *type = (PyObject *)cls, *descr = (PyObject *)slot, *list = (PyObject *)out;
    if (zr_recv_py != NULL || !PyType_Check(type) || Py_TYPE(descr) != &PyMemberDescr_Type
        || !PyFunction_Check((PyObject *)recv_py) || !PyList_Check(list))
        return -1;
    PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
    if (member->type != T_OBJECT_EX || PyDescr_TYPE(descr) != (PyTypeObject *)type)
        return -1;
    char *doc_copy = strdup(doc);
    if (doc_copy == NULL)
        return -1;
    zr_recv_def.ml_name = "recv";
    zr_recv_def.ml_meth = (PyCFunction)(void (*)(void))zr_recv_method;
    zr_recv_def.ml_flags = METH_FASTCALL | METH_KEYWORDS;
    zr_recv_def.ml_doc = doc_copy;
    PyObject *method = PyDescr_NewMethod((PyTypeObject *)type, &zr_recv_def);
    if (method == NULL || PyList_Append(list, method) < 0) {
        Py_XDECREF(method);
        PyErr_Clear();
        free(doc_copy);
        return -1;
    }
    Py_DECREF(method);
    zr_addr_offset = member->offset;
    Py_INCREF((PyObject *)recv_py);
    zr_recv_py = (PyObject *)recv_py;
    return 0;
}

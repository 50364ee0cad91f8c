/* plain.c: recv() in one call for builds without hot.c (PyPy: see _build.py's
   KEEPS_GIL); only those builds compile it.

   A receive there is one ZR_HOLD zr_recv, then a copy of the frame into this
   thread's own buffer, then letting go of the socket, all before returning:
   Python then makes the bytes from that buffer, which no other thread writes.
   Copying in C is what keeps the socket free once the call returns. Doing it
   from Python would need a second call, zr_abandon, after the copy; and PyPy
   may run a signal handler just before any call, so an exception there (Ctrl-C)
   would leave the socket taken, for every other thread, until this thread's
   next call on it. */

#include "zmqrepl.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Past this, the buffer goes back to ZR_COPY_KEEP bytes after a frame that
   fits in that: one large frame does not keep a thread's memory for good. */
#define ZR_COPY_SHRINK (1 << 20)
#define ZR_COPY_KEEP (64 * 1024)

static __thread zr_frame_t zr_copy;
static __thread char *zr_copy_buf;
static __thread size_t zr_copy_cap;
static pthread_key_t zr_copy_key;
static pthread_once_t zr_copy_once = PTHREAD_ONCE_INIT;

static void zr_copy_free(void *buf)
{
    free(buf);
}

static void zr_copy_key_make(void)
{
    pthread_key_create(&zr_copy_key, zr_copy_free);
}

/* This thread's buffer, with room for size bytes; NULL when out of memory. */
static char *zr_copy_room(size_t size)
{
    if (zr_copy_buf != NULL && size <= zr_copy_cap &&
        !(zr_copy_cap > ZR_COPY_SHRINK && size <= ZR_COPY_KEEP))
        return zr_copy_buf;
    size_t cap = size > ZR_COPY_KEEP ? size : ZR_COPY_KEEP;
    char *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    free(zr_copy_buf);
    zr_copy_buf = buf;
    zr_copy_cap = cap;
    /* Freed when the thread ends. */
    pthread_once(&zr_copy_once, zr_copy_key_make);
    pthread_setspecific(zr_copy_key, buf);
    return buf;
}

/* Receive one frame (flags and timeout as for zr_recv) into this thread's
   buffer: size >= 0 and data, or size a ZR_* code (ZR_ERR with errno set). The
   socket is never kept after the call, except between the wait slices of a
   blocking call (ZR_SLICE, EINTR), as zr_recv keeps it. */
zr_frame_t *zr_recv_copy(zr_socket_t *st, int flags, int timeout)
{
    long long size = zr_recv(st, flags | ZR_HOLD, timeout);
    if (size == ZR_ERR && errno == EINTR && (flags & ZMQ_DONTWAIT)) {
        /* A call that never waits has no wait to resume: let go now (Python
           tries again after running the signal's handler). */
        zr_abandon(st);
    } else if (size >= 0) {
        char *buf = zr_copy_room((size_t)size);
        if (buf != NULL) {
            memcpy(buf, st->data, (size_t)size);
            zr_copy.data = buf;
        } else {
            size = ZR_ERR;
        }
        zr_abandon(st);
        if (size == ZR_ERR)
            errno = ENOMEM;
    }
    zr_copy.size = size;
    return &zr_copy;
}

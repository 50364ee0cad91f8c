/* socket.c: a socket's state from creation to free, and its one-shot calls.

   zr_socket_new, zr_socket_free (run by ffi.gc) and zr_socket_forget (after
   fork); then the calls that take the socket, make one libzmq call and let
   go: endpoints, options and the monitor. */

#include "zmqrepl.h"
#include <stdlib.h>

/* Close the messages of the last multipart receive (zr_recv_parts). */
void zr_release_parts(zr_socket_t *st)
{
    for (int i = 0; i < st->nparts; i++)
        zmq_msg_close(&st->parts[i]);
    st->nparts = 0;
}

zr_socket_t *zr_socket_new(void *context, int type)
{
    zr_socket_t *st = calloc(1, sizeof(zr_socket_t));
    if (st == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    st->handle = zmq_socket(context, type);
    if (st->handle == NULL) {
        int saved = errno;
        free(st);
        errno = saved;
        return NULL;
    }
    zmq_msg_init(&st->msg);
    st->close_linger = ZR_NO_LINGER;
    st->close_cap = -1;
    st->rcvtimeo = -1;
    st->sndtimeo = -1;
    st->zmq_rcvtimeo = -1;
    st->zmq_sndtimeo = -1;
    return st;
}

static void zr_free_buffers(zr_socket_t *st)
{
    free(st->batch);
    free(st->batch_offs);
    free(st->batch_ends);
    st->batch = NULL;
    st->batch_offs = NULL;
    st->batch_ends = NULL;
    st->batch_cap = 0;
    st->batch_fcap = 0;
    st->batch_mcap = 0;
    free(st->props);
    free(st->prop_lens);
    st->props = NULL;
    st->prop_lens = NULL;
    st->props_cap = 0;
    st->prop_lcap = 0;
    free(st->parts);
    free(st->part_data);
    free(st->part_size);
    st->parts = NULL;
    st->part_data = NULL;
    st->part_size = NULL;
    st->cap = 0;
}

/* The destructor of a socket's state, run by cffi when the last Python
   reference to it goes (ffi.gc). It also closes a socket that was never
   closed: doing that here rather than in a Python __del__ matters, because in
   a garbage cycle the order of finalizers is arbitrary, and a __del__ could
   run after this has freed the state. Nobody else can reach the state now.
   The linger is capped so that a peer that went away cannot make the
   context's term wait for ever. */
void zr_socket_free(zr_socket_t *st)
{
    if (st == NULL)
        return;
    if (st->handle != NULL)
        zr_close_held(st, ZR_GC_LINGER_MS, 0);
    zmq_msg_close(&st->msg);
    zr_release_parts(st);
    zr_free_buffers(st);
    free(st);
}

/* After fork, in the child: the parent's socket must never be touched again,
   not even closed, and neither must its messages. */
void zr_socket_forget(zr_socket_t *st)
{
    st->handle = NULL;
    st->busy = 0;
    st->held = 0;
    st->close_asked = 0;
    st->close_lock = 0;
    st->proxied = 0;
    st->nparts = 0;
    zmq_msg_init(&st->msg);
}

/* op: enum zr_endpoint_op (zmqrepl.h). */
int zr_endpoint(zr_socket_t *st, int op, const char *endpoint)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    switch (op) {
    case ZR_BIND: rc = zmq_bind(st->handle, endpoint); break;
    case ZR_CONNECT: rc = zmq_connect(st->handle, endpoint); break;
    case ZR_UNBIND: rc = zmq_unbind(st->handle, endpoint); break;
    case ZR_DISCONNECT: rc = zmq_disconnect(st->handle, endpoint); break;
    default: errno = EINVAL; rc = -1; break;
    }
    zr_leave(st);
    return rc < 0 ? ZR_ERR : 0;
}

int zr_setsockopt(zr_socket_t *st, int option, const void *value, size_t size)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    if ((option == ZMQ_RCVTIMEO || option == ZMQ_SNDTIMEO) && size == sizeof(int)
        && *(const int *)value >= -1) {
        /* Timeouts are enforced by zr_budget across wait slices; libzmq's own
           option holds the current slice. */
        *(option == ZMQ_RCVTIMEO ? &st->rcvtimeo : &st->sndtimeo) = *(const int *)value;
        zr_leave(st);
        return 0;
    }
    rc = zmq_setsockopt(st->handle, option, value, size);
    zr_leave(st);
    return rc < 0 ? ZR_ERR : 0;
}

int zr_getsockopt(zr_socket_t *st, int option, void *value, size_t *size)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    rc = zmq_getsockopt(st->handle, option, value, size);
    zr_leave(st);
    return rc < 0 ? ZR_ERR : 0;
}

int zr_monitor(zr_socket_t *st, const char *endpoint, int events)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    rc = zmq_socket_monitor(st->handle, endpoint, events);
    zr_leave(st);
    return rc < 0 ? ZR_ERR : 0;
}

/* messaging.c: sending and receiving one message, single- or multipart.

   These release the GIL (cffi does) and wait in slices (guard.c). recv() and
   send() of one frame normally go through hot.c first, which falls back on
   zr_recv and zr_send when it has to wait. zr_send_message is shared with
   batch.c. */

#include "zmqrepl.h"
#include <stdlib.h>

/* Receive one frame into the socket's message: data, size and more flag in
   one crossing. */
long long zr_recv(zr_socket_t *st, int flags, int timeout)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    int started = 0;
    int wflags = flags & ZMQ_DONTWAIT;
    long long result;
    if (!wflags) {
        long budget = zr_budget(st, ZMQ_RCVTIMEO, flags, timeout, &started);
        if (budget < 0)
            return zr_leave_wait(st, ZR_ERR, flags);
        if (budget == 0)
            wflags = ZMQ_DONTWAIT;
    }
    rc = zmq_msg_recv(&st->msg, st->handle, wflags);
    if (rc >= 0) {
        result = zr_took_frame(st);
    } else if (errno == EAGAIN && !wflags) {
        result = ZR_SLICE;  /* the budget ran out: Python looks at signals, resumes */
    } else {
        result = ZR_ERR;
    }
    return zr_leave_wait(st, result, flags);
}

int zr_reserve(zr_socket_t *st, int n)
{
    if (n <= st->cap)
        return 0;
    int cap = st->cap ? st->cap : 8;
    while (cap < n)
        cap *= 2;
    /* Messages move with zmq_msg_move, never by copying bytes: small frames
       keep their data inside zmq_msg_t, so a raw copy would leave pointers
       into the freed block. */
    zmq_msg_t *parts = malloc(cap * sizeof(zmq_msg_t));
    if (parts == NULL)
        return -1;
    for (int i = 0; i < st->nparts; i++) {
        zmq_msg_init(&parts[i]);
        zmq_msg_move(&parts[i], &st->parts[i]);
        zmq_msg_close(&st->parts[i]);
    }
    free(st->parts);
    st->parts = parts;
    const char **data = realloc(st->part_data, cap * sizeof(char *));
    if (data == NULL)
        return -1;
    st->part_data = data;
    size_t *size = realloc(st->part_size, cap * sizeof(size_t));
    if (size == NULL)
        return -1;
    st->part_size = size;
    st->cap = cap;
    return 0;
}

/* Receive every frame of one message, or none: libzmq delivers a multipart
   message whole, so once the first frame is here the rest never block. */
int zr_recv_parts(zr_socket_t *st, int flags, int timeout)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    zr_release_parts(st);
    int started = 0;
    int n = 0;
    for (;;) {
        if (zr_reserve(st, n + 1) < 0) {
            errno = ENOMEM;
            rc = ZR_ERR;
            break;
        }
        zmq_msg_t *part = &st->parts[n];
        zmq_msg_init(part);
        rc = n == 0 ? zmq_msg_recv(part, st->handle, ZMQ_DONTWAIT) : zr_recv_next(part, st->handle);
        if (rc < 0) {
            zmq_msg_close(part);
            if (n == 0 && errno == EAGAIN && !(flags & ZMQ_DONTWAIT)) {
                rc = zr_wait(st, ZMQ_POLLIN, flags, timeout, &started);
                if (rc == 0)
                    continue;
            } else {
                rc = ZR_ERR;
            }
            break;
        }
        n++;
        st->nparts = n;
        if (!zmq_msg_more(part)) {
            rc = n;
            break;
        }
    }
    /* Data pointers only once every frame is in its final place. */
    for (int i = 0; rc > 0 && i < n; i++) {
        st->part_data[i] = (const char *)zmq_msg_data(&st->parts[i]);
        st->part_size[i] = zmq_msg_size(&st->parts[i]);
    }
    if (rc < 0)
        zr_release_parts(st);
    return (int)zr_leave_wait(st, rc, flags);
}

/* Move a received frame out of the socket into dest, so that a view on its
   data can outlive the next receive. index -1 is the single-frame message. */
int zr_take_part(zr_socket_t *st, int index, zmq_msg_t *dest)
{
    /* Normally called while this thread holds the socket after a ZR_HOLD
       receive; the hold then stays as it is. */
    int mine = zr_held_by_me(st);
    int rc = mine ? 0 : zr_enter(st);
    if (rc)
        return rc;
    zmq_msg_init(dest);
    if (index < 0)
        rc = zmq_msg_move(dest, &st->msg);
    else if (index < st->nparts)
        rc = zmq_msg_move(dest, &st->parts[index]);
    else {
        errno = EINVAL;
        rc = -1;
    }
    if (!mine)
        zr_leave(st);
    return rc < 0 ? ZR_ERR : 0;
}

/* The properties of the last multipart message received (zr_recv_parts), read
   from its last frame: every frame of a message comes over one connection, and
   the last is always the peer's own (a ROUTER makes the first, the routing id,
   itself). values[i] is names[i]'s value, or NULL when the message has none;
   the values live as long as that frame, which the caller must copy them out
   of before the next receive or zr_take_part. Called, like zr_take_part, while
   holding the socket after a ZR_HOLD receive. */
int zr_part_props(zr_socket_t *st, const char **names, int n, const char **values)
{
    int mine = zr_held_by_me(st);
    int rc = mine ? 0 : zr_enter(st);
    if (rc)
        return rc;
    if (st->nparts == 0 || n < 0 || n > ZR_PROP_NAMES) {
        errno = EINVAL;
        rc = ZR_ERR;
    } else {
        zmq_msg_t *last = &st->parts[st->nparts - 1];
        for (int i = 0; i < n; i++)
            values[i] = zmq_msg_gets(last, names[i]);
    }
    if (!mine)
        zr_leave(st);
    return rc;
}

int zr_send(zr_socket_t *st, const void *data, size_t size, int flags, int timeout)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    int started = 0;
    int wflags = flags & ZMQ_DONTWAIT;
    if (!wflags) {
        long budget = zr_budget(st, ZMQ_SNDTIMEO, flags, timeout, &started);
        if (budget < 0)
            return (int)zr_leave_wait(st, ZR_ERR, flags);
        if (budget == 0)
            wflags = ZMQ_DONTWAIT;
    }
    rc = zmq_send(st->handle, data, size, (flags & ZMQ_SNDMORE) | wflags);
    if (rc >= 0)
        rc = 0;
    else if (errno == EAGAIN && !wflags)
        rc = ZR_SLICE;
    else
        rc = ZR_ERR;
    return (int)zr_leave_wait(st, rc, flags);
}

/* Send frames first..last as one message. Only its first frame can find the
   pipe full (then this waits, in slices): libzmq counts the high-water mark in
   whole messages, so the other frames never block. */
int zr_send_message(zr_socket_t *st, void **data, size_t *sizes, int first, int last,
                           int flags, int timeout, int *started)
{
    for (;;) {
        int more = first < last ? ZMQ_SNDMORE : 0;
        if (zmq_send(st->handle, data[first], sizes[first], more | ZMQ_DONTWAIT) >= 0)
            break;
        if (errno != EAGAIN || (flags & ZMQ_DONTWAIT))
            return ZR_ERR;
        int rc = zr_wait(st, ZMQ_POLLOUT, flags, timeout, started);
        if (rc)
            return rc;
    }
    for (int i = first + 1; i <= last; i++) {
        int more = i < last ? ZMQ_SNDMORE : 0;
        if (zr_send_next(st->handle, data[i], sizes[i], more) < 0)
            return ZR_ERR;
    }
    return 0;
}

/* Send a whole multipart message, or nothing. */
int zr_send_parts(zr_socket_t *st, void **data, size_t *sizes, int n, int flags, int timeout)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    int started = 0;
    rc = zr_send_message(st, data, sizes, 0, n - 1, flags, timeout, &started);
    return (int)zr_leave_wait(st, rc, flags);
}

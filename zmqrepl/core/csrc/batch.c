/* batch.c: many messages in one crossing (recv_many, send_many).

   zr_recv_batch copies the frames it drains back to back into one buffer
   that Python slices; zr_send_batch sends a list of messages and counts its
   progress, so that Python can resume it after a wait slice.
   zr_recv_batch_props also notes every message's properties. */

#include "zmqrepl.h"
#include <stdlib.h>
#include <string.h>

/* Grow a malloc'd buffer to at least need bytes, doubling; 0 on success. */
static int zr_grow(void **buf, size_t *cap, size_t need, size_t initial)
{
    if (need <= *cap)
        return 0;
    size_t size = *cap ? *cap : initial;
    while (size < need)
        size *= 2;
    void *grown = realloc(*buf, size);
    if (grown == NULL)
        return -1;
    *buf = grown;
    *cap = size;
    return 0;
}

static int zr_batch_room(zr_socket_t *st, size_t bytes, int frames, int msgs)
{
    if (zr_grow((void **)&st->batch, &st->batch_cap, bytes, 65536)
        || zr_grow((void **)&st->batch_offs, &st->batch_fcap, frames * sizeof(size_t), 8192)
        || zr_grow((void **)&st->batch_ends, &st->batch_mcap, msgs * sizeof(int), 4096))
        return -1;
    return 0;
}

/* Note the properties of message msg (just received, its last frame in
   st->msg) for each of names: one row of nnames lengths in prop_lens, and the
   values themselves in props. A message from the same connection as the one
   before usually has the same values: its row then starts with ZR_PROP_SAME
   and adds no values, so Python makes one mapping for a run of them. *full is
   the last row that holds values (-1: none yet), *full_at where they start in
   props. 0, or -1 without memory. */
static int zr_batch_props(zr_socket_t *st, int msg, const char **names, int nnames, int *full,
                          size_t *full_at)
{
    const char *values[ZR_PROP_NAMES];
    int lens[ZR_PROP_NAMES];
    size_t need = st->props_used;
    for (int k = 0; k < nnames; k++) {
        values[k] = zmq_msg_gets(&st->msg, names[k]);
        lens[k] = values[k] == NULL ? ZR_PROP_ABSENT : (int)strnlen(values[k], ZR_PROP_MAX);
        need += lens[k] > 0 ? (size_t)lens[k] : 0;
    }
    if (zr_grow((void **)&st->prop_lens, &st->prop_lcap, (size_t)(msg + 1) * nnames * sizeof(int),
                4096)
        || zr_grow((void **)&st->props, &st->props_cap, need, 4096))
        return -1;
    int *row = st->prop_lens + (size_t)msg * nnames;
    int same = *full >= 0;
    if (same) {
        const int *had = st->prop_lens + (size_t)*full * nnames;
        const char *before = st->props + *full_at;
        for (int k = 0; k < nnames && same; k++) {
            same = lens[k] == had[k] && (lens[k] <= 0 || memcmp(before, values[k], lens[k]) == 0);
            before += lens[k] > 0 ? lens[k] : 0;
        }
    }
    if (same) {
        row[0] = ZR_PROP_SAME;  /* the rest of the row is not read */
        return 0;
    }
    *full = msg;
    *full_at = st->props_used;
    for (int k = 0; k < nnames; k++) {
        row[k] = lens[k];
        if (lens[k] > 0) {
            memcpy(st->props + st->props_used, values[k], lens[k]);
            st->props_used += lens[k];
        }
    }
    return 0;
}

/* Drain up to max_msgs whole messages (stopping early past max_bytes) into
   one buffer, in one crossing. Waits (in slices) only for the first. With
   names, also notes each message's properties (zr_batch_props): inlined into
   both callers, so the plain zr_recv_batch does no work for them. */
static inline int zr_batch(zr_socket_t *st, int max_msgs, size_t max_bytes, int flags, int timeout,
                           const char **names, int nnames)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    int started = 0, msgs = 0, frames = 0;
    size_t used = 0;
    int result = 0;
    int full = -1;  /* for zr_batch_props */
    size_t full_at = 0;
    if (nnames > 0)
        st->props_used = 0;
    for (;;) {
        int wflags = ZMQ_DONTWAIT;
        if (frames == 0 && !(flags & ZMQ_DONTWAIT)) {
            /* Nothing yet: wait for the first message inside libzmq (see zr_budget). */
            long budget = zr_budget(st, ZMQ_RCVTIMEO, flags, timeout, &started);
            if (budget < 0) {
                result = ZR_ERR;
                break;
            }
            if (budget > 0)
                wflags = 0;
        }
        /* Inside a message (its first frame taken): the rest is queued. */
        int inside = frames > (msgs > 0 ? st->batch_ends[msgs - 1] : 0);
        rc = inside ? zr_recv_next(&st->msg, st->handle) : zmq_msg_recv(&st->msg, st->handle, wflags);
        if (rc < 0) {
            if (errno == EAGAIN && frames == 0 && !wflags)
                result = ZR_SLICE;
            else
                result = msgs > 0 ? msgs : ZR_ERR;
            break;
        }
        size_t size = zmq_msg_size(&st->msg);
        if (zr_batch_room(st, used + size, frames + 2, msgs + 1) < 0) {
            errno = ENOMEM;
            result = ZR_ERR;  /* the frame is lost; nothing better to do without memory */
            break;
        }
        memcpy(st->batch + used, zmq_msg_data(&st->msg), size);
        st->batch_offs[frames++] = used;
        used += size;
        if (!zmq_msg_more(&st->msg)) {
            /* Read from the last frame, the peer's own (see zr_part_props). */
            if (nnames > 0 && zr_batch_props(st, msgs, names, nnames, &full, &full_at) < 0) {
                errno = ENOMEM;
                result = ZR_ERR;
                break;
            }
            st->batch_ends[msgs++] = frames;
            if (msgs >= max_msgs || used >= max_bytes) {
                result = msgs;
                break;
            }
        }
    }
    if (result > 0 && st->batch_offs != NULL)
        st->batch_offs[frames] = used;
    st->batch_nframes = result > 0 ? frames : 0;
    st->batch_used = result > 0 ? used : 0;
    return (int)zr_leave_wait(st, result, flags);
}

int zr_recv_batch(zr_socket_t *st, int max_msgs, size_t max_bytes, int flags, int timeout)
{
    return zr_batch(st, max_msgs, max_bytes, flags, timeout, NULL, 0);
}

/* zr_recv_batch, noting each message's properties for names (at most
   ZR_PROP_NAMES of them; values cut to ZR_PROP_MAX bytes). */
int zr_recv_batch_props(zr_socket_t *st, int max_msgs, size_t max_bytes, int flags, int timeout,
                        const char **names, int nnames)
{
    if (nnames < 0 || nnames > ZR_PROP_NAMES) {
        errno = EINVAL;
        return ZR_ERR;
    }
    return zr_batch(st, max_msgs, max_bytes, flags, timeout, names, nnames);
}

/* Send several messages in one crossing. Only a message's first frame can
   find the pipe full; then this waits (in slices). st->progress counts the
   messages sent, so Python can resume after a slice or a signal. */
int zr_send_batch(zr_socket_t *st, void **data, size_t *sizes, int *ends, int nmsgs, int flags,
                  int timeout)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    int started = 0, first = 0;
    st->progress = 0;
    for (int m = 0; m < nmsgs && rc == 0; m++) {
        rc = zr_send_message(st, data, sizes, first, ends[m] - 1, flags, timeout, &started);
        if (rc == 0) {
            first = ends[m];
            st->progress = m + 1;
        }
    }
    return (int)zr_leave_wait(st, rc, flags);
}

/* forward.c: pass whole messages from one socket to another inside C.

   What a forwarder does when nobody looks at the messages (a tap that is not
   watched or recorded): each frame moves from src to dst as the same
   zmq_msg_t, so no byte is copied and no Python object is made. In a REQ/REP
   round trip through a tap this is most of what the tap adds (measured with
   bench/tap.py: a Python pass over recv_many and send_many took 15 us a hop). */

#include "zmqrepl.h"

/* Receive one whole message into src->parts without waiting: its frame count,
   0 when none is queued, ZR_ERR. */
static int zr_take_message(zr_socket_t *src)
{
    int n = 0;
    for (;;) {
        if (zr_reserve(src, n + 1) < 0) {
            errno = ENOMEM;
            return ZR_ERR;
        }
        zmq_msg_t *part = &src->parts[n];
        zmq_msg_init(part);
        if (zmq_msg_recv(part, src->handle, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(part);
            /* libzmq delivers a message whole: only the first frame can be missing. */
            return n == 0 && errno == EAGAIN ? 0 : ZR_ERR;
        }
        src->nparts = ++n;
        if (!zmq_msg_more(part))
            return n;
    }
}

/* Send the n frames in src->parts to dst as one message. 1: sent; 0: the
   first frame was refused with EAGAIN or (ZR_FORWARD_ROUTED) EHOSTUNREACH,
   nothing sent; ZR_ERR otherwise. Only the first frame can be refused for
   room: libzmq counts the high-water mark in whole messages. */
static int zr_pass_message(zr_socket_t *src, zr_socket_t *dst, int n, int flags, size_t *bytes)
{
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        zmq_msg_t *part = &src->parts[i];
        size_t size = zmq_msg_size(part);
        if (zmq_msg_send(part, dst->handle, ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0)) < 0) {
            if (i == 0 && (errno == EAGAIN || ((flags & ZR_FORWARD_ROUTED) && errno == EHOSTUNREACH)))
                return 0;
            return ZR_ERR;
        }
        total += size;  /* a frame sent is dst's now: its src->parts entry is empty */
    }
    *bytes += total;
    return 1;
}

/* Move up to max_msgs messages from src to dst without waiting. counts[0]:
   messages passed on, [1]: their bytes, [2]: messages dropped, [3]: frames of
   a message held back. A message dst refuses for room is dropped when flags
   has ZR_FORWARD_ROUTED (a ROUTER's reply to a client that is gone or full:
   holding it would hold every other client's behind it), and otherwise held:
   it stays in src->parts, the socket kept for this thread as after a ZR_HOLD
   receive, for Python to copy out (part_data, part_size) and let go with
   zr_abandon. Returns 0, or ZR_BUSY/ZR_CLOSED (*failed: 0 src, 1 dst), or
   ZR_ERR with errno (what was done so far is in counts). */
int zr_forward(zr_socket_t *src, zr_socket_t *dst, int max_msgs, int flags, long long *counts,
               int *failed)
{
    counts[0] = counts[1] = counts[2] = counts[3] = 0;
    int rc = zr_enter(src);
    if (rc) {
        *failed = 0;
        return rc;
    }
    rc = zr_enter(dst);
    if (rc) {
        zr_leave(src);
        *failed = 1;
        return rc;
    }
    zr_release_parts(src);
    size_t bytes = 0;
    int held = 0;
    for (int done = 0; done < max_msgs; done++) {
        int n = zr_take_message(src);
        if (n <= 0) {
            rc = n;
            break;
        }
        rc = zr_pass_message(src, dst, n, flags, &bytes);
        if (rc == 1) {
            counts[0]++;
        } else if (rc == 0 && (flags & ZR_FORWARD_ROUTED)) {
            counts[2]++;
        } else if (rc == 0) {
            held = n;
            break;
        } else {
            break;
        }
        zr_release_parts(src);
        rc = 0;
    }
    counts[1] = (long long)bytes;
    int saved = errno;
    zr_leave(dst);
    if (held) {
        for (int i = 0; i < held; i++) {
            src->part_data[i] = (const char *)zmq_msg_data(&src->parts[i]);
            src->part_size[i] = zmq_msg_size(&src->parts[i]);
        }
        counts[3] = held;
        errno = saved;
        return (int)zr_leave_wait(src, 0, ZR_HOLD);
    }
    if (rc < 0)
        zr_release_parts(src);  /* a message cut short by an error is not half-kept */
    errno = saved;
    zr_leave(src);
    return rc;
}

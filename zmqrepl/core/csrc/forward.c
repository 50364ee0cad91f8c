/* forward.c: pass whole messages from one socket to another inside C.

   What a forwarder does when nobody looks at the messages (a tap that is not
   watched or recorded): each frame moves from src to dst as the same
   zmq_msg_t, so no byte is copied and no Python object is made. */

#include "zmqrepl.h"
#include <stdlib.h>

#define ZR_SAVED_ON_STACK 16  /* frames of one message kept without malloc (zr_pass_message) */

/* Receive one whole message into src->parts without waiting: its frame count,
   0 when none is queued (or a signal came first: Python looks at it before
   the next call), ZR_ERR. */
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
        int rc = n == 0 ? zmq_msg_recv(part, src->handle, ZMQ_DONTWAIT) : zr_recv_next(part, src->handle);
        if (rc < 0) {
            zmq_msg_close(part);
            return n == 0 && (errno == EAGAIN || errno == EINTR) ? 0 : ZR_ERR;
        }
        src->nparts = ++n;
        if (!zmq_msg_more(part))
            return n;
    }
}

static int zr_send_frame(zmq_msg_t *part, void *handle, int more)
{
    int rc;
    do
        rc = zmq_msg_send(part, handle, ZMQ_DONTWAIT | more);
    while (rc < 0 && errno == EINTR);  /* the message is taken: never lose it to a signal */
    return rc;
}

/* Send the n frames in src->parts to dst as one message. 1: sent; 0: refused
   for room, src->parts as it was: the first frame found the pipe full
   (EAGAIN), or (ZR_FORWARD_ROUTED) no such peer (EHOSTUNREACH), or a later
   frame EAGAIN: libzmq 4.3's load balancer (DEALER, PUSH) says so when the
   pipe ends mid-message, and takes back what it had. A frame sent is dst's
   (zmq_msg_send empties it), so the frames before the last are copied first
   (a reference for large frames) to put back in that case. ZR_ERR otherwise. */
static int zr_pass_message(zr_socket_t *src, zr_socket_t *dst, int n, int flags, size_t *bytes)
{
    zmq_msg_t on_stack[ZR_SAVED_ON_STACK];
    zmq_msg_t *saved = on_stack;
    int nsaved = n - 1;
    if (nsaved > ZR_SAVED_ON_STACK) {
        saved = malloc(nsaved * sizeof(zmq_msg_t));
        if (saved == NULL) {
            errno = ENOMEM;
            return ZR_ERR;
        }
    }
    for (int i = 0; i < nsaved; i++) {
        zmq_msg_init(&saved[i]);
        zmq_msg_copy(&saved[i], &src->parts[i]);
    }
    size_t total = 0;
    int rc = 1, i;
    for (i = 0; i < n; i++) {
        zmq_msg_t *part = &src->parts[i];
        size_t size = zmq_msg_size(part);
        if (zr_send_frame(part, dst->handle, i + 1 < n ? ZMQ_SNDMORE : 0) < 0) {
            int refused = errno == EAGAIN || ((flags & ZR_FORWARD_ROUTED) && errno == EHOSTUNREACH);
            rc = refused ? 0 : ZR_ERR;
            break;
        }
        total += size;
    }
    int saved_errno = errno;
    for (int j = 0; j < nsaved; j++) {
        if (rc == 0 && j < i)
            zmq_msg_move(&src->parts[j], &saved[j]);  /* sent, then taken back: restore */
        zmq_msg_close(&saved[j]);
    }
    if (saved != on_stack)
        free(saved);
    if (rc == 1)
        *bytes += total;
    errno = saved_errno;
    return rc;
}

/* Move up to max_msgs messages from src to dst without waiting, both sockets
   taken by this thread. counts[0]: messages passed on, [1]: their bytes, [2]:
   messages dropped, [3]: frames of a message held back. A message dst refuses
   for room is dropped when flags has ZR_FORWARD_ROUTED (a ROUTER's reply to a
   client that is gone or full: holding it would hold every other client's
   behind it), and otherwise held: it stays in src->parts (part_data and
   part_size say where), and the caller keeps src for this thread
   (zr_keep_held). Returns 0, or ZR_ERR (errno) with *failed the socket at
   fault (0 src, 1 dst); counts then say what was done before it. */
int zr_forward_taken(zr_socket_t *src, zr_socket_t *dst, int max_msgs, int flags, long long *counts,
                     int *failed)
{
    counts[0] = counts[1] = counts[2] = counts[3] = 0;
    zr_release_parts(src);
    size_t bytes = 0;
    int held = 0, rc = 0;
    for (int done = 0; done < max_msgs; done++) {
        int n = zr_take_message(src);
        if (n <= 0) {
            rc = n;
            *failed = 0;
            break;
        }
        rc = zr_pass_message(src, dst, n, flags, &bytes);
        if (rc < 0) {
            *failed = 1;
            break;
        }
        if (rc == 1) {
            counts[0]++;
        } else if (flags & ZR_FORWARD_ROUTED) {
            counts[2]++;
        } else {
            held = n;
            break;
        }
        zr_release_parts(src);
        rc = 0;
    }
    counts[1] = (long long)bytes;
    if (held) {
        for (int i = 0; i < held; i++) {
            src->part_data[i] = (const char *)zmq_msg_data(&src->parts[i]);
            src->part_size[i] = zmq_msg_size(&src->parts[i]);
        }
        counts[3] = held;
        return 0;
    }
    if (rc < 0)
        zr_release_parts(src);  /* a message cut short by an error is not half-kept */
    return rc;
}

/* After zr_forward_taken held a message in src->parts: let go of src but keep
   it for this thread, as after a ZR_HOLD receive, until zr_forward_release. */
int zr_keep_held(zr_socket_t *src)
{
    return (int)zr_leave_wait(src, 0, ZR_HOLD);
}

/* zr_forward_taken on two sockets it takes for the call. Returns 0, or
   ZR_BUSY/ZR_CLOSED/ZR_ERR (errno) with *failed the socket at fault (0 src, 1
   dst). A held message is copied out by Python (part_data, part_size), which
   then lets go of it with zr_forward_release. */
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
    rc = zr_forward_taken(src, dst, max_msgs, flags, counts, failed);
    zr_leave(dst);
    if (counts[3])
        return zr_keep_held(src);
    zr_leave(src);
    return rc;
}

/* After zr_forward held a message: its frames are copied out; free them and
   let go of the socket. */
void zr_forward_release(zr_socket_t *src)
{
    if (zr_held_by_me(src)) {
        zr_release_parts(src);
        zr_abandon(src);
    }
}

/* poll_proxy.c: the calls that take several sockets at once.

   zr_poll takes every socket it polls for the length of one poll (a wait
   slice); zr_proxy takes its two or three for as long as zmq_proxy runs,
   which never returns between slices. */

#include "zmqrepl.h"
#include <sched.h>
#include <time.h>

static long long zr_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define ZR_FORWARD_BATCH 1000  /* messages one forwarding item passes on before the others' turn */

/* The items of fwd_to that are ready (only POLLIN) pass their messages on
   inside C (zr_forward_taken, to the item fwd_to[i] names), their counts added
   up in fwd_counts[4 i ...] (zr_forward's four), and their revents cleared.
   1 when every ready item was so passed on: nothing is left for Python. 0
   when one failed (it keeps its revents: its reader meets the error again) or
   held a message back (fwd_counts[4 i + 3] frames, left in src->parts): the
   poll returns, and Python takes it from there. */
static int zr_forward_ready(zr_socket_t **states, zmq_pollitem_t *items, int n, const int *fwd_to,
                            const int *fwd_flags, long long *fwd_counts)
{
    int all = 1;
    for (int i = 0; i < n; i++) {
        if (!items[i].revents)
            continue;
        long long *mine = &fwd_counts[4 * i];
        if (fwd_to[i] < 0 || items[i].revents != ZMQ_POLLIN) {
            all = 0;
            continue;
        }
        long long counts[4];
        int failed = 0;
        int rc = zr_forward_taken(states[i], states[fwd_to[i]], ZR_FORWARD_BATCH, fwd_flags[i], counts,
                                  &failed);
        mine[0] += counts[0];
        mine[1] += counts[1];
        mine[2] += counts[2];
        mine[3] = counts[3];
        if (rc < 0) {
            all = 0;  /* Python's reader meets the error again, and reports it */
            continue;
        }
        items[i].revents = 0;
        if (counts[3])
            all = 0;  /* Python takes the held message, and stops reading src */
    }
    return all;
}

/* Poll sockets whose states this thread has taken: without sleeping for up to
   spin_us, then sleeping up to what is left of timeout ms (-1: no limit). A
   forwarder's next message usually comes within a round trip of its last:
   polling for it, instead of sleeping and being woken by libzmq's io thread,
   saves the thread's wake-up on the way (tens of us on a loaded 2-core
   machine), at the cost of a core while it spins. With fwd_to, what the
   forwarding items receive is passed on here (zr_forward_ready), and the poll
   goes on, spinning respin_us again, until something else is ready or the
   timeout ends: no return to Python per message. */
static int zr_poll_taken(zr_socket_t **states, zmq_pollitem_t *items, int n, long timeout, long spin_us,
                         const int *fwd_to, const int *fwd_flags, long long *fwd_counts, long respin_us)
{
    long long now = zr_now_us();
    long long deadline = timeout < 0 ? -1 : now + (long long)timeout * 1000;
    long long spin_until = now + spin_us;
    for (;;) {
        int rc;
        if (now < spin_until && (deadline < 0 || now < deadline)) {
            rc = zmq_poll(items, n, 0);
            if (rc == 0) {
                sched_yield();
                now = zr_now_us();
                continue;
            }
        } else {
            long wait_ms = -1;
            if (deadline >= 0)
                wait_ms = deadline > now ? (long)((deadline - now + 999) / 1000) : 0;
            rc = zmq_poll(items, n, wait_ms);
        }
        if (rc <= 0 || fwd_to == NULL)
            return rc;
        if (!zr_forward_ready(states, items, n, fwd_to, fwd_flags, fwd_counts))
            return rc;
        now = zr_now_us();
        if (deadline >= 0 && now >= deadline)
            return 0;  /* everything ready was passed on: nothing for Python */
        if (respin_us > 0)
            spin_until = now + respin_us;
    }
}

/* Poll sockets and plain fds. Every socket is taken for the duration of the
   poll, so no other thread can use or close it meanwhile; between two polls
   (wait slices) they are free. *failed: the item whose socket could not be
   taken. spin_us: see zr_poll_taken (0: sleep at once). */
int zr_poll(zr_socket_t **states, zmq_pollitem_t *items, int n, long timeout, long spin_us,
            int *failed)
{
    return zr_poll_forwarding(states, items, n, timeout, spin_us, failed, NULL, NULL, NULL, 0);
}

/* zr_poll, passing on inside C what the items of fwd_to receive (see
   zr_poll_taken): fwd_to[i] is the item whose socket takes what item i's
   receives (-1: none; it must be a socket, polled for nothing if need be, so
   that it is taken like the others), fwd_flags[i] zr_forward's flags, and
   fwd_counts[4 i ...] what was done, as zr_forward's counts (set here). A
   message held back (fwd_counts[4 i + 3] frames) is left for Python as
   zr_forward leaves one: copied out, then zr_forward_release. */
int zr_poll_forwarding(zr_socket_t **states, zmq_pollitem_t *items, int n, long timeout,
                       long spin_us, int *failed, const int *fwd_to, const int *fwd_flags,
                       long long *fwd_counts, long respin_us)
{
    int i, rc = 0;
    if (fwd_counts != NULL)
        for (i = 0; i < 4 * n; i++)
            fwd_counts[i] = 0;
    for (i = 0; i < n; i++) {
        if (states[i] == NULL) {
            items[i].socket = NULL;
            continue;
        }
        rc = zr_enter(states[i]);
        if (rc) {
            *failed = i;
            break;
        }
        items[i].socket = states[i]->handle;
    }
    int held = rc ? i : n;
    if (rc == 0) {
        rc = zr_poll_taken(states, items, n, timeout, spin_us, fwd_to, fwd_flags, fwd_counts, respin_us);
        if (rc < 0)
            rc = ZR_ERR;
    }
    if (rc == 0 || (rc == ZR_ERR && errno == EINTR)) {
        /* The end of a slice with nothing ready: as in zr_leave_wait, a close
           another thread asked for meanwhile is done here. */
        for (int j = 0; j < held; j++) {
            if (states[j] != NULL && zr_claim_close(states[j])) {
                if (fwd_counts != NULL && fwd_counts[4 * j + 3]) {
                    zr_release_parts(states[j]);  /* held, and the socket goes: dropped */
                    fwd_counts[4 * j + 3] = 0;
                }
                zr_close_held(states[j], -1, 0);
                *failed = j;
                rc = ZR_CLOSED;
            }
        }
    }
    int saved = errno;
    for (int j = 0; j < held; j++) {
        if (states[j] != NULL) {
            if (fwd_counts != NULL && fwd_counts[4 * j + 3])
                zr_keep_held(states[j]);  /* until Python has copied the held message out */
            else
                zr_leave(states[j]);
        }
        items[j].socket = NULL;
    }
    errno = saved;
    return rc;
}

/* *failed: the socket (0 frontend, 1 backend, 2 capture) that could not be
   taken. While zmq_proxy runs, a close from another thread cannot be
   honoured (it never returns between slices): zr_close says ZR_BUSY. */
int zr_proxy(zr_socket_t *frontend, zr_socket_t *backend, zr_socket_t *capture, int *failed)
{
    zr_socket_t *all[3] = {frontend, backend, capture};
    int n = capture != NULL ? 3 : 2;
    int i, rc = 0;
    for (i = 0; i < n; i++) {
        rc = zr_enter(all[i]);
        if (rc) {
            *failed = i;
            break;
        }
    }
    if (rc == 0) {
        for (int j = 0; j < n; j++) {
            /* zmq_proxy blocks inside libzmq: give it back libzmq's infinite waits. */
            int forever = -1;
            zmq_setsockopt(all[j]->handle, ZMQ_RCVTIMEO, &forever, sizeof forever);
            zmq_setsockopt(all[j]->handle, ZMQ_SNDTIMEO, &forever, sizeof forever);
            all[j]->zmq_rcvtimeo = all[j]->zmq_sndtimeo = -1;
        }
        /* Only now, with this thread's own setsockopt calls done: a close from
           another thread that sees proxied sets the linger from there
           (zr_close), and libzmq's option code is not thread-safe beyond that
           atomic. Before this, such a close is told ZR_ASKED and waits. */
        for (int j = 0; j < n; j++)
            __atomic_store_n(&all[j]->proxied, 1, __ATOMIC_SEQ_CST);
        rc = zmq_proxy(frontend->handle, backend->handle,
                       capture != NULL ? capture->handle : NULL);
        rc = rc < 0 ? ZR_ERR : 0;
        int saved = errno;
        for (int j = 0; j < n; j++) {
            int running = 1;  /* 2 while zr_close sets the linger: wait for it */
            while (!__atomic_compare_exchange_n(&all[j]->proxied, &running, 0, 0,
                                                __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
                running = 1;
                sched_yield();
            }
        }
        errno = saved;
        i = n;
    }
    for (int j = 0; j < i; j++)
        zr_leave(all[j]);
    return rc;
}

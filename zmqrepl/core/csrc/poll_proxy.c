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

/* Poll without sleeping for up to spin_us, then sleep up to timeout ms (what
   is left of it). A forwarder's next message usually comes within a round
   trip of its last: polling for it, instead of sleeping and being woken by
   libzmq's io thread, saves the thread's wake-up on the way (tens of us on a
   loaded 2-core machine), at the cost of a core while it spins. */
static int zr_poll_spun(zmq_pollitem_t *items, int n, long timeout, long spin_us)
{
    if (spin_us > 0) {
        long long start = zr_now_us(), elapsed = 0;
        while (elapsed < spin_us) {
            int rc = zmq_poll(items, n, 0);
            if (rc != 0)
                return rc;
            sched_yield();
            elapsed = zr_now_us() - start;
        }
        long spent_ms = (long)((elapsed + 999) / 1000);  /* up: never sleep past the timeout */
        if (timeout >= 0)
            timeout = timeout > spent_ms ? timeout - spent_ms : 0;
    }
    return zmq_poll(items, n, timeout);
}

/* Poll sockets and plain fds. Every socket is taken for the duration of the
   poll, so no other thread can use or close it meanwhile; between two polls
   (wait slices) they are free. *failed: the item whose socket could not be
   taken. spin_us: see zr_poll_spun (0: sleep at once). */
int zr_poll(zr_socket_t **states, zmq_pollitem_t *items, int n, long timeout, long spin_us,
            int *failed)
{
    int i, rc = 0;
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
        rc = zr_poll_spun(items, n, timeout, spin_us);
        if (rc < 0)
            rc = ZR_ERR;
    }
    if (rc == 0 || (rc == ZR_ERR && errno == EINTR)) {
        /* The end of a slice with nothing ready: as in zr_leave_wait, a close
           another thread asked for meanwhile is done here. */
        for (int j = 0; j < held; j++) {
            if (states[j] != NULL && zr_claim_close(states[j])) {
                zr_close_held(states[j], -1, 0);
                *failed = j;
                rc = ZR_CLOSED;
            }
        }
    }
    int saved = errno;
    for (int j = 0; j < held; j++) {
        if (states[j] != NULL)
            zr_leave(states[j]);
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

/* guard.c: the rest of the thread guard, and the waits.

   zr_enter and zr_leave, run on every call, are inline in zmqrepl.h. Here is
   what a call that may keep the socket between wait slices does as it ends
   (zr_leave_wait, zr_hold, zr_abandon), and how a blocking call waits in
   slices of at most ZR_SLICE_MS, honouring the caller's timeout across
   resumed calls (zr_wait, zr_budget). */

#include "zmqrepl.h"
#include <time.h>

/* Keep the socket for this thread after this call returns: between wait
   slices (Python runs signal handlers, then resumes), or after a ZR_HOLD
   receive until Python has copied the frames out and calls zr_abandon.
   Another thread meanwhile gets ZR_BUSY, never a replaced frame. */
static void zr_hold(zr_socket_t *st)
{
    st->owner = pthread_self();
    __atomic_store_n(&st->held, 1, __ATOMIC_RELEASE);
}

/* The end of a call that may keep the socket for its thread (zr_hold): a
   blocking call returning to Python between wait slices (and on EINTR) so that
   signal handlers run, or a ZR_HOLD receive that succeeded. Another thread
   meanwhile gets ZR_BUSY, not a turn in the middle of someone's recv; the
   thread's own next call takes the socket back (zr_enter). */
long long zr_leave_wait(zr_socket_t *st, long long rc, int flags)
{
    if (rc == ZR_SLICE || (rc == ZR_ERR && errno == EINTR)) {
        __atomic_add_fetch(&st->slices, 1, __ATOMIC_RELAXED);
        if (zr_claim_close(st)) {
            /* Another thread's close found this call waiting (zr_close): the
               wait ends here, and the close is done by this thread. */
            zr_close_held(st, -1, 0);
            zr_leave(st);
            return ZR_CLOSED;
        }
        zr_hold(st);
        return rc;
    }
    if (rc >= 0 && (flags & ZR_HOLD)) {
        zr_hold(st);
        return rc;
    }
    zr_leave(st);
    return rc;
}

/* Let go of a socket this thread keeps (zr_hold): once the frames of a
   ZR_HOLD receive are copied out, or when Python gives up a resumable call
   (an exception between slices). */
void zr_abandon(zr_socket_t *st)
{
    if (zr_held_by_me(st)) {
        __atomic_store_n(&st->held, 0, __ATOMIC_RELAXED);
        zr_leave(st);
    }
}

static long long zr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Called when an operation would block. Waits in zmq_poll for at most one
   slice, honouring the caller's timeout (ms, -1 = none) across resumed calls.
   Returns 0 when the socket may be ready, ZR_SLICE when Python should look at
   signals and call again with ZR_RESUME, ZR_ERR with errno set otherwise. */
int zr_wait(zr_socket_t *st, short events, int flags, int timeout, int *started)
{
    long wait = ZR_SLICE_MS;
    if (timeout >= 0) {
        long long now = zr_now_ms();
        if (!*started && !(flags & ZR_RESUME))
            st->deadline = now + timeout;
        *started = 1;
        long long left = st->deadline - now;
        if (left <= 0) {
            errno = EAGAIN;
            return ZR_ERR;
        }
        if (left < wait)
            wait = (long)left;
    }
    zmq_pollitem_t item;
    item.socket = st->handle;
    item.fd = 0;
    item.events = events;
    item.revents = 0;
    int rc = zmq_poll(&item, 1, wait);
    if (rc < 0)
        return ZR_ERR;
    if (rc == 0)
        return ZR_SLICE;
    return 0;
}

/* How long the next blocking libzmq call may wait (ms): one slice at most, and
   no later than the caller's deadline. 0: try once without waiting; -1: the
   deadline has passed (errno EAGAIN). The budget is set as libzmq's own
   RCVTIMEO/SNDTIMEO, so the wait happens inside libzmq's recv/send, exactly as
   a plain blocking call would, and EINTR still comes back to Python. */
long zr_budget(zr_socket_t *st, int option, int flags, int timeout, int *started)
{
    long budget = ZR_SLICE_MS;
    if (timeout >= 0) {
        long long now = zr_now_ms();
        int first = !*started && !(flags & ZR_RESUME);
        if (first)
            st->deadline = now + timeout;
        *started = 1;
        long long left = st->deadline - now;
        if (left <= 0) {
            errno = EAGAIN;
            return first ? 0 : -1;
        }
        if (left < budget)
            budget = (long)left;
    }
    int *current = option == ZMQ_RCVTIMEO ? &st->zmq_rcvtimeo : &st->zmq_sndtimeo;
    if (*current != (int)budget) {
        int value = (int)budget;
        zmq_setsockopt(st->handle, option, &value, sizeof value);
        *current = value;
    }
    return budget;
}

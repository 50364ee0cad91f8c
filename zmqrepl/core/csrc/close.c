/* close.c: closing a socket from any thread.

   A close can find the socket in use by a call waiting in another thread, or
   inside zmq_proxy; it then leaves its wishes (close_asked and the linger) in
   the state, and whichever thread does the final zmq_close honours them
   (zr_close_held). zr_claim_close is how the thread holding the socket takes
   such a close on; the guard (zmqrepl.h, guard.c) and zr_poll call it. */

#include "zmqrepl.h"
#include <sched.h>
#include <time.h>

/* For tests only: zr_close_held keeps a socket this many ms before closing
   it, with zr_close_pausing set, so that a test can make another thread's
   call meet a close under way every time instead of once in a while. */
int zr_close_pause_ms = 0;
int zr_close_pausing = 0;

/* Asking for a close, withdrawing it and taking it on change close_asked and
   the linger wishes together, from different threads: under this lock, held
   for a few loads and stores only (never around a libzmq call). */
static void zr_close_lock(zr_socket_t *st)
{
    while (__atomic_exchange_n(&st->close_lock, 1, __ATOMIC_ACQUIRE))
        sched_yield();
}

static void zr_close_unlock(zr_socket_t *st)
{
    __atomic_store_n(&st->close_lock, 0, __ATOMIC_RELEASE);
}

/* The thread holding the socket takes on a close asked for by another one:
   1 if it must close it now. From here a withdrawal no longer resets the
   linger that this close is about to apply (zr_close_withdraw). */
int zr_claim_close(zr_socket_t *st)
{
    zr_close_lock(st);
    int asked = __atomic_load_n(&st->close_asked, __ATOMIC_SEQ_CST) == 1;
    if (asked)
        __atomic_store_n(&st->close_asked, 2, __ATOMIC_SEQ_CST);
    zr_close_unlock(st);
    return asked;
}

/* Close a socket this thread holds, honouring the linger a close asked for
   (and the smaller of cap and any cap asked for, when cap >= 0). With
   stop_monitor, its monitor is stopped first: that sends a last event, which
   libzmq waits for ever to deliver if the monitor's PAIR socket is gone, so
   only a caller that knows the PAIR is open asks for it. Closing without it
   is safe: libzmq then drops the monitor without an event. */
int zr_close_held(zr_socket_t *st, int cap, int stop_monitor)
{
    void *handle = st->handle;
    int linger = __atomic_load_n(&st->close_linger, __ATOMIC_SEQ_CST);
    int asked_cap = __atomic_load_n(&st->close_cap, __ATOMIC_SEQ_CST);
    if (asked_cap >= 0 && (cap < 0 || asked_cap < cap))
        cap = asked_cap;
    if (linger == ZR_NO_LINGER && cap >= 0) {
        size_t size = sizeof linger;
        if (zmq_getsockopt(handle, ZMQ_LINGER, &linger, &size) < 0)
            linger = -1;
    }
    if (cap >= 0 && (linger < 0 || linger > cap))
        linger = cap;
    if (linger != ZR_NO_LINGER)
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, sizeof linger);
    if (stop_monitor)
        zmq_socket_monitor(handle, NULL, 0);
    int pause_ms = __atomic_load_n(&zr_close_pause_ms, __ATOMIC_SEQ_CST);
    if (pause_ms > 0) {
        struct timespec pause = {pause_ms / 1000, (long)(pause_ms % 1000) * 1000000L};
        __atomic_store_n(&zr_close_pausing, 1, __ATOMIC_SEQ_CST);
        nanosleep(&pause, NULL);
        __atomic_store_n(&zr_close_pausing, 0, __ATOMIC_SEQ_CST);
    }
    int rc = zmq_close(handle);
    __atomic_store_n(&st->handle, NULL, __ATOMIC_SEQ_CST);
    zmq_msg_close(&st->msg);
    zmq_msg_init(&st->msg);
    zr_release_parts(st);
    return rc < 0 ? ZR_ERR : 0;
}

/* Note the linger a close asks for (how: ZR_LINGER_*), under close_lock. */
static void zr_record_linger(zr_socket_t *st, int how, int linger)
{
    if (how == ZR_LINGER_SET) {
        __atomic_store_n(&st->close_linger, linger < -1 ? -1 : linger, __ATOMIC_SEQ_CST);
    } else if (how == ZR_LINGER_CAP && linger >= 0) {
        int old = __atomic_load_n(&st->close_cap, __ATOMIC_SEQ_CST);
        if (old < 0 || linger < old)
            __atomic_store_n(&st->close_cap, linger, __ATOMIC_SEQ_CST);
    }
}

/* Close the socket, from any thread. how says what linger to use
   (ZR_LINGER_*); it is noted in the state first, so that whichever thread
   does the final zmq_close uses it: this one, a call waiting in another
   thread (asked to close at its next wait slice: ZR_ASKED), or the thread
   that term() wakes with ETERM. 0 once closed (closing twice is harmless);
   ZR_BUSY when another thread is inside a call that does not come back
   between slices (zmq_proxy). A ZR_ASKED close that Python gives up on is
   withdrawn (zr_close_withdraw), and its linger with it. */
int zr_close(zr_socket_t *st, int how, int linger)
{
    int stop_monitor = how & ZR_STOP_MONITOR;
    how &= ~ZR_STOP_MONITOR;
    zr_close_lock(st);
    zr_record_linger(st, how, linger);
    /* Before taking the socket: a thread that finds it taken by this close
       then knows it is being closed (Python waits and reports it closed). */
    if (__atomic_load_n(&st->close_asked, __ATOMIC_SEQ_CST) != 2)
        __atomic_store_n(&st->close_asked, 1, __ATOMIC_SEQ_CST);
    zr_close_unlock(st);
    int rc = zr_enter(st);
    if (rc == ZR_CLOSED)
        return 0;
    if (rc == ZR_BUSY) {
        int running = 1;
        if (!__atomic_compare_exchange_n(&st->proxied, &running, 2, 0, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST))
            return ZR_ASKED;
        /* zmq_proxy never comes back between slices, so its thread cannot
           apply the linger before term() wakes it (after which libzmq refuses
           every option). libzmq keeps a socket's linger in an atomic, because
           its reaper thread reads it; so set only that option from here. It
           meets only zmq_proxy's loop, which sets no option: zr_proxy sets
           proxied after its own setsockopt calls. proxied == 2 keeps zr_proxy
           from letting go of the socket meanwhile.
           The linger (and a cap) stay noted although the close is refused,
           unlike a withdrawn one: destroy() counts on this linger for the
           close after ETERM, when no option can be set, and the one just set
           in libzmq cannot be taken back anyway. A cap (the exit clean-up's)
           stays for whoever closes the socket last. */
        if (how == ZR_LINGER_SET)
            zmq_setsockopt(st->handle, ZMQ_LINGER, &linger, sizeof linger);
        __atomic_store_n(&st->proxied, 1, __ATOMIC_SEQ_CST);
        zr_close_lock(st);
        if (__atomic_load_n(&st->close_asked, __ATOMIC_SEQ_CST) == 1)
            __atomic_store_n(&st->close_asked, 0, __ATOMIC_SEQ_CST);
        zr_close_unlock(st);
        return ZR_BUSY;
    }
    /* Taken: note the linger again, as a withdrawal by another closing
       thread may have reset it since (close_asked == 2 stops the next one). */
    zr_close_lock(st);
    zr_record_linger(st, how, linger);
    __atomic_store_n(&st->close_asked, 2, __ATOMIC_SEQ_CST);
    zr_close_unlock(st);
    rc = zr_close_held(st, -1, stop_monitor);
    zr_leave(st);
    return rc;
}

/* A close that waited in vain for a call in another thread to end: withdraw
   the request, and the linger or cap it noted, so that a later close uses
   its own linger or the socket's (ZR_NO_LINGER and -1, as zr_socket_new
   sets them). Only while close_asked is 1: at 2 the thread holding the
   socket has taken the close on (zr_claim_close) and may be applying that
   linger right now, so it is left alone, and the socket counts as closed.
   1 if the socket got closed (or is being closed) anyway. */
int zr_close_withdraw(zr_socket_t *st)
{
    zr_close_lock(st);
    int closing = __atomic_load_n(&st->close_asked, __ATOMIC_SEQ_CST) == 2;
    if (!closing) {
        __atomic_store_n(&st->close_asked, 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(&st->close_linger, ZR_NO_LINGER, __ATOMIC_SEQ_CST);
        __atomic_store_n(&st->close_cap, -1, __ATOMIC_SEQ_CST);
    }
    zr_close_unlock(st);
    if (closing) {
        /* zr_close_held is short (it never waits for the linger): wait for it. */
        while (__atomic_load_n(&st->handle, __ATOMIC_SEQ_CST) != NULL)
            sched_yield();
        return 1;
    }
    return __atomic_load_n(&st->handle, __ATOMIC_SEQ_CST) == NULL;
}

/* zmqrepl.core's C helpers, compiled by cffi (see _build.py).

   Every libzmq call on a socket goes through one of these helpers, which take
   the socket for the calling thread with an atomic flag (zr_enter), so that a
   closed socket or one in use by another thread is refused before libzmq is
   touched. They never create Python objects: cffi releases the GIL around
   every call. Each per-message operation is one crossing from Python. */

#include <zmq.h>
#include <errno.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#ifndef EFSM
#define EFSM (ZMQ_HAUSNUMERO + 51)
#endif

#define ZR_ERR -1     /* libzmq failed: errno says why */
#define ZR_BUSY -2    /* another thread is inside libzmq on this socket */
#define ZR_CLOSED -3  /* the socket is closed (or inherited through fork) */
#define ZR_SLICE -4   /* a bounded wait elapsed: Python runs signal handlers, then resumes */
#define ZR_ASKED -5   /* zr_close: in use by a waiting call, which closes it at its next slice */
#define ZR_RESUME 0x100  /* flag: continue a wait begun earlier, keeping its deadline */
#define ZR_HOLD 0x200    /* flag: on success keep the socket for this thread (zr_hold) */
/* Longest time spent in C before Python looks at pending signals. A signal that
   lands just before a wait starts is seen after one slice, so this bounds how
   late Ctrl-C can be (the target is 100 ms). */
#define ZR_SLICE_MS 50
#define ZR_GC_LINGER_MS 1000  /* linger cap for sockets closed by the garbage collector */
/* How zr_close treats the linger it is given. */
#define ZR_LINGER_KEEP 0  /* the socket's own (or one asked for by an earlier close) */
#define ZR_LINGER_SET 1   /* this many ms, whoever ends up closing the socket */
#define ZR_LINGER_CAP 2   /* at most this many ms */
#define ZR_NO_LINGER -2   /* close_linger: no close asked for a linger */
#define ZR_STOP_MONITOR 0x10  /* flag to zr_close: stop the socket's monitor first (see there) */

typedef struct {
    void *handle;
    const char *data;  /* data of the last frame received into msg */
    int more;          /* its more flag */
    const char **part_data;  /* frames of the last zr_recv_parts */
    size_t *part_size;
    int busy;          /* atomic guard: libzmq sockets are not thread-safe */
    long long deadline;  /* monotonic ms when the current timed wait gives up */
    zmq_msg_t msg;     /* one reusable message per socket: no per-call allocation */
    uintptr_t box;     /* the socket's Python list that zr_hot_recv hands frames over in (_hot.c) */
    int wait_first;    /* zr_hot_recv calls left that go straight to waiting (_hot.c) */
    int rcvtimeo;      /* the user's ZMQ_RCVTIMEO / ZMQ_SNDTIMEO: kept here, never */
    int sndtimeo;      /* given to libzmq (see zr_budget) */
    int zmq_rcvtimeo;  /* what libzmq has now: the wait budget of the last blocking call */
    int zmq_sndtimeo;
    zmq_msg_t *parts;  /* reusable messages for multipart receives */
    int nparts;        /* initialised entries of parts */
    int cap;
    char *batch;       /* frames of the last zr_recv_batch, back to back */
    size_t batch_used;
    size_t batch_cap;
    size_t *batch_offs;  /* frame i is batch[offs[i]:offs[i+1]] */
    int *batch_ends;     /* message j ends before frame ends[j] */
    int batch_nframes;
    size_t batch_fcap;   /* capacities of batch_offs and batch_ends, in bytes */
    size_t batch_mcap;
    int progress;      /* messages sent by the last zr_send_batch */
    int held;          /* a blocking call returned between wait slices, keeping the socket */
    pthread_t owner;   /* the thread that keeps it */
    /* Closing. A close that finds the socket in use cannot touch libzmq; it
       leaves its wishes here, and whichever thread does the final zmq_close
       honours them (zr_close_held). Written without holding the socket, so
       only with atomics, and under close_lock. */
    int close_asked;   /* 1: a close is asked for, a waiting call closes at its next slice;
                          2: a thread holding the socket is closing it (or has) */
    int close_lock;    /* spin lock over close_asked, close_linger and close_cap (zr_close_lock) */
    int close_linger;  /* the linger that close asked for (ZR_LINGER_SET), or ZR_NO_LINGER */
    int close_cap;     /* the smallest linger cap asked for (ZR_LINGER_CAP), or -1 */
    int proxied;       /* inside zmq_proxy, which never returns between slices */
    int slices;        /* wait slices ended so far: a call that has ended one is waiting,
                          and keeps the socket until it returns (read by tests) */
} zr_socket_t;

/* For tests only: zr_close_held keeps a socket this many ms before closing
   it, with zr_close_pausing set, so that a test can make another thread's
   call meet a close under way every time instead of once in a while. */
int zr_close_pause_ms = 0;
int zr_close_pausing = 0;

static int zr_close_held(zr_socket_t *st, int cap, int stop_monitor);

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
static int zr_claim_close(zr_socket_t *st)
{
    zr_close_lock(st);
    int asked = __atomic_load_n(&st->close_asked, __ATOMIC_SEQ_CST) == 1;
    if (asked)
        __atomic_store_n(&st->close_asked, 2, __ATOMIC_SEQ_CST);
    zr_close_unlock(st);
    return asked;
}

/* Whether this thread kept the socket after an earlier call (zr_hold). The
   acquire load pairs with zr_hold's release store: owner is read as it was
   written before held. */
static int zr_held_by_me(zr_socket_t *st)
{
    return __atomic_load_n(&st->held, __ATOMIC_ACQUIRE) && pthread_equal(st->owner, pthread_self());
}

/* Keep the socket for this thread after this call returns: between wait
   slices (Python runs signal handlers, then resumes), or after a ZR_HOLD
   receive until Python has copied the frames out and calls zr_abandon.
   Another thread meanwhile gets ZR_BUSY, never a replaced frame. */
static void zr_hold(zr_socket_t *st)
{
    st->owner = pthread_self();
    __atomic_store_n(&st->held, 1, __ATOMIC_RELEASE);
}

/* Take the socket for this thread, or say why not. The exchange is atomic and
   a full barrier, which is also what libzmq asks for when a socket migrates.
   A socket this thread still keeps from an earlier call is taken over: that
   call is over (a thread makes one call at a time) and was given up without
   letting go, as when an exception lands between C and Python's clean-up. */
static int zr_enter(zr_socket_t *st)
{
    if (__atomic_exchange_n(&st->busy, 1, __ATOMIC_ACQ_REL)) {
        if (!zr_held_by_me(st))
            return ZR_BUSY;
        __atomic_store_n(&st->held, 0, __ATOMIC_RELAXED);
        if (st->handle != NULL && zr_claim_close(st)) {
            /* Coming back to a socket kept between wait slices, to find that
               another thread asked to close it meanwhile: close it now. */
            zr_close_held(st, -1, 0);
            __atomic_store_n(&st->busy, 0, __ATOMIC_RELEASE);
            return ZR_CLOSED;
        }
    }
    if (st->handle == NULL) {
        __atomic_store_n(&st->busy, 0, __ATOMIC_RELEASE);
        return ZR_CLOSED;
    }
    return 0;
}

static void zr_leave(zr_socket_t *st)
{
    int saved = errno;
    __atomic_store_n(&st->busy, 0, __ATOMIC_RELEASE);
    errno = saved;
}

/* The end of a call that may keep the socket for its thread (zr_hold): a
   blocking call returning to Python between wait slices (and on EINTR) so that
   signal handlers run, or a ZR_HOLD receive that succeeded. Another thread
   meanwhile gets ZR_BUSY, not a turn in the middle of someone's recv; the
   thread's own next call takes the socket back (zr_enter). */
static long long zr_leave_wait(zr_socket_t *st, long long rc, int flags)
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

/* Python gives up a resumable call (an exception between slices): let go. */
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

static void zr_release_parts(zr_socket_t *st)
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

/* Close a socket this thread holds, honouring the linger a close asked for
   (and the smaller of cap and any cap asked for, when cap >= 0). With
   stop_monitor, its monitor is stopped first: that sends a last event, which
   libzmq waits for ever to deliver if the monitor's PAIR socket is gone, so
   only a caller that knows the PAIR is open asks for it. Closing without it
   is safe: libzmq then drops the monitor without an event. */
static int zr_close_held(zr_socket_t *st, int cap, int stop_monitor)
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

int zr_endpoint(zr_socket_t *st, int op, const char *endpoint)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    switch (op) {
    case 0: rc = zmq_bind(st->handle, endpoint); break;
    case 1: rc = zmq_connect(st->handle, endpoint); break;
    case 2: rc = zmq_unbind(st->handle, endpoint); break;
    default: rc = zmq_disconnect(st->handle, endpoint); break;
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

/* Called when an operation would block. Waits in zmq_poll for at most one
   slice, honouring the caller's timeout (ms, -1 = none) across resumed calls.
   Returns 0 when the socket may be ready, ZR_SLICE when Python should look at
   signals and call again with ZR_RESUME, ZR_ERR with errno set otherwise. */
static int zr_wait(zr_socket_t *st, short events, int flags, int timeout, int *started)
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
static long zr_budget(zr_socket_t *st, int option, int flags, int timeout, int *started)
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

/* Note the frame just received into st->msg: its data, size and more flag.
   Returns the size. */
static long long zr_took_frame(zr_socket_t *st)
{
    st->data = (const char *)zmq_msg_data(&st->msg);
    st->more = zmq_msg_more(&st->msg);
    return (long long)zmq_msg_size(&st->msg);
}

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

static int zr_reserve(zr_socket_t *st, int n)
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
        rc = zmq_msg_recv(part, st->handle, ZMQ_DONTWAIT);
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
static int zr_send_message(zr_socket_t *st, void **data, size_t *sizes, int first, int last,
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
        if (zmq_send(st->handle, data[i], sizes[i], more | ZMQ_DONTWAIT) < 0)
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

/* Drain up to max_msgs whole messages (stopping early past max_bytes) into
   one buffer, in one crossing. Waits (in slices) only for the first. */
int zr_recv_batch(zr_socket_t *st, int max_msgs, size_t max_bytes, int flags, int timeout)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    int started = 0, msgs = 0, frames = 0;
    size_t used = 0;
    int result = 0;
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
        rc = zmq_msg_recv(&st->msg, st->handle, wflags);
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

/* Zero-copy sends: libzmq calls zr_release from its I/O thread when it is done
   with a buffer. It must not touch Python, so it only records the buffer's
   token; Python drops its reference when it next collects the tokens. */
static pthread_mutex_t zr_release_lock = PTHREAD_MUTEX_INITIALIZER;
static long long *zr_release_tokens = NULL;
static int zr_release_count = 0;
static int zr_release_cap = 0;

static void zr_release(void *data, void *hint)
{
    (void)data;
    pthread_mutex_lock(&zr_release_lock);
    if (zr_release_count == zr_release_cap) {
        int cap = zr_release_cap ? zr_release_cap * 2 : 64;
        long long *t = realloc(zr_release_tokens, cap * sizeof(long long));
        if (t == NULL) {
            pthread_mutex_unlock(&zr_release_lock);
            return;  /* the buffer stays referenced: a leak, never a crash */
        }
        zr_release_tokens = t;
        zr_release_cap = cap;
    }
    zr_release_tokens[zr_release_count++] = (long long)(intptr_t)hint;
    pthread_mutex_unlock(&zr_release_lock);
}

int zr_released(long long *tokens, int max)
{
    pthread_mutex_lock(&zr_release_lock);
    int n = zr_release_count < max ? zr_release_count : max;
    memcpy(tokens, zr_release_tokens + (zr_release_count - n), n * sizeof(long long));
    zr_release_count -= n;
    pthread_mutex_unlock(&zr_release_lock);
    return n;
}

int zr_send_zerocopy(zr_socket_t *st, void *data, size_t size, long long token, int flags,
                     int timeout)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    int started = 0;
    zmq_msg_t msg;
    for (;;) {
        zmq_msg_init_data(&msg, data, size, zr_release, (void *)(intptr_t)token);
        rc = zmq_msg_send(&msg, st->handle, (flags & ZMQ_SNDMORE) | ZMQ_DONTWAIT);
        if (rc >= 0) {
            rc = 0;
            break;
        }
        int err = errno;
        zmq_msg_close(&msg);  /* libzmq did not take it: this releases the token now */
        errno = err;
        if (errno != EAGAIN || (flags & ZMQ_DONTWAIT)) {
            rc = ZR_ERR;
            break;
        }
        rc = zr_wait(st, ZMQ_POLLOUT, flags, timeout, &started);
        if (rc)
            break;
    }
    return (int)zr_leave_wait(st, rc, flags);
}

/* Poll sockets and plain fds. Every socket is taken for the duration of the
   poll, so no other thread can use or close it meanwhile; between two polls
   (wait slices) they are free. *failed: the item whose socket could not be
   taken. */
int zr_poll(zr_socket_t **states, zmq_pollitem_t *items, int n, long timeout, int *failed)
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
        rc = zmq_poll(items, n, timeout);
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

int zr_monitor(zr_socket_t *st, const char *endpoint, int events)
{
    int rc = zr_enter(st);
    if (rc)
        return rc;
    rc = zmq_socket_monitor(st->handle, endpoint, events);
    zr_leave(st);
    return rc < 0 ? ZR_ERR : 0;
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

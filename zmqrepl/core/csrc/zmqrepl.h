/* zmqrepl.h: what the C helpers of zmqrepl.core share. Every .c file here
   includes it, and so does the module cffi generates (see _build.py): the
   socket state, the codes and flags the helpers return and take, every
   function one file calls in another, and the thread guard's fast path.

   Every libzmq call on a socket goes through one of these helpers, which take
   the socket for the calling thread with an atomic flag (zr_enter), so that a
   closed socket or one in use by another thread is refused before libzmq is
   touched. They never create Python objects: cffi releases the GIL around
   every call (all but the zr_hot_* helpers of hot.c). Each per-message
   operation is one crossing from Python.

   The guard's fast path (zr_enter, zr_leave, zr_held_by_me) and zr_took_frame
   are static inline here, not in guard.c: recv() and send() (hot.c) run them
   once per message, and in another translation unit they would cost a call
   each instead of being inlined, as they were when all of this was one file. */

#ifndef ZMQREPL_H
#define ZMQREPL_H

#include <zmq.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

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
/* Message properties (zmq_msg_gets). libzmq's own values are short (a socket
   type, an address, a routing id of at most 255 bytes); a ZAP handler can
   attach any length, so values are cut to this many bytes. */
#define ZR_PROP_MAX 1024
#define ZR_PROP_NAMES 32   /* most property names one receive may ask for */
#define ZR_PROP_ABSENT -1  /* zr_recv_batch_props: the message has no such property */
#define ZR_PROP_SAME -2    /* first length of a message's row: same values as the message before */

typedef struct {
    void *handle;
    const char *data;  /* data of the last frame received into msg */
    int more;          /* its more flag */
    const char **part_data;  /* frames of the last zr_recv_parts */
    size_t *part_size;
    int busy;          /* atomic guard: libzmq sockets are not thread-safe */
    long long deadline;  /* monotonic ms when the current timed wait gives up */
    zmq_msg_t msg;     /* one reusable message per socket: no per-call allocation */
    uintptr_t box;     /* the socket's Python list that zr_hot_recv hands frames over in (hot.c) */
    int wait_first;    /* zr_hot_recv calls left that go straight to waiting (hot.c) */
    int rcvtimeo;      /* the user's ZMQ_RCVTIMEO / ZMQ_SNDTIMEO: kept here, never */
    int sndtimeo;      /* given to libzmq (see zr_budget) */
    int zmq_rcvtimeo;  /* what libzmq has now: the wait budget of the last blocking call */
    int zmq_sndtimeo;
    zmq_msg_t *parts;  /* reusable messages for multipart receives */
    int nparts;        /* initialised entries of parts */
    int cap;           /* entries allocated in parts, part_data and part_size */
    char *batch;       /* frames of the last zr_recv_batch, back to back */
    size_t batch_used;
    size_t batch_cap;
    size_t *batch_offs;  /* frame i is batch[offs[i]:offs[i+1]] */
    int *batch_ends;     /* message j ends before frame ends[j] */
    int batch_nframes;
    size_t batch_fcap;   /* capacities of batch_offs and batch_ends, in bytes */
    size_t batch_mcap;
    char *props;       /* property values of the last zr_recv_batch_props, back to back */
    size_t props_used;
    size_t props_cap;
    int *prop_lens;    /* per message, per name asked: value length, ZR_PROP_ABSENT or _SAME */
    size_t prop_lcap;  /* capacity of prop_lens, in bytes */
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

/* zr_endpoint's op: which of libzmq's four endpoint calls to make. */
enum zr_endpoint_op { ZR_BIND, ZR_CONNECT, ZR_UNBIND, ZR_DISCONNECT };

/* Marks the functions that one file here calls in another, and Python never
   does. They were static when the helpers were one file; hidden keeps them out
   of the extension's exported symbols, which stay the zr_* that the CDEF in
   _build.py declares. */
#define ZR_INTERNAL __attribute__((visibility("hidden")))

/* close.c */
extern int zr_close_pause_ms;  /* tests only (see close.c) */
extern int zr_close_pausing;
ZR_INTERNAL int zr_claim_close(zr_socket_t *st);
ZR_INTERNAL int zr_close_held(zr_socket_t *st, int cap, int stop_monitor);
int zr_close(zr_socket_t *st, int how, int linger);
int zr_close_withdraw(zr_socket_t *st);

/* guard.c */
ZR_INTERNAL long long zr_leave_wait(zr_socket_t *st, long long rc, int flags);
ZR_INTERNAL int zr_wait(zr_socket_t *st, short events, int flags, int timeout, int *started);
ZR_INTERNAL long zr_budget(zr_socket_t *st, int option, int flags, int timeout, int *started);
void zr_abandon(zr_socket_t *st);

/* socket.c */
ZR_INTERNAL void zr_release_parts(zr_socket_t *st);
zr_socket_t *zr_socket_new(void *context, int type);
void zr_socket_free(zr_socket_t *st);
void zr_socket_forget(zr_socket_t *st);
int zr_endpoint(zr_socket_t *st, int op, const char *endpoint);
int zr_setsockopt(zr_socket_t *st, int option, const void *value, size_t size);
int zr_getsockopt(zr_socket_t *st, int option, void *value, size_t *size);
int zr_monitor(zr_socket_t *st, const char *endpoint, int events);

/* messaging.c */
ZR_INTERNAL int zr_reserve(zr_socket_t *st, int n);
ZR_INTERNAL int zr_send_message(zr_socket_t *st, void **data, size_t *sizes, int first, int last,
                                int flags, int timeout, int *started);
long long zr_recv(zr_socket_t *st, int flags, int timeout);
int zr_recv_parts(zr_socket_t *st, int flags, int timeout);
int zr_take_part(zr_socket_t *st, int index, zmq_msg_t *dest);
int zr_part_props(zr_socket_t *st, const char **names, int n, const char **values);
int zr_send(zr_socket_t *st, const void *data, size_t size, int flags, int timeout);
int zr_send_parts(zr_socket_t *st, void **data, size_t *sizes, int n, int flags, int timeout);

/* batch.c */
int zr_recv_batch(zr_socket_t *st, int max_msgs, size_t max_bytes, int flags, int timeout);
int zr_recv_batch_props(zr_socket_t *st, int max_msgs, size_t max_bytes, int flags, int timeout,
                        const char **names, int nnames);
int zr_send_batch(zr_socket_t *st, void **data, size_t *sizes, int *ends, int nmsgs, int flags,
                  int timeout);

/* zerocopy.c */
int zr_send_zerocopy(zr_socket_t *st, void *data, size_t size, long long token, int flags,
                     int timeout);
int zr_released(long long *tokens, int max);

/* plain.c (built only without hot.c: PyPy) */
typedef struct {
    const char *data;  /* the frame, in the receiving thread's own buffer */
    long long size;    /* its size, or a ZR_* code */
} zr_frame_t;
zr_frame_t *zr_recv_copy(zr_socket_t *st, int flags, int timeout);

/* forward.c */
#define ZR_FORWARD_ROUTED 1  /* zr_forward: dst is a ROUTER: drop what it refuses, never hold */
int zr_forward(zr_socket_t *src, zr_socket_t *dst, int max_msgs, int flags, long long *counts,
               int *failed);
int zr_forward_taken(zr_socket_t *src, zr_socket_t *dst, int max_msgs, int flags, long long *counts,
                     int *failed);
int zr_keep_held(zr_socket_t *src);
void zr_forward_release(zr_socket_t *src);

/* poll_proxy.c */
int zr_poll(zr_socket_t **states, zmq_pollitem_t *items, int n, long timeout, long spin_us,
            int *failed);
int zr_poll_forwarding(zr_socket_t **states, zmq_pollitem_t *items, int n, long timeout,
                       long spin_us, int *failed, const int *fwd_to, const int *fwd_flags,
                       long long *fwd_counts, long respin_us);
int zr_proxy(zr_socket_t *frontend, zr_socket_t *backend, zr_socket_t *capture, int *failed);

/* The guard's fast path (see the top of this file). */

/* Whether this thread kept the socket after an earlier call (zr_hold). The
   acquire load pairs with zr_hold's release store: owner is read as it was
   written before held. */
static inline int zr_held_by_me(zr_socket_t *st)
{
    return __atomic_load_n(&st->held, __ATOMIC_ACQUIRE) && pthread_equal(st->owner, pthread_self());
}

/* Take the socket for this thread, or say why not. The exchange is atomic and
   a full barrier, which is also what libzmq asks for when a socket migrates.
   A socket this thread still keeps from an earlier call is taken over: that
   call is over (a thread makes one call at a time) and was given up without
   letting go, as when an exception lands between C and Python's clean-up. */
static inline int zr_enter(zr_socket_t *st)
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

/* Let go of the socket, keeping errno for the caller to report. */
static inline void zr_leave(zr_socket_t *st)
{
    int saved = errno;
    __atomic_store_n(&st->busy, 0, __ATOMIC_RELEASE);
    errno = saved;
}

/* A frame after a message's first. It is already queued (libzmq delivers a
   message whole, and counts the high-water mark in whole messages), so
   ZMQ_DONTWAIT never waits; but libzmq can still fail the call with EINTR
   when a signal lands in its command poll, and a message must never be cut
   there: the rest would read as a new message, or a send would go out short.
   So these retry EINTR at once; Python sees the signal at the next call. */
static inline int zr_recv_next(zmq_msg_t *msg, void *handle)
{
    int rc;
    do
        rc = zmq_msg_recv(msg, handle, ZMQ_DONTWAIT);
    while (rc < 0 && errno == EINTR);
    return rc;
}

static inline int zr_send_next(void *handle, const void *data, size_t size, int more)
{
    int rc;
    do
        rc = zmq_send(handle, data, size, more | ZMQ_DONTWAIT);
    while (rc < 0 && errno == EINTR);
    return rc;
}

/* Note the frame just received into st->msg: its data, size and more flag.
   Returns the size. */
static inline long long zr_took_frame(zr_socket_t *st)
{
    st->data = (const char *)zmq_msg_data(&st->msg);
    st->more = zmq_msg_more(&st->msg);
    return (long long)zmq_msg_size(&st->msg);
}

#endif

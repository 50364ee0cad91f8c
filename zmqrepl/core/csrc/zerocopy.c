/* zerocopy.c: sends whose buffer libzmq keeps until it is done with it.

   The registry of released buffers is process-wide: libzmq's I/O thread adds
   tokens to it, and Python collects them (zr_released). */

#include "zmqrepl.h"
#include <stdlib.h>
#include <string.h>

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

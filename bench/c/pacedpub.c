/* pacedpub: the paced publisher of `python -m bench.ingest`, built against the system libzmq.
 *
 *   pacedpub RATE SECONDS SIZE [SNDHWM]
 *
 * Binds an XPUB (libzmq's default HWMs, or SNDHWM if given) on tcp://127.0.0.1, a port
 * the OS picks, and prints "ready ENDPOINT". It waits for one subscription (so the
 * stream is not sent to nobody while the subscriber joins), then sends SIZE-byte
 * messages at RATE msg/s for SECONDS: each one starts with its sequence number in ASCII
 * decimal, zero-padded, so a shell shows it as text. Pacing is checked every 64 messages
 * against the clock, so a late start is caught up at once and the rate holds over the
 * whole run. What the HWM drops is lost: a PUB never waits. Then it prints "sent N
 * SECONDS DROPPED WORST" and exits; receivers tell the end by a second of silence.
 *
 * DROPPED is how many of the N the publisher itself dropped (its pipe looked full), WORST
 * the most it dropped in any 10 ms of the run: so what a receiver did not get splits into
 * what never left the publisher and what was lost after. ZMQ_XPUB_NODROP makes a send
 * that the HWM would drop fail with EAGAIN (ZMQ_DONTWAIT: it never waits), under the
 * same HWM check as a plain drop: counting costs a clock read per dropped send and
 * changes nothing in what is dropped.
 *
 * Why SNDHWM: at 500k msg/s the default (1000) drops about 2 % whoever receives. The
 * writer learns what its I/O thread has taken off the pipe only from a command the I/O
 * thread sends every 500 messages (half the HWM), and zmq_send looks at its commands at
 * most once in 3 million CPU ticks (1-2 ms): the pipe looks full while it is not, and a
 * PUB drops. 2000 is enough (bench/ingest.py --pub-sndhwm).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: pacedpub RATE SECONDS SIZE [SNDHWM]\n");
        return 2;
    }
    double rate = atof(argv[1]), seconds = atof(argv[2]);
    int size = atoi(argv[3]);
    char buf[256], endpoint[256], sub[256];
    size_t len = sizeof endpoint;
    if (size < 1 || size > (int)sizeof buf || rate <= 0 || seconds <= 0) {
        fprintf(stderr, "pacedpub: RATE and SECONDS > 0, SIZE 1..%zu\n", sizeof buf);
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_XPUB);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (argc == 5) {
        int hwm = atoi(argv[4]);
        if (hwm < 0 || zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0) {
            fprintf(stderr, "pacedpub: SNDHWM %s: a count of messages, 0 for no limit\n", argv[4]);
            return 2;
        }
    }
    if (zmq_bind(s, "tcp://127.0.0.1:*") != 0) {
        fprintf(stderr, "pacedpub: bind: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, endpoint, &len);
    printf("ready %s\n", endpoint);
    fflush(stdout);
    if (zmq_recv(s, sub, sizeof sub, 0) < 0) {
        fprintf(stderr, "pacedpub: recv: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    int nodrop = 1;
    zmq_setsockopt(s, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop);
    long long total = (long long)(rate * seconds), sent = 0, dropped = 0;
    long long window = -1, in_window = 0, worst = 0; /* drops per 10 ms */
    double t0 = now();
    char digits[32];
    while (sent < total) {
        if (sent % 64 == 0) {
            double due = t0 + (double)sent / rate;
            double t = now();
            if (due > t) {
                long us = (long)((due - t) * 1e6);
                struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
                nanosleep(&ts, NULL);
            }
        }
        snprintf(digits, sizeof digits, "%020lld", sent);
        memset(buf, '0', (size_t)size);
        /* the low digits, right-aligned in SIZE bytes */
        int n = (int)strlen(digits);
        int take = n < size ? n : size;
        memcpy(buf + size - take, digits + n - take, (size_t)take);
        if (zmq_send(s, buf, (size_t)size, ZMQ_DONTWAIT) < 0) {
            long long w = (long long)((now() - t0) * 100);
            if (w != window) {
                window = w;
                in_window = 0;
            }
            dropped++;
            if (++in_window > worst)
                worst = in_window;
        }
        sent++;
    }
    printf("sent %lld %.3f %lld %lld\n", sent, now() - t0, dropped, worst);
    fflush(stdout);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

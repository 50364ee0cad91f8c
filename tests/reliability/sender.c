/* A fast PUSH sender for the flood test and the soak: sender ENDPOINT COUNT SIZE [RATE [hold]].
 * Connects, sends COUNT messages of SIZE bytes (RATE msg/s, 0 = as fast as it can;
 * SIGTERM stops early), then prints "SENT n seconds" and exits.
 *
 * libzmq's linger only waits until the messages are in the kernel's socket buffers, so a
 * sender that exits then hangs up on a receiver that is behind (measured on loopback: with
 * 150,000 to 220,000 of them still unread). The first ZMTP heartbeat the receiver sends
 * after that is answered with a reset, and libzmq 4.3, whose input was stopped by a full
 * queue, then reads no more of what its kernel still holds: the tail of the stream is
 * lost (measured: 49,573 to 149,758 of 2,000,000 with the session's heartbeats, none
 * without them, the receiver reading nothing for 6 s after the hang-up). With
 * "hold" the sender keeps its connection after SENT until its stdin closes, so that the
 * receiver can read everything first. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static volatile sig_atomic_t stop_now = 0;
static void on_term(int sig) { (void)sig; stop_now = 1; }

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: sender ENDPOINT COUNT SIZE [RATE]\n");
        return 2;
    }
    const char *endpoint = argv[1];
    long long count = atoll(argv[2]);
    int size = atoi(argv[3]);
    double rate = argc > 4 ? atof(argv[4]) : 0.0;
    int hold = argc > 5 && strcmp(argv[5], "hold") == 0;
    signal(SIGTERM, on_term);
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_PUSH);
    int hwm = 100000, linger = 20000, timeout = 200;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    if (zmq_connect(s, endpoint) != 0) {
        fprintf(stderr, "connect %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        return 1;
    }
    char buf[64];
    if (size < 8) size = 8;
    if (size > (int)sizeof buf) size = sizeof buf;
    memset(buf, 'x', sizeof buf);
    double t0 = now();
    long long sent = 0;
    while (sent < count && !stop_now) {
        if (rate > 0 && sent >= (long long)((now() - t0) * rate)) {
            usleep(500);
            continue;
        }
        memcpy(buf, &sent, 8);
        if (zmq_send(s, buf, size, 0) < 0) {
            if (zmq_errno() == EAGAIN || zmq_errno() == EINTR) continue;
            fprintf(stderr, "send: %s\n", zmq_strerror(zmq_errno()));
            break;
        }
        sent++;
    }
    double t1 = now();
    printf("SENT %lld %.3f\n", sent, t1 - t0);
    fflush(stdout);
    if (hold) {
        char line[256];
        while (fgets(line, sizeof line, stdin) != NULL) {
        }
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

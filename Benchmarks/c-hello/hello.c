/*
 * The reference of Benchmarks/http.sh: a libfcgi hello world, threaded the way hubspot-install
 * is (docs/command-line.md, serve): N threads, each with its own FCGX_Request, all in FCGX_Accept_r on the same
 * socket, no accept mutex. The answer is fixed, carries response headers of about the size ours
 * carry (the security headers of docs/design.md), and leaves with one FCGX_PutStr.
 *
 *   cc -O2 -pthread -o c-hello hello.c -lfcgi
 *   c-hello SOCKET_PATH THREADS
 *
 * It runs until SIGTERM or SIGINT (FCGX_Init's handler only sets a flag, so the main thread
 * waits for the signal itself and exits; in-flight hellos are microseconds long).
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char response[] =
    "Status: 200 OK\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'\r\n"
    "X-Frame-Options: DENY\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Cache-Control: no-store\r\n"
    "Content-Length: 14\r\n"
    "\r\n"
    "Hello, world!\n";

static int listen_fd;

static void *worker(void *unused) {
    (void)unused;
    FCGX_Request request;
    if (FCGX_InitRequest(&request, listen_fd, 0) != 0) return NULL;
    while (FCGX_Accept_r(&request) >= 0) {
        FCGX_PutStr(response, (int)sizeof response - 1, request.out);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3 || atoi(argv[2]) < 1) {
        fprintf(stderr, "usage: %s SOCKET_PATH THREADS\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[2]);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    if (FCGX_Init() != 0) return 1;
    /* Same backlog as hubspot-install; the socket is private to the benchmark's temp dir. */
    mode_t saved = umask(0117);
    listen_fd = FCGX_OpenSocket(argv[1], 1024);
    umask(saved);
    if (listen_fd < 0) return 1;

    for (int i = 0; i < threads; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, worker, NULL) != 0) return 1;
        pthread_detach(thread);
    }
    fprintf(stderr, "c-hello: started, %d threads on %s\n", threads, argv[1]);
    int signal_number;
    sigwait(&stop, &signal_number);
    unlink(argv[1]);
    return 0;
}

/*
 * The reference of Benchmarks/cgi.sh: the least a CGI program can do. It answers with headers of
 * about the size ours carry and exits; the time it costs is mostly exec and the C library's start.
 *
 *   cc -O2 -o cgi-hello cgi-hello.c
 */
#include <stdio.h>

int main(void) {
    fputs("Status: 200 OK\r\n"
          "X-Content-Type-Options: nosniff\r\n"
          "Referrer-Policy: no-referrer\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "Cache-Control: no-store\r\n"
          "\r\n"
          "ok\n",
          stdout);
    return 0;
}

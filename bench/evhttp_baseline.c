/*
 * The ceiling for an evhttp server: libevent's evhttp doing the least the benchmarks ask of
 * mockconvex. GET /version answers "unknown"; POST answers a fixed JSON body after reading the
 * request body. One loop, one thread, like `mockconvex --threads 1`.
 *
 *   cc -O2 -o evhttp_baseline evhttp_baseline.c $(pkg-config --cflags --libs libevent)
 *   ./evhttp_baseline PORT
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fixed_post[] = "{\"status\":\"success\",\"value\":\"j57fryx7byfppmwzwc5ygbvfas8jq7kq\"}";

static void answer(struct evhttp_request *request, void *arg) {
    (void)arg;
    struct evkeyvalq *headers = evhttp_request_get_output_headers(request);
    struct evbuffer *body = evhttp_request_get_output_buffer(request);
    if (evhttp_request_get_command(request) == EVHTTP_REQ_POST) {
        struct evbuffer *input = evhttp_request_get_input_buffer(request);
        /* Touch the body as a server that parses it would. */
        size_t length = evbuffer_get_length(input);
        if (length > 0) evbuffer_pullup(input, (ev_ssize_t)length);
        evhttp_add_header(headers, "content-type", "application/json");
        evbuffer_add(body, fixed_post, sizeof fixed_post - 1);
    } else {
        evhttp_add_header(headers, "content-type", "text/plain; charset=utf-8");
        evbuffer_add(body, "unknown", 7);
    }
    evhttp_send_reply(request, 200, "OK", NULL);
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    struct event_base *base = event_base_new();
    struct evhttp *http = evhttp_new(base);
    evhttp_set_gencb(http, answer, NULL);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
    evhttp_set_default_content_type(http, NULL);
    if (!evhttp_bind_socket_with_handle(http, "127.0.0.1", (ev_uint16_t)port)) {
        fprintf(stderr, "cannot bind 127.0.0.1:%d\n", port);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    event_base_dispatch(base);
    return 0;
}

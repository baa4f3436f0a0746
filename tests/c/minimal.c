/*
 * The minimal example of docs/c-api.md: one session, driven in memory.
 * tests/c/run.sh builds it against an installed libepp with
 *   cc -std=c11 minimal.c $(pkg-config --cflags --libs epp)
 */
#include <epp.h>
#include <stdio.h>
#include <string.h>

#define S(lit) (lit), (sizeof(lit) - 1)

int main(void) {
    epp_config_builder *builder = NULL;
    epp_config *config = NULL;
    epp_server *server = NULL;
    epp_session *session = NULL;
    epp_request *request = NULL;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    bool wants_input = false;
    uint64_t now_ms = 1800000000000u; /* use the real clock in a server */
    static const char hello[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello/></epp>";
    uint8_t frame[4 + sizeof hello - 1];

    /* Once per server: an immutable config, and the server that shares it
     * (and its svTRID generator) with every session, across threads. */
    if (epp_config_builder_new(S("Example Registry EPP"), &builder) != EPP_RESULT_OK ||
        epp_config_builder_add_object_uri(builder, S("urn:ietf:params:xml:ns:domain-1.0")) != EPP_RESULT_OK ||
        epp_config_builder_build(builder, &config) != EPP_RESULT_OK)
        return 1;
    epp_config_builder_free(builder);
    if (epp_server_new(config, now_ms, NULL, &server) != EPP_RESULT_OK)
        return 1;
    epp_config_free(config); /* the server keeps its own reference */

    /* Per connection: a session; the greeting is queued at once. */
    if (epp_session_new(server, now_ms, &session) != EPP_RESULT_OK)
        return 1;
    if (epp_session_take_output(session, &out, &out_len) != EPP_RESULT_OK) /* write these bytes */
        return 1;
    printf("greeting: %zu bytes\n", out_len);
    if (epp_session_consume_output(session, out_len) != EPP_RESULT_OK)     /* ...all of them */
        return 1;

    /* Bytes from the peer: an RFC 5734 frame (4-byte length, then XML).
     * Read only while the session wants input; it takes every byte fed. */
    frame[0] = 0, frame[1] = 0, frame[2] = 0, frame[3] = (uint8_t)sizeof frame;
    memcpy(frame + 4, hello, sizeof hello - 1);
    if (epp_session_wants_input(session, &wants_input) != EPP_RESULT_OK || !wants_input ||
        epp_session_feed_input(session, frame, sizeof frame, now_ms) != EPP_RESULT_OK)
        return 1;

    /* Requests to decide (none for a hello: libepp answers it itself). */
    while (epp_session_poll_queue(session, &request) == EPP_RESULT_OK && request != NULL)
        epp_request_free(request); /* a real host answers it first */

    if (epp_session_take_output(session, &out, &out_len) != EPP_RESULT_OK)
        return 1;
    printf("hello answered: %zu bytes, libepp %s\n", out_len, epp_version());
    if (epp_session_consume_output(session, out_len) != EPP_RESULT_OK)
        return 1;

    epp_session_free(session);
    epp_server_free(server);
    return 0;
}

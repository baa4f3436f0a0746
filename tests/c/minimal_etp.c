/*
 * The minimal ETP example of docs/c-api.md: one ETP 1.1 session, driven in
 * memory. tests/c/run.sh builds it against an installed libepp with
 *   cc -std=c11 minimal_etp.c $(pkg-config --cflags --libs epp)
 */
#include <epp.h>
#include <stdio.h>

#define S(lit) (lit), (sizeof(lit) - 1)

int main(void) {
    epp_etp_config_builder *builder = NULL;
    epp_etp_config *config = NULL;
    epp_etp_session *session = NULL;
    epp_etp_request *request = NULL;
    epp_etp_request_kind kind;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    bool finished = false;
    /* Use 16 random bytes, with the version 4 bits set, in a server. */
    static const uint8_t session_id[EPP_ETP_SESSION_ID_LEN] = {
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x46, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    /* A WebSocket binary message: RequestSession from "probe" 0 for
     * Discovery (3) in the role "store"; header {0, 1, 0, 1, 0}. */
    static const uint8_t request_session[] = {
        0x00, 0x02, 0x00, 0x02, 0x00, 0x0a, 'p', 'r', 'o', 'b', 'e', 0x02, '0', 0x02,
        0x06, 0x02, 0x02, 0x00, 0x00, 0x0a, 's', 't', 'o', 'r', 'e', 0x00, 0x00, 0x00};

    /* Once per server: an immutable config, shared by every session. */
    if (epp_etp_config_builder_new(&builder) != EPP_RESULT_OK ||
        epp_etp_config_builder_set_application_name(builder, S("Example store")) != EPP_RESULT_OK ||
        epp_etp_config_builder_add_protocol(builder, EPP_ETP_PROTOCOL_DISCOVERY, 1, 1, 0, 0,
                                            S("store")) != EPP_RESULT_OK ||
        epp_etp_config_builder_build(builder, &config) != EPP_RESULT_OK)
        return 1;
    epp_etp_config_builder_free(builder);

    /* Per WebSocket: a session, which waits for RequestSession. */
    if (epp_etp_session_new(config, session_id, &session) != EPP_RESULT_OK)
        return 1;
    epp_etp_config_free(config); /* the session keeps its own reference */
    if (epp_etp_session_feed_message(session, request_session, sizeof request_session) != EPP_RESULT_OK)
        return 1;

    /* Output, one WebSocket binary message at a time: OpenSession. */
    while (epp_etp_session_peek_output(session, &out, &out_len) == EPP_RESULT_OK && out != NULL) {
        printf("send %zu bytes\n", out_len); /* write them as one binary message */
        if (epp_etp_session_consume_output(session) != EPP_RESULT_OK)
            return 1;
    }

    /* The queue: the session opened; a host answers messages by id. */
    while (epp_etp_session_poll_queue(session, &request) == EPP_RESULT_OK && request != NULL) {
        if (epp_etp_request_get_kind(request, &kind) == EPP_RESULT_OK && kind == EPP_ETP_REQUEST_KIND_OPENED)
            printf("session opened\n");
        epp_etp_request_free(request);
    }

    /* The host ends the session: CloseSession, then close the WebSocket. */
    if (epp_etp_session_close_session(session, S("bye")) != EPP_RESULT_OK)
        return 1;
    while (epp_etp_session_peek_output(session, &out, &out_len) == EPP_RESULT_OK && out != NULL) {
        printf("send %zu bytes\n", out_len);
        if (epp_etp_session_consume_output(session) != EPP_RESULT_OK)
            return 1;
    }
    if (epp_etp_session_is_finished(session, &finished) != EPP_RESULT_OK)
        return 1;
    printf("finished: %s, libepp %s\n", finished ? "yes" : "no", epp_version());
    epp_etp_session_free(session);
    return finished ? 0 : 1;
}

//! The ETP 1.1 server session, row by row of the transition table in
//! `docs/etp.md`: negotiation, the Core protocol's errors, messages for the
//! host and its answers, message ids and correlation ids, the end of a
//! session, backpressure.

use std::sync::Arc;

use epp::etp::{
    decode, encode_message, split_message, Acknowledge, CloseReason, CloseSession, Config,
    DataValue, ErrorCode, Limits, MessageHeader, OpenSession, ProtocolException, Record,
    RenewSecurityToken, Request, RequestId, RequestSession, Session, SessionError, SessionState,
    SupportedProtocol, Uuid, Version, FLAG_FINAL_PART, FLAG_MULTI_PART,
};

const OBJECT: &str = "application/x-witsml+xml;version=1.4.1.1;type=well";
const SESSION_ID: &str = "00112233-4455-6677-8899-aabbccddeeff";

fn config_with(limits: Limits) -> Arc<Config> {
    let mut b = Config::builder();
    b.application_name("libepp test server")
        .application_version("1.0")
        .supported_object(OBJECT)
        .limits(limits);
    b.build().unwrap()
}

fn session() -> Session {
    session_with(Limits::default())
}

fn session_with(limits: Limits) -> Session {
    Session::new(
        config_with(limits),
        Uuid::from_bytes([
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ]),
    )
}

fn header(protocol: i32, message_type: i32, message_id: i64) -> MessageHeader {
    MessageHeader {
        protocol,
        message_type,
        correlation_id: 0,
        message_id,
        message_flags: 0,
    }
}

/// A message of any protocol with a raw body.
fn raw(protocol: i32, message_type: i32, message_id: i64, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    header(protocol, message_type, message_id).encode(&mut m);
    m.extend_from_slice(body);
    m
}

fn request_session(message_id: i64, protocols: &[(i32, &str)]) -> Vec<u8> {
    request_session_versions(
        message_id,
        &protocols
            .iter()
            .map(|&(p, r)| (p, Version::V1_1, r))
            .collect::<Vec<_>>(),
    )
}

fn request_session_versions(message_id: i64, protocols: &[(i32, Version, &str)]) -> Vec<u8> {
    let body = RequestSession {
        application_name: "probe".into(),
        application_version: "0".into(),
        requested_protocols: protocols
            .iter()
            .map(|&(p, v, r)| SupportedProtocol::new(p, v, r))
            .collect(),
        supported_objects: vec!["client-object".into()],
    };
    encode_message(&header(0, 1, message_id), &body)
}

/// Every message sent so far, split into header and body.
fn sent(s: &mut Session) -> Vec<(MessageHeader, Vec<u8>)> {
    std::iter::from_fn(|| s.poll_output())
        .map(|m| {
            let (h, body) = split_message(&m).unwrap();
            (h, body.to_vec())
        })
        .collect()
}

fn queue(s: &mut Session) -> Vec<Request> {
    s.drain_queue().collect()
}

/// The one message sent, a ProtocolException: (its header, code, text).
fn one_exception(s: &mut Session) -> (MessageHeader, ErrorCode, String) {
    let out = sent(s);
    assert_eq!(out.len(), 1, "{out:?}");
    exception(&out[0])
}

fn exception((h, body): &(MessageHeader, Vec<u8>)) -> (MessageHeader, ErrorCode, String) {
    assert_eq!(h.message_type, 1000);
    let e: ProtocolException<'_> = decode(body).unwrap();
    (*h, e.error_code, e.error_message.into_owned())
}

/// An open session (Discovery and Store), its OpenSession and Opened taken.
fn open_session() -> Session {
    let mut s = session();
    s.feed_message(&request_session(1, &[(3, "store"), (4, "store")]))
        .unwrap();
    assert_eq!(sent(&mut s).len(), 1);
    assert!(matches!(queue(&mut s)[..], [Request::Opened(_)]));
    s
}

fn ids(out: &[(MessageHeader, Vec<u8>)]) -> Vec<i64> {
    out.iter().map(|(h, _)| h.message_id).collect()
}

// ---------------------------------------------------------------------------
// Negotiation
// ---------------------------------------------------------------------------

#[test]
fn happy_path_opens_with_every_requested_protocol() {
    let mut s = session();
    assert_eq!(s.state(), SessionState::AwaitingRequest);
    assert!(s.poll_output().is_none(), "the server speaks second");
    s.feed_message(&request_session(1, &[(3, "store"), (4, "store")]))
        .unwrap();
    let out = sent(&mut s);
    assert_eq!(out.len(), 1);
    let (h, body) = &out[0];
    assert_eq!(
        *h,
        MessageHeader {
            protocol: 0,
            message_type: 2,
            correlation_id: 1,
            message_id: 1,
            message_flags: 0
        }
    );
    let open: OpenSession<'_> = decode(body).unwrap();
    assert_eq!(open.application_name, "libepp test server");
    assert_eq!(open.application_version, "1.0");
    assert_eq!(open.session_id, SESSION_ID);
    assert_eq!(
        open.supported_protocols,
        [
            SupportedProtocol::new(3, Version::V1_1, "store"),
            SupportedProtocol::new(4, Version::V1_1, "store")
        ]
    );
    assert_eq!(open.supported_objects, [OBJECT]);
    assert_eq!(s.state(), SessionState::Open);
    let ids: Vec<i32> = s.negotiated_protocols().map(|p| p.protocol).collect();
    assert_eq!(ids, [3, 4]);
    let q = queue(&mut s);
    let [Request::Opened(o)] = &q[..] else {
        panic!("{q:?}")
    };
    assert_eq!(o.header.message_id, 1);
    assert_eq!(o.application_name, "probe");
    assert_eq!(o.application_version, "0");
    assert_eq!(o.supported_objects, ["client-object"]);
    assert_eq!(o.protocols.len(), 2);
}

#[test]
fn the_issue_vector_opens_discovery_only() {
    let mut s = session();
    let m = [
        0x00, 0x02, 0x00, 0x02, 0x00, 0x0a, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x02, 0x30, 0x02, 0x06,
        0x02, 0x02, 0x00, 0x00, 0x0a, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x00, 0x00,
    ];
    s.feed_message(&m).unwrap();
    let out = sent(&mut s);
    let open: OpenSession<'_> = decode(&out[0].1).unwrap();
    assert_eq!(
        open.supported_protocols,
        [SupportedProtocol::new(3, Version::V1_1, "store")]
    );
}

#[test]
fn a_partial_subset_is_answered_never_adding_one() {
    let mut s = session();
    // Store as customer (role mismatch), 5 (not supported), Discovery as
    // store (twice), in this order.
    s.feed_message(&request_session(
        7,
        &[(4, "customer"), (5, "store"), (3, "store"), (3, "store")],
    ))
    .unwrap();
    let out = sent(&mut s);
    assert_eq!(out[0].0.correlation_id, 7);
    let open: OpenSession<'_> = decode(&out[0].1).unwrap();
    assert_eq!(
        open.supported_protocols,
        [SupportedProtocol::new(3, Version::V1_1, "store")]
    );
    // Store was not negotiated: its messages are refused.
    s.feed_message(&raw(4, 1, 8, &[0x02, b'x'])).unwrap();
    let (h, code, _) = one_exception(&mut s);
    assert_eq!(code, ErrorCode::EUNSUPPORTED_PROTOCOL);
    assert_eq!(h.correlation_id, 8);
}

#[test]
fn the_server_answers_its_own_version_of_a_protocol() {
    let mut s = session();
    s.feed_message(&request_session_versions(
        1,
        &[(3, Version::new(1, 0, 0, 0), "store")],
    ))
    .unwrap();
    let out = sent(&mut s);
    let open: OpenSession<'_> = decode(&out[0].1).unwrap();
    assert_eq!(open.supported_protocols[0].protocol_version, Version::V1_1);
}

#[test]
fn capabilities_are_the_servers() {
    let mut b = Config::builder();
    b.protocols([SupportedProtocol {
        protocol: 3,
        protocol_version: Version::V1_1,
        role: "store".into(),
        protocol_capabilities: vec![("MaxGetResourcesResponse".into(), DataValue::Int(100))],
    }]);
    let mut s = Session::new(b.build().unwrap(), Uuid::from_bytes([0; 16]));
    s.feed_message(&request_session(1, &[(3, "store")]))
        .unwrap();
    let out = sent(&mut s);
    let open: OpenSession<'_> = decode(&out[0].1).unwrap();
    assert_eq!(
        open.supported_protocols[0].protocol_capabilities,
        [("MaxGetResourcesResponse".into(), DataValue::Int(100))]
    );
    assert_eq!(open.session_id, "00000000-0000-0000-0000-000000000000");
}

/// No protocol matches: ProtocolException 2, CloseSession, and the end.
fn refused_with_no_protocols(request: &[u8], request_id: i64) {
    let mut s = session();
    s.feed_message(request).unwrap();
    assert_eq!(s.state(), SessionState::Closing);
    assert!(!s.wants_input());
    let out = sent(&mut s);
    assert_eq!(out.len(), 2);
    let (h, code, text) = exception(&out[0]);
    assert_eq!(code, ErrorCode::ENOSUPPORTEDPROTOCOLS);
    assert!(text.starts_with("ENOSUPPORTEDPROTOCOLS"));
    assert_eq!(
        (h.protocol, h.correlation_id, h.message_id),
        (0, request_id, 1)
    );
    let (h, body) = &out[1];
    assert_eq!((h.protocol, h.message_type, h.message_id), (0, 5, 2));
    let close: CloseSession<'_> = decode(body).unwrap();
    assert!(close.reason.is_some());
    assert!(s.is_finished());
    assert_eq!(s.close_reason(), Some(CloseReason::NoSupportedProtocols));
    let q = queue(&mut s);
    let [Request::SessionEnd(end)] = &q[..] else {
        panic!("{q:?}")
    };
    assert_eq!(end.reason, CloseReason::NoSupportedProtocols);
    assert_eq!(
        s.feed_message(request),
        Err(SessionError::Closed(CloseReason::NoSupportedProtocols))
    );
}

#[test]
fn a_role_mismatch_alone_supports_nothing() {
    refused_with_no_protocols(&request_session(3, &[(3, "customer"), (4, "Store")]), 3);
}

#[test]
fn no_supported_protocol_closes_the_session() {
    refused_with_no_protocols(&request_session(1, &[(1, "producer"), (0, "server")]), 1);
    refused_with_no_protocols(&request_session(2, &[]), 2);
}

// ---------------------------------------------------------------------------
// State errors
// ---------------------------------------------------------------------------

#[test]
fn anything_but_request_session_before_open_is_invalid_state() {
    let mut s = session();
    let messages = [
        raw(3, 1, 1, &[0x02, b'/']),
        raw(99, 1, 2, &[]),
        encode_message(
            &header(0, 5, 3),
            &CloseSession {
                reason: Some("bye".into()),
            },
        ),
        encode_message(&header(0, 6, 4), &RenewSecurityToken { token: "t".into() }),
        encode_message(&header(0, 1001, 5), &Acknowledge),
        raw(0, 2, 6, &[]),
        raw(0, 77, 7, &[]),
        raw(0, 5, 8, &[0x09]), // a CloseSession that does not decode
    ];
    for (i, m) in messages.iter().enumerate() {
        s.feed_message(m).unwrap();
        let (h, code, text) = one_exception(&mut s);
        assert_eq!(code, ErrorCode::EINVALID_STATE, "{i}");
        assert!(text.starts_with("EINVALID_STATE"));
        assert_eq!(h.protocol, 0);
        assert_eq!(h.correlation_id, i as i64 + 1);
        assert_eq!(h.message_id, i as i64 + 1, "ids increase from 1");
        assert_eq!(s.state(), SessionState::AwaitingRequest);
    }
    assert!(queue(&mut s).is_empty());
    // The session still opens.
    s.feed_message(&request_session(9, &[(3, "store")]))
        .unwrap();
    let out = sent(&mut s);
    assert_eq!(out[0].0.message_type, 2);
    assert_eq!((out[0].0.correlation_id, out[0].0.message_id), (9, 9));
    assert_eq!(s.state(), SessionState::Open);
}

#[test]
fn a_second_request_session_is_invalid_state() {
    let mut s = open_session();
    s.feed_message(&request_session(2, &[(3, "store")]))
        .unwrap();
    let (h, code, _) = one_exception(&mut s);
    assert_eq!(code, ErrorCode::EINVALID_STATE);
    assert_eq!((h.correlation_id, h.message_id), (2, 2));
    // Even one that does not decode.
    s.feed_message(&raw(0, 1, 3, &[0x09])).unwrap();
    let (_, code, _) = one_exception(&mut s);
    assert_eq!(code, ErrorCode::EINVALID_STATE);
    assert_eq!(s.state(), SessionState::Open);
}

#[test]
fn an_unknown_protocol_is_unsupported() {
    let mut s = open_session();
    for (i, p) in [99, 5, -1, 1].into_iter().enumerate() {
        let id = i as i64 + 2;
        s.feed_message(&raw(p, 1, id, &[])).unwrap();
        let (h, code, text) = one_exception(&mut s);
        assert_eq!(code, ErrorCode::EUNSUPPORTED_PROTOCOL);
        assert!(text.contains(&format!("protocol {p} ")), "{text}");
        assert_eq!((h.protocol, h.correlation_id), (0, id));
    }
    assert!(queue(&mut s).is_empty());
}

#[test]
fn an_unknown_core_message_type_is_invalid() {
    let mut s = open_session();
    for (i, t) in [3, 4, 7, 1002, -5, 2].into_iter().enumerate() {
        let id = i as i64 + 2;
        s.feed_message(&raw(0, t, id, &[1, 2, 3])).unwrap();
        let (h, code, text) = one_exception(&mut s);
        assert_eq!(code, ErrorCode::EINVALID_MESSAGETYPE, "{t}");
        assert!(text.starts_with("EINVALID_MESSAGETYPE"));
        assert_eq!(h.correlation_id, id);
    }
    assert_eq!(s.state(), SessionState::Open);
}

// ---------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------

#[test]
fn malformed_bodies_are_invalid_arguments() {
    // Before open: a RequestSession that does not decode.
    let mut s = session();
    let good = request_session(1, &[(3, "store")]);
    for cut in [6, 12, good.len() - 1] {
        let mut m = good[..cut].to_vec();
        m[3] = 4; // messageId 2
        s.feed_message(&m).unwrap();
        let (h, code, text) = one_exception(&mut s);
        assert_eq!(code, ErrorCode::EINVALID_ARGUMENT, "{cut}");
        assert!(text.starts_with("EINVALID_ARGUMENT: the RequestSession body"));
        assert_eq!(h.correlation_id, 2);
        assert_eq!(s.state(), SessionState::AwaitingRequest);
    }
    let mut trailing = good.clone();
    trailing.push(0);
    s.feed_message(&trailing).unwrap();
    let (_, code, text) = one_exception(&mut s);
    assert_eq!(code, ErrorCode::EINVALID_ARGUMENT);
    assert!(text.contains("1 trailing bytes"), "{text}");

    // Once open: Core bodies.
    let mut s = open_session();
    let bad = [
        raw(0, 5, 2, &[0x04]),             // CloseSession: union index 2
        raw(0, 5, 3, &[0x02, 0x02, 0xff]), // CloseSession: not UTF-8
        raw(0, 6, 4, &[]),                 // RenewSecurityToken: no token
        raw(0, 1000, 5, &[0x10]),          // ProtocolException: no message
        raw(0, 1001, 6, &[0x00]),          // Acknowledge: trailing byte
    ];
    for m in &bad {
        let id = split_message(m).unwrap().0.message_id;
        s.feed_message(m).unwrap();
        let (h, code, _) = one_exception(&mut s);
        assert_eq!(code, ErrorCode::EINVALID_ARGUMENT);
        assert_eq!(h.correlation_id, id);
    }
    assert_eq!(s.state(), SessionState::Open);
    assert!(queue(&mut s).is_empty());
}

#[test]
fn a_header_that_does_not_decode_is_an_invalid_argument_correlated_to_nothing() {
    for m in [
        &[][..],
        &[0x80][..],
        &[0x00, 0x02, 0x00][..],
        &[0xff; 12][..],
    ] {
        for mut s in [session(), open_session()] {
            let state = s.state();
            s.feed_message(m).unwrap();
            let (h, code, text) = one_exception(&mut s);
            assert_eq!(code, ErrorCode::EINVALID_ARGUMENT);
            assert!(text.starts_with("EINVALID_ARGUMENT: the message header"));
            assert_eq!((h.protocol, h.correlation_id), (0, 0));
            assert_eq!(s.state(), state);
        }
    }
}

// ---------------------------------------------------------------------------
// The end of a session
// ---------------------------------------------------------------------------

#[test]
fn client_close_session_tells_the_host_and_ends() {
    let mut s = open_session();
    // An outstanding request is dropped with the session.
    s.feed_message(&raw(3, 1, 2, &[0x02, b'/'])).unwrap();
    let Some(Request::Message(m)) = s.poll_queue() else {
        panic!()
    };
    s.feed_message(&encode_message(
        &header(0, 5, 3),
        &CloseSession {
            reason: Some("bye".into()),
        },
    ))
    .unwrap();
    assert!(s.poll_output().is_none(), "CloseSession is not answered");
    assert!(s.is_finished());
    assert_eq!(s.close_reason(), Some(CloseReason::ClientClosed));
    let q = queue(&mut s);
    let [Request::SessionEnd(end)] = &q[..] else {
        panic!("{q:?}")
    };
    assert_eq!(end.reason, CloseReason::ClientClosed);
    assert_eq!(end.message.as_deref(), Some("bye"));
    assert_eq!(
        s.respond(m.id, 2, 0, &[]),
        Err(SessionError::Closed(CloseReason::ClientClosed))
    );
    assert_eq!(
        s.feed_message(&raw(3, 1, 4, &[])),
        Err(SessionError::Closed(CloseReason::ClientClosed))
    );
}

#[test]
fn close_session_without_a_reason() {
    let mut s = open_session();
    s.feed_message(&raw(0, 5, 2, &[0x00])).unwrap();
    let q = queue(&mut s);
    let [Request::SessionEnd(end)] = &q[..] else {
        panic!("{q:?}")
    };
    assert_eq!(end.message, None);
    assert!(s.is_finished());
}

#[test]
fn output_sent_before_the_client_closes_is_still_taken() {
    let mut s = open_session();
    s.feed_message(&raw(99, 1, 2, &[])).unwrap();
    s.feed_message(&raw(0, 5, 3, &[0x00])).unwrap();
    assert_eq!(s.state(), SessionState::Closing);
    let out = sent(&mut s);
    assert_eq!(out.len(), 1);
    assert!(s.is_finished());
}

#[test]
fn the_host_ends_a_session_with_close_session() {
    let mut s = open_session();
    s.feed_message(&raw(3, 1, 2, &[])).unwrap();
    let Some(Request::Message(m)) = s.poll_queue() else {
        panic!()
    };
    s.close_session(Some("maintenance")).unwrap();
    assert_eq!(s.state(), SessionState::Closing);
    assert_eq!(
        s.raise(m.id, ErrorCode::ENOT_FOUND, "x"),
        Err(SessionError::Closed(CloseReason::HostClosedSession))
    );
    let out = sent(&mut s);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].0.message_type, out[0].0.message_id), (5, 2));
    let close: CloseSession<'_> = decode(&out[0].1).unwrap();
    assert_eq!(close.reason.as_deref(), Some("maintenance"));
    assert!(s.is_finished());
    assert!(matches!(
        queue(&mut s)[..],
        [Request::SessionEnd(ref e)] if e.reason == CloseReason::HostClosedSession
    ));
    assert!(s.close_session(None).is_err());
}

#[test]
fn host_close_drops_what_was_not_taken() {
    let mut s = session();
    s.feed_message(&raw(3, 1, 1, &[])).unwrap();
    assert_eq!(s.pending_output(), 1);
    s.close();
    assert!(s.is_finished());
    assert!(s.poll_output().is_none());
    assert!(matches!(
        queue(&mut s)[..],
        [Request::SessionEnd(ref e)] if e.reason == CloseReason::Host
    ));
}

#[test]
fn end_of_input_comes_after_the_messages_before_it() {
    let mut s = session_with(Limits {
        max_in_flight: 1,
        ..Limits::default()
    });
    s.feed_message(&request_session(1, &[(3, "store")]))
        .unwrap();
    sent(&mut s);
    queue(&mut s);
    s.feed_message(&raw(3, 1, 2, &[])).unwrap();
    assert!(!s.wants_input());
    s.feed_message(&raw(3, 1, 3, &[])).unwrap(); // held
    assert_eq!(s.buffered_input(), 1 + 1 + 1 + 1 + 1);
    s.handle_eof();
    assert_eq!(s.feed_message(&[]), Err(SessionError::InputAfterEof));
    assert_eq!(s.state(), SessionState::Open);
    let Some(Request::Message(m)) = s.poll_queue() else {
        panic!()
    };
    s.respond(m.id, 2, 0, &[]).unwrap();
    // The held message is handled, then the end of input: its request is
    // dropped with the session (no answer could reach the peer).
    assert_eq!(s.state(), SessionState::Closing);
    assert!(matches!(
        queue(&mut s)[..],
        [Request::SessionEnd(ref e)] if e.reason == CloseReason::PeerClosed
    ));
    assert_eq!(s.outstanding(), 0);
    assert_eq!(sent(&mut s).len(), 1);
    assert!(s.is_finished());
}

// ---------------------------------------------------------------------------
// Requests for the host
// ---------------------------------------------------------------------------

#[test]
fn renew_security_token_goes_to_the_host() {
    let mut s = open_session();
    s.feed_message(&encode_message(
        &header(0, 6, 2),
        &RenewSecurityToken {
            token: "new-token".into(),
        },
    ))
    .unwrap();
    let Some(Request::RenewToken(t)) = s.poll_queue() else {
        panic!()
    };
    assert_eq!(t.token, "new-token");
    assert_eq!(t.header.message_id, 2);
    assert_eq!(s.outstanding(), 1);
    s.finish(t.id).unwrap();
    assert!(
        s.poll_output().is_none(),
        "an accepted token is not answered"
    );
    assert_eq!(s.outstanding(), 0);
    assert_eq!(s.finish(t.id), Err(SessionError::AlreadyAnswered(t.id)));

    s.feed_message(&encode_message(
        &header(0, 6, 3),
        &RenewSecurityToken {
            token: "expired".into(),
        },
    ))
    .unwrap();
    let Some(Request::RenewToken(t)) = s.poll_queue() else {
        panic!()
    };
    s.raise(t.id, ErrorCode::EEXPIRED_TOKEN, "EEXPIRED_TOKEN: expired")
        .unwrap();
    let (h, code, text) = one_exception(&mut s);
    assert_eq!(code, ErrorCode::EEXPIRED_TOKEN);
    assert_eq!(text, "EEXPIRED_TOKEN: expired");
    assert_eq!((h.protocol, h.correlation_id, h.message_id), (0, 3, 2));
}

#[test]
fn non_core_messages_go_to_the_host_with_header_and_raw_body() {
    let mut s = open_session();
    let m = MessageHeader {
        protocol: 3,
        message_type: 1,
        correlation_id: 0,
        message_id: 2,
        message_flags: 0x10,
    };
    let mut bytes = Vec::new();
    m.encode(&mut bytes);
    bytes.extend_from_slice(&[0x0c, b'e', b't', b'p', b':', b'/', b'/']);
    s.feed_message(&bytes).unwrap();
    assert!(s.poll_output().is_none());
    let Some(Request::Message(r)) = s.poll_queue() else {
        panic!()
    };
    assert_eq!(r.header, m);
    assert_eq!(r.body, [0x0c, b'e', b't', b'p', b':', b'/', b'/']);
    assert_eq!(Request::Message(r.clone()).id(), Some(r.id));
    // Acknowledge and ProtocolException of a negotiated protocol are the
    // host's too.
    s.feed_message(&raw(4, 1001, 3, &[])).unwrap();
    s.feed_message(&raw(4, 1000, 4, &[0x0a, 0x00])).unwrap();
    let q = queue(&mut s);
    assert!(matches!(
        &q[..],
        [Request::Message(a), Request::Message(b)]
            if a.header.message_type == 1001 && b.header.message_type == 1000
    ));
    // The host answers: the answer's header is built by the session.
    s.respond(r.id, 2, 0, &[0x00]).unwrap();
    let out = sent(&mut s);
    assert_eq!(
        out,
        [(
            MessageHeader {
                protocol: 3,
                message_type: 2,
                correlation_id: 2,
                message_id: 2,
                message_flags: 0
            },
            vec![0x00]
        )]
    );
}

#[test]
fn answers_in_any_order_and_multi_part() {
    let mut s = open_session();
    for id in 2..=4 {
        s.feed_message(&raw(3, 1, id, &[])).unwrap();
    }
    let q = queue(&mut s);
    let reqs: Vec<_> = q
        .iter()
        .map(|r| match r {
            Request::Message(m) => m.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(s.outstanding(), 3);
    // The third first, in two parts.
    s.respond(reqs[2].id, 2, FLAG_MULTI_PART, &[1]).unwrap();
    assert_eq!(s.outstanding(), 3, "a non-final part leaves it outstanding");
    s.respond(reqs[2].id, 2, FLAG_MULTI_PART | FLAG_FINAL_PART, &[2])
        .unwrap();
    assert_eq!(s.outstanding(), 2);
    // The first raises in its own protocol.
    s.raise(reqs[0].id, ErrorCode::ENOT_FOUND, "ENOT_FOUND: /")
        .unwrap();
    // The second ends its parts without another message.
    s.respond(reqs[1].id, 2, FLAG_MULTI_PART, &[3]).unwrap();
    s.finish(reqs[1].id).unwrap();
    assert_eq!(s.outstanding(), 0);
    let out = sent(&mut s);
    let summary: Vec<_> = out
        .iter()
        .map(|(h, _)| {
            (
                h.protocol,
                h.message_type,
                h.correlation_id,
                h.message_id,
                h.message_flags,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (3, 2, 4, 2, 1),
            (3, 2, 4, 3, 3),
            (3, 1000, 2, 4, 0),
            (3, 2, 3, 5, 1),
        ]
    );
    let (_, code, _) = exception(&out[2]);
    assert_eq!(code, ErrorCode::ENOT_FOUND);
    for r in &reqs {
        assert_eq!(
            s.respond(r.id, 2, 0, &[]),
            Err(SessionError::AlreadyAnswered(r.id))
        );
    }
    let never = RequestId::from_raw(99);
    assert_eq!(s.finish(never), Err(SessionError::UnknownRequest(never)));
}

#[test]
fn peer_exceptions_and_acknowledgements_are_news() {
    let mut s = open_session();
    s.feed_message(&encode_message(
        &MessageHeader {
            correlation_id: 1,
            ..header(0, 1000, 2)
        },
        &ProtocolException {
            error_code: ErrorCode(4001),
            error_message: "EUNSUPPORTED_OBJECT".into(),
        },
    ))
    .unwrap();
    s.feed_message(&encode_message(
        &MessageHeader {
            correlation_id: 1,
            ..header(0, 1001, 3)
        },
        &Acknowledge,
    ))
    .unwrap();
    assert!(s.poll_output().is_none());
    let q = queue(&mut s);
    let [Request::PeerException(e), Request::Acknowledged(a)] = &q[..] else {
        panic!("{q:?}")
    };
    assert_eq!(e.error_code, ErrorCode(4001));
    assert_eq!(e.error_message, "EUNSUPPORTED_OBJECT");
    assert_eq!(e.header.correlation_id, 1);
    assert_eq!(a.message_id, 3);
    assert!(q.iter().all(|r| r.id().is_none()));
    assert_eq!(s.outstanding(), 0);
}

// ---------------------------------------------------------------------------
// Message ids, output, backpressure
// ---------------------------------------------------------------------------

#[test]
fn message_ids_increase_from_one_in_output_order_and_correlate() {
    let mut s = session();
    s.feed_message(&raw(3, 1, 10, &[])).unwrap(); // EINVALID_STATE
    s.feed_message(&request_session(11, &[(3, "store")]))
        .unwrap();
    s.feed_message(&raw(3, 1, 12, &[])).unwrap();
    s.feed_message(&raw(0, 42, 13, &[])).unwrap(); // EINVALID_MESSAGETYPE
    let Some(Request::Opened(_)) = s.poll_queue() else {
        panic!()
    };
    let Some(Request::Message(m)) = s.poll_queue() else {
        panic!()
    };
    s.respond(m.id, 2, 0, &[]).unwrap();
    let out = sent(&mut s);
    assert_eq!(ids(&out), [1, 2, 3, 4]);
    let correlations: Vec<i64> = out.iter().map(|(h, _)| h.correlation_id).collect();
    assert_eq!(correlations, [10, 11, 13, 12]);
}

#[test]
fn output_is_handed_out_one_message_at_a_time() {
    let mut s = open_session();
    s.feed_message(&raw(99, 1, 2, &[])).unwrap();
    s.feed_message(&raw(98, 1, 3, &[])).unwrap();
    assert_eq!(s.pending_output(), 2);
    let first = s.peek_output().unwrap().to_vec();
    assert_eq!(split_message(&first).unwrap().0.message_id, 2);
    assert!(s.consume_output());
    let second = s.poll_output().unwrap();
    assert_eq!(split_message(&second).unwrap().0.message_id, 3);
    assert!(!s.consume_output());
    assert!(s.peek_output().is_none());
    assert_eq!(s.pending_output(), 0);
}

#[test]
fn backpressure_holds_messages_until_the_host_answers() {
    let mut s = session_with(Limits {
        max_in_flight: 2,
        max_buffered_input: 16,
        ..Limits::default()
    });
    s.feed_message(&request_session(1, &[(3, "store")]))
        .unwrap();
    sent(&mut s);
    queue(&mut s);
    s.feed_message(&raw(3, 1, 2, &[])).unwrap();
    assert!(s.wants_input());
    s.feed_message(&raw(3, 1, 3, &[])).unwrap();
    assert!(!s.wants_input());
    s.feed_message(&raw(3, 1, 4, &[0; 5])).unwrap(); // held: 10 bytes
    assert_eq!(s.buffered_input(), 10);
    assert_eq!(
        s.feed_message(&raw(3, 1, 5, &[0; 5])),
        Err(SessionError::InputBufferFull { limit: 16 })
    );
    let q = queue(&mut s);
    assert_eq!(q.len(), 2);
    s.finish(q[0].id().unwrap()).unwrap();
    assert_eq!(s.buffered_input(), 0);
    let Some(Request::Message(m)) = s.poll_queue() else {
        panic!()
    };
    assert_eq!((m.header.message_id, m.body.len()), (4, 5));
}

#[test]
fn pending_output_past_its_limit_stops_input() {
    let mut s = session_with(Limits {
        max_pending_output: 1,
        ..Limits::default()
    });
    s.feed_message(&raw(3, 1, 1, &[])).unwrap();
    assert!(!s.wants_input());
    s.feed_message(&raw(3, 1, 2, &[])).unwrap();
    assert_eq!(s.pending_output(), 1);
    assert!(s.poll_output().is_some());
    // Taking the output let the held message through.
    assert_eq!(s.pending_output(), 1);
    assert_eq!(s.buffered_input(), 0);
}

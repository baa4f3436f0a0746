//! Golden vectors for the ETP 1.1 Core messages: each message encodes to
//! known bytes and decodes back to the same value.
//!
//! The expected bytes were produced independently of libepp, by a
//! general-purpose Avro implementation (Python's fastavro) from the ETP 1.1
//! schemas (the canonical forms of `Energistics.Datatypes.MessageHeader`,
//! `SupportedProtocol`, `Version`, `DataValue` and
//! `Energistics.Protocol.Core.*`); the RequestSession vector is the one
//! given in issue 10.

use std::borrow::Cow;

use epp::etp::avro::{DecodeErrorKind, Reader};
use epp::etp::{
    decode, encode, encode_message, split_message, Acknowledge, CloseSession, CoreMessage,
    DataValue, ErrorCode, MessageHeader, OpenSession, ProtocolException, Record,
    RenewSecurityToken, RequestSession, SupportedProtocol, Version,
};

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn header(protocol: i32, message_type: i32, correlation_id: i64, message_id: i64) -> MessageHeader {
    MessageHeader {
        protocol,
        message_type,
        correlation_id,
        message_id,
        message_flags: 0,
    }
}

/// Encodes `header` + `body`, compares with `expected`, then decodes the
/// bytes back and compares with both.
fn golden<'a, T>(h: MessageHeader, body: &T, expected: &'a [u8]) -> T
where
    T: CoreMessage<'a> + PartialEq + std::fmt::Debug,
{
    assert_eq!(h.message_type, T::MESSAGE_TYPE);
    let bytes = encode_message(&h, body);
    assert_eq!(bytes, expected, "{} encodes to {:02x?}", T::NAME, bytes);
    let (h2, rest) = split_message(expected).unwrap();
    assert_eq!(h2, h);
    let back: T = decode(rest).unwrap();
    assert_eq!(&back, body);
    back
}

const V11: Version = Version::V1_1;

#[test]
fn request_session_is_the_issue_vector() {
    let body = RequestSession {
        application_name: "probe".into(),
        application_version: "0".into(),
        requested_protocols: vec![SupportedProtocol::new(3, V11, "store")],
        supported_objects: vec![],
    };
    let expected =
        hex("00 02 00 02 00 0a 70 72 6f 62 65 02 30 02 06 02 02 00 00 0a 73 74 6f 72 65 00 00 00");
    assert_eq!(expected.len(), 28);
    let back = golden(header(0, 1, 0, 1), &body, &expected);
    // Decoding borrows from the input.
    assert!(matches!(back.application_name, Cow::Borrowed("probe")));
    assert!(matches!(
        back.requested_protocols[0].role,
        Cow::Borrowed("store")
    ));
}

#[test]
fn open_session() {
    let body = OpenSession {
        application_name: "libepp test server".into(),
        application_version: "1.0".into(),
        session_id: "00112233-4455-6677-8899-aabbccddeeff".into(),
        supported_protocols: vec![
            SupportedProtocol::new(3, V11, "store"),
            SupportedProtocol::new(4, V11, "store"),
        ],
        supported_objects: vec!["application/x-witsml+xml;version=1.4.1.1;type=well".into()],
    };
    let expected = hex(
        "00 04 02 02 00 24 6c 69 62 65 70 70 20 74 65 73 74 20 73 65 72 76 65 72 06 31 2e 30 \
         48 30 30 31 31 32 32 33 33 2d 34 34 35 35 2d 36 36 37 37 2d 38 38 39 39 2d 61 61 62 62 \
         63 63 64 64 65 65 66 66 04 06 02 02 00 00 0a 73 74 6f 72 65 00 08 02 02 00 00 0a 73 74 \
         6f 72 65 00 00 02 64 61 70 70 6c 69 63 61 74 69 6f 6e 2f 78 2d 77 69 74 73 6d 6c 2b 78 \
         6d 6c 3b 76 65 72 73 69 6f 6e 3d 31 2e 34 2e 31 2e 31 3b 74 79 70 65 3d 77 65 6c 6c 00",
    );
    golden(header(0, 2, 1, 1), &body, &expected);
}

#[test]
fn close_session_with_and_without_reason() {
    golden(
        header(0, 5, 0, 3),
        &CloseSession { reason: None },
        &hex("00 0a 00 06 00 00"),
    );
    golden(
        header(0, 5, 0, 3),
        &CloseSession {
            reason: Some("bye".into()),
        },
        &hex("00 0a 00 06 00 02 06 62 79 65"),
    );
}

#[test]
fn renew_security_token() {
    golden(
        header(0, 6, 0, 2),
        &RenewSecurityToken {
            token: "t0k".into(),
        },
        &hex("00 0c 00 04 00 06 74 30 6b"),
    );
}

#[test]
fn protocol_exception() {
    golden(
        header(0, 1000, 5, 2),
        &ProtocolException {
            error_code: ErrorCode::EINVALID_STATE,
            error_message: "EINVALID_STATE".into(),
        },
        &hex("00 d0 0f 0a 04 00 10 1c 45 49 4e 56 41 4c 49 44 5f 53 54 41 54 45"),
    );
}

#[test]
fn acknowledge_in_another_protocol_with_flags() {
    let h = MessageHeader {
        message_flags: 0x10,
        ..header(3, 1001, 7, 9)
    };
    golden(h, &Acknowledge, &hex("06 d2 0f 0e 12 20"));
}

#[test]
fn header_extremes() {
    let h = MessageHeader {
        protocol: -1,
        message_type: i32::MAX,
        correlation_id: i64::MIN,
        message_id: i64::MAX,
        message_flags: i32::MIN,
    };
    let expected = hex(
        "01 fe ff ff ff 0f ff ff ff ff ff ff ff ff ff 01 fe ff ff ff ff ff ff ff ff 01 ff ff ff ff 0f",
    );
    assert_eq!(encode(&h), expected);
    assert_eq!(decode::<MessageHeader>(&expected).unwrap(), h);
}

#[test]
fn supported_protocol_with_a_capability() {
    let p = SupportedProtocol {
        protocol: 4,
        protocol_version: V11,
        role: "store".into(),
        protocol_capabilities: vec![("MaxGetResourcesResponse".into(), DataValue::Int(100))],
    };
    let expected = hex(
        "08 02 02 00 00 0a 73 74 6f 72 65 02 2e 4d 61 78 47 65 74 52 65 73 6f 75 72 63 65 73 \
         52 65 73 70 6f 6e 73 65 06 c8 01 00",
    );
    assert_eq!(encode(&p), expected);
    assert_eq!(decode::<SupportedProtocol<'_>>(&expected).unwrap(), p);
}

#[test]
fn data_value_union_in_schema_order() {
    let cases: Vec<(DataValue<'static>, &str)> = vec![
        (DataValue::Null, "00"),
        (DataValue::Double(1.5), "02 00 00 00 00 00 00 f8 3f"),
        (DataValue::Float(0.25), "04 00 00 80 3e"),
        (DataValue::Int(-3), "06 05"),
        (DataValue::Long(1 << 40), "08 80 80 80 80 80 40"),
        (DataValue::String("hé".into()), "0a 06 68 c3 a9"),
        (
            DataValue::ArrayOfDouble(vec![1.0, -2.0]),
            "0c 04 00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 c0 00",
        ),
        (DataValue::Boolean(true), "0e 01"),
        (
            DataValue::Bytes(Cow::Borrowed(&[0x00, 0xff])),
            "10 04 00 ff",
        ),
    ];
    for (value, expected) in cases {
        let expected = hex(expected);
        assert_eq!(encode(&value), expected, "{value:?}");
        assert_eq!(decode::<DataValue<'_>>(&expected).unwrap(), value);
    }
    // Branch 9 does not exist.
    assert!(matches!(
        decode::<DataValue<'_>>(&[0x12]).unwrap_err().kind,
        DecodeErrorKind::UnionIndex {
            index: 9,
            branches: 9
        }
    ));
}

#[test]
fn negative_block_counts_decode_like_positive_ones() {
    // requestedProtocols as one block of count -1 with its byte size (12),
    // supportedObjects as two blocks, one of count -1 (size 2) and one of
    // count 1.
    let body = hex(
        "0a 70 72 6f 62 65 02 30 01 18 06 02 02 00 00 0a 73 74 6f 72 65 00 00 \
         01 04 02 61 02 02 62 00",
    );
    let r: RequestSession<'_> = decode(&body).unwrap();
    assert_eq!(
        r.requested_protocols,
        [SupportedProtocol::new(3, V11, "store")]
    );
    assert_eq!(r.supported_objects, ["a", "b"]);
}

#[test]
fn trailing_bytes_and_truncations_are_errors() {
    let good = hex("0a 70 72 6f 62 65 02 30 02 06 02 02 00 00 0a 73 74 6f 72 65 00 00 00");
    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        decode::<RequestSession<'_>>(&long).unwrap_err().kind,
        DecodeErrorKind::TrailingBytes(1)
    );
    for n in 0..good.len() {
        assert!(decode::<RequestSession<'_>>(&good[..n]).is_err(), "{n}");
    }
    // A header alone is a header, and an empty body follows.
    let (h, rest) = split_message(&[0, 0x0a, 0, 2, 0]).unwrap();
    assert_eq!(h.message_type, 5);
    assert!(rest.is_empty());
    let mut r = Reader::new(&[0x00, 0x02]);
    assert_eq!(MessageHeader::decode(&mut r).unwrap_err().offset, 2);
}

#[test]
fn owned_values_outlive_their_input() {
    let owned = {
        let bytes = hex("0a 70 72 6f 62 65 02 30 02 06 02 02 00 00 0a 73 74 6f 72 65 00 00 00");
        decode::<RequestSession<'_>>(&bytes).unwrap().into_owned()
    };
    assert_eq!(owned.application_name, "probe");
}

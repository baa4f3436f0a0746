//! Transaction identifiers: the client's `clTRID` as received, and the
//! server's `svTRID` as generated.

use std::fmt;
use std::sync::Arc;

/// Bytes a [`TransactionId`] keeps inline before it needs the heap. A clTRID
/// is at most 64 characters, so nearly every one fits.
const INLINE: usize = 64;

/// A client transaction identifier (`clTRID`) as the client sent it, after
/// XML unescaping. Valid ones are 3 to 64 characters (epp:trIDStringType).
///
/// Short values are stored inline, so handing one to the host does not
/// allocate.
#[derive(Clone)]
pub struct TransactionId(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<str>),
}

impl TransactionId {
    /// Wraps a string.
    pub fn new(s: &str) -> TransactionId {
        if s.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            TransactionId(Repr::Inline {
                len: s.len() as u8,
                buf,
            })
        } else {
            TransactionId(Repr::Heap(s.into()))
        }
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Only ever built from a whole `&str`, so the prefix is valid UTF-8.
            Repr::Inline { len, buf } => std::str::from_utf8(&buf[..*len as usize]).unwrap_or(""),
            Repr::Heap(s) => s,
        }
    }
}

impl PartialEq for TransactionId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for TransactionId {}

impl PartialEq<str> for TransactionId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TransactionId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for TransactionId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// A server transaction identifier (`svTRID`, RFC 5730 section 2.5) that
/// libepp has set aside for the response to a request:
/// `{prefix}-{epoch}-{sequence}` (see [`Server::new`](crate::Server::new)).
/// The response to the request carries exactly this value, so a host can
/// record the transaction under it before it answers (a registry's
/// transaction log, a back end's audit trail).
///
/// Handing one out does not allocate: it shares the server's
/// `{prefix}-{epoch}-` and keeps the sequence number. [`fmt::Display`]
/// (and so `to_string()`) writes the identifier.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServerTransactionId {
    head: Arc<str>,
    sequence: u64,
}

impl ServerTransactionId {
    pub(crate) fn new(head: Arc<str>, sequence: u64) -> ServerTransactionId {
        ServerTransactionId { head, sequence }
    }

    /// The sequence number: the part after the last `-`, increasing in the
    /// order the server's sessions read frames.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// Appends the identifier to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.head.as_bytes());
        push_decimal(out, self.sequence);
    }
}

impl fmt::Display for ServerTransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.head, self.sequence)
    }
}

impl fmt::Debug for ServerTransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl PartialEq<str> for ServerTransactionId {
    fn eq(&self, other: &str) -> bool {
        other.strip_prefix(&*self.head).is_some_and(|rest| {
            !rest.is_empty()
                && rest.bytes().all(|b| b.is_ascii_digit())
                && (rest == "0" || !rest.starts_with('0'))
                && rest.parse() == Ok(self.sequence)
        })
    }
}

impl PartialEq<&str> for ServerTransactionId {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

/// Appends the decimal digits of `v` to `out` without allocating.
pub(crate) fn push_decimal(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap() {
        let a = TransactionId::new("ABC-12345");
        assert_eq!(a.as_str(), "ABC-12345");
        let long = "x".repeat(200);
        let b = TransactionId::new(&long);
        assert_eq!(b.as_str(), long);
        assert_eq!(TransactionId::new(&"é".repeat(32)).as_str(), "é".repeat(32));
    }

    #[test]
    fn server_transaction_ids() {
        let a = ServerTransactionId::new(Arc::from("SRV-7-"), 42);
        assert_eq!(a.to_string(), "SRV-7-42");
        assert_eq!(format!("{a:?}"), "\"SRV-7-42\"");
        assert_eq!(a, "SRV-7-42");
        assert!(a != "SRV-7-042" && a != "SRV-7-4" && a != "SRV-8-42" && a != "SRV-7-");
        let mut v = b"x ".to_vec();
        a.write_to(&mut v);
        assert_eq!(v, b"x SRV-7-42");
        assert_eq!(a.sequence(), 42);
    }

    #[test]
    fn decimal() {
        let mut v = Vec::new();
        push_decimal(&mut v, 0);
        v.push(b' ');
        push_decimal(&mut v, u64::MAX);
        assert_eq!(v, b"0 18446744073709551615");
    }
}

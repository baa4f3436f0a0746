//! Transaction identifiers: the client's `clTRID` as received, and the
//! server's `svTRID` as generated.

use std::fmt;

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
    fn decimal() {
        let mut v = Vec::new();
        push_decimal(&mut v, 0);
        v.push(b' ');
        push_decimal(&mut v, u64::MAX);
        assert_eq!(v, b"0 18446744073709551615");
    }
}

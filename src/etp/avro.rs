//! Avro binary encoding, the part ETP 1.1 uses (Apache Avro specification,
//! "Binary Encoding"): `int` and `long` as zig-zag varints, `float` and
//! `double` little-endian, `bytes` and `string` as a length then the bytes,
//! arrays and maps as blocks (a count, then that many items; a negative
//! count is followed by the block's size in bytes; a zero count ends), a
//! union as the index of its branch then the branch, a record as its fields
//! in schema order.
//!
//! [`Reader`] decodes from a borrowed buffer without copying: strings and
//! bytes are slices of the input. Every length and count is checked against
//! the bytes actually left before anything is allocated for it, so what a
//! decode allocates is bounded by a constant times the input's size
//! whatever the input says. The `write_*` functions encode.

use std::fmt;

/// Why bytes did not decode, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// What was wrong.
    pub kind: DecodeErrorKind,
    /// The offset, in the buffer given to [`Reader::new`], of the value
    /// that did not decode.
    pub offset: usize,
}

/// What was wrong with the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended inside a value.
    UnexpectedEnd,
    /// A varint longer than its type allows (5 bytes for `int`, 10 for
    /// `long`), or with bits beyond the type's width.
    VarintOverflow,
    /// A negative length of `bytes` or `string`.
    NegativeLength(i64),
    /// A length, or a block's byte size, larger than the bytes left.
    LengthBeyondInput {
        /// The length read.
        length: i64,
        /// The bytes left after it.
        left: usize,
    },
    /// A `string` that is not UTF-8.
    InvalidUtf8,
    /// A `boolean` byte other than 0 or 1.
    InvalidBoolean(u8),
    /// A union branch index outside the union.
    UnionIndex {
        /// The index read.
        index: i64,
        /// The branches the union has.
        branches: usize,
    },
    /// A block count whose magnitude cannot be represented (`i64::MIN`).
    InvalidBlockCount(i64),
    /// A block announcing more items than the bytes left can hold.
    TooManyItems {
        /// The count read.
        count: i64,
        /// The bytes left after it.
        left: usize,
    },
    /// A block whose items did not take the byte size its negative count
    /// announced.
    BlockSizeMismatch {
        /// The size announced.
        declared: i64,
        /// The bytes its items took.
        used: usize,
    },
    /// Bytes left after the value.
    TrailingBytes(usize),
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeErrorKind::UnexpectedEnd => f.write_str("unexpected end of input"),
            DecodeErrorKind::VarintOverflow => f.write_str("varint too long for its type"),
            DecodeErrorKind::NegativeLength(n) => write!(f, "negative length {n}"),
            DecodeErrorKind::LengthBeyondInput { length, left } => {
                write!(f, "length {length} exceeds the {left} bytes left")
            }
            DecodeErrorKind::InvalidUtf8 => f.write_str("string is not UTF-8"),
            DecodeErrorKind::InvalidBoolean(b) => write!(f, "boolean byte {b}"),
            DecodeErrorKind::UnionIndex { index, branches } => {
                write!(f, "union index {index} outside 0..{branches}")
            }
            DecodeErrorKind::InvalidBlockCount(n) => write!(f, "block count {n}"),
            DecodeErrorKind::TooManyItems { count, left } => {
                write!(
                    f,
                    "block of {count} items cannot fit in the {left} bytes left"
                )
            }
            DecodeErrorKind::BlockSizeMismatch { declared, used } => {
                write!(
                    f,
                    "block declared {declared} bytes but its items took {used}"
                )
            }
            DecodeErrorKind::TrailingBytes(n) => write!(f, "{n} trailing bytes"),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)
    }
}

impl std::error::Error for DecodeError {}

/// A decoder over a borrowed buffer.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    /// The offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The bytes not yet read (borrowed from the input).
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Ends the decode: an error if any byte is left.
    pub fn finish(self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(self.error(DecodeErrorKind::TrailingBytes(n), self.pos)),
        }
    }

    fn error(&self, kind: DecodeErrorKind, offset: usize) -> DecodeError {
        DecodeError { kind, offset }
    }

    /// A raw varint of at most `max_bytes` bytes whose last byte may hold
    /// at most `last_max`.
    fn varint(&mut self, max_bytes: usize, last_max: u8) -> Result<u64, DecodeError> {
        let start = self.pos;
        let mut value = 0u64;
        for i in 0..max_bytes {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(self.error(DecodeErrorKind::UnexpectedEnd, start));
            };
            self.pos += 1;
            if i + 1 == max_bytes && b > last_max {
                return Err(self.error(DecodeErrorKind::VarintOverflow, start));
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        // Unreachable: the last byte either ends the varint or overflows.
        Err(self.error(DecodeErrorKind::VarintOverflow, start))
    }

    /// An Avro `long` (zig-zag varint, at most 10 bytes).
    pub fn read_long(&mut self) -> Result<i64, DecodeError> {
        let v = self.varint(10, 1)?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    /// An Avro `int` (zig-zag varint, at most 5 bytes).
    pub fn read_int(&mut self) -> Result<i32, DecodeError> {
        let v = self.varint(5, 0x0f)? as u32;
        Ok(((v >> 1) as i32) ^ -((v & 1) as i32))
    }

    /// An Avro `boolean` (one byte, 0 or 1).
    pub fn read_boolean(&mut self) -> Result<bool, DecodeError> {
        let at = self.pos;
        match self.take(1, at)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.error(DecodeErrorKind::InvalidBoolean(b), at)),
        }
    }

    /// An Avro `float` (4 bytes, little-endian).
    pub fn read_float(&mut self) -> Result<f32, DecodeError> {
        let at = self.pos;
        let b = self.take(4, at)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// An Avro `double` (8 bytes, little-endian).
    pub fn read_double(&mut self) -> Result<f64, DecodeError> {
        let at = self.pos;
        let b = self.take(8, at)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }

    fn take(&mut self, n: usize, at: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.error(DecodeErrorKind::UnexpectedEnd, at));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// An Avro `bytes`, borrowed from the input.
    pub fn read_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let at = self.pos;
        let len = self.read_long()?;
        if len < 0 {
            return Err(self.error(DecodeErrorKind::NegativeLength(len), at));
        }
        let left = self.remaining();
        if len as u64 > left as u64 {
            return Err(self.error(DecodeErrorKind::LengthBeyondInput { length: len, left }, at));
        }
        self.take(len as usize, at)
    }

    /// An Avro `string` (UTF-8), borrowed from the input.
    pub fn read_string(&mut self) -> Result<&'a str, DecodeError> {
        let at = self.pos;
        let b = self.read_bytes()?;
        std::str::from_utf8(b).map_err(|_| self.error(DecodeErrorKind::InvalidUtf8, at))
    }

    /// A union's branch index, checked against its `branches`.
    pub fn read_union_index(&mut self, branches: usize) -> Result<usize, DecodeError> {
        let at = self.pos;
        let index = self.read_long()?;
        if index < 0 || index as u64 >= branches as u64 {
            return Err(self.error(DecodeErrorKind::UnionIndex { index, branches }, at));
        }
        Ok(index as usize)
    }

    /// An Avro array whose items are read by `item`. Every item takes at
    /// least `min_item_size` bytes (at least 1): a block count the bytes
    /// left cannot hold is refused before anything is allocated for it.
    pub fn read_array<T>(
        &mut self,
        min_item_size: usize,
        mut item: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let min_item_size = min_item_size.max(1);
        let mut items = Vec::new();
        loop {
            let at = self.pos;
            let count = self.read_long()?;
            if count == 0 {
                return Ok(items);
            }
            let (count, end) = if count < 0 {
                let Some(count) = count.checked_neg() else {
                    return Err(self.error(DecodeErrorKind::InvalidBlockCount(count), at));
                };
                let size_at = self.pos;
                let size = self.read_long()?;
                let left = self.remaining();
                if size < 0 || size as u64 > left as u64 {
                    return Err(self.error(
                        DecodeErrorKind::LengthBeyondInput { length: size, left },
                        size_at,
                    ));
                }
                (count, Some((self.pos, size)))
            } else {
                (count, None)
            };
            let left = self.remaining();
            if count as u64 > (left / min_item_size) as u64 {
                return Err(self.error(DecodeErrorKind::TooManyItems { count, left }, at));
            }
            items.reserve(count as usize);
            for _ in 0..count {
                items.push(item(self)?);
            }
            if let Some((start, declared)) = end {
                let used = self.pos - start;
                if used as u64 != declared as u64 {
                    return Err(
                        self.error(DecodeErrorKind::BlockSizeMismatch { declared, used }, at)
                    );
                }
            }
        }
    }

    /// An Avro map whose values are read by `value`, as (key, value) pairs
    /// in the order they were encoded. Every value takes at least
    /// `min_value_size` bytes.
    pub fn read_map<T>(
        &mut self,
        min_value_size: usize,
        mut value: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
    ) -> Result<Vec<(&'a str, T)>, DecodeError> {
        // A key is a string: at least its one-byte length.
        self.read_array(1 + min_value_size, |r| {
            let k = r.read_string()?;
            Ok((k, value(r)?))
        })
    }
}

/// Appends an Avro `long`.
pub fn write_long(out: &mut Vec<u8>, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// Appends an Avro `int`.
pub fn write_int(out: &mut Vec<u8>, v: i32) {
    write_long(out, i64::from(v));
}

/// Appends an Avro `boolean`.
pub fn write_boolean(out: &mut Vec<u8>, v: bool) {
    out.push(u8::from(v));
}

/// Appends an Avro `float`.
pub fn write_float(out: &mut Vec<u8>, v: f32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends an Avro `double`.
pub fn write_double(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends an Avro `bytes`.
pub fn write_bytes(out: &mut Vec<u8>, v: &[u8]) {
    write_long(out, v.len() as i64);
    out.extend_from_slice(v);
}

/// Appends an Avro `string`.
pub fn write_string(out: &mut Vec<u8>, v: &str) {
    write_bytes(out, v.as_bytes());
}

/// Appends a union's branch index.
pub fn write_union_index(out: &mut Vec<u8>, index: usize) {
    write_long(out, index as i64);
}

/// Appends an Avro array: one block holding every item (none when empty),
/// then the end marker.
pub fn write_array<T>(out: &mut Vec<u8>, items: &[T], mut item: impl FnMut(&mut Vec<u8>, &T)) {
    if !items.is_empty() {
        write_long(out, items.len() as i64);
        for i in items {
            item(out, i);
        }
    }
    out.push(0);
}

/// Appends an Avro map of (key, value) pairs, in their order: one block,
/// then the end marker.
pub fn write_map<K: AsRef<str>, V>(
    out: &mut Vec<u8>,
    entries: &[(K, V)],
    mut value: impl FnMut(&mut Vec<u8>, &V),
) {
    write_array(out, entries, |out, (k, v)| {
        write_string(out, k.as_ref());
        value(out, v);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(v: i64) -> Vec<u8> {
        let mut o = Vec::new();
        write_long(&mut o, v);
        o
    }

    #[test]
    fn zigzag_varints_round_trip() {
        assert_eq!(long(0), [0]);
        assert_eq!(long(-1), [1]);
        assert_eq!(long(1), [2]);
        assert_eq!(long(-64), [0x7f]);
        assert_eq!(long(64), [0x80, 0x01]);
        assert_eq!(long(i64::MAX).len(), 10);
        for v in [0, 1, -1, 63, -64, 64, 300, -300, i64::MAX, i64::MIN] {
            let b = long(v);
            let mut r = Reader::new(&b);
            assert_eq!(r.read_long().unwrap(), v);
            r.finish().unwrap();
        }
        for v in [0, 1, -1, i32::MAX, i32::MIN] {
            let mut b = Vec::new();
            write_int(&mut b, v);
            assert!(b.len() <= 5);
            assert_eq!(Reader::new(&b).read_int().unwrap(), v);
        }
    }

    #[test]
    fn overlong_varints_are_refused() {
        let eleven = [0xff; 11];
        let e = Reader::new(&eleven).read_long().unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::VarintOverflow);
        // The tenth byte of a long may only carry one bit.
        let mut b = vec![0xff; 9];
        b.push(0x02);
        assert_eq!(
            Reader::new(&b).read_long().unwrap_err().kind,
            DecodeErrorKind::VarintOverflow
        );
        // An int has at most 5 bytes and 32 bits.
        assert_eq!(
            Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x10])
                .read_int()
                .unwrap_err()
                .kind,
            DecodeErrorKind::VarintOverflow
        );
        assert_eq!(
            Reader::new(&[0x80]).read_int().unwrap_err().kind,
            DecodeErrorKind::UnexpectedEnd
        );
    }

    #[test]
    fn lengths_are_checked_before_anything_is_taken() {
        // "length 100" with 2 bytes left.
        let e = Reader::new(&[0xc8, 0x01, b'a', b'b'])
            .read_string()
            .unwrap_err();
        assert_eq!(
            e.kind,
            DecodeErrorKind::LengthBeyondInput {
                length: 100,
                left: 2
            }
        );
        assert_eq!(e.offset, 0);
        assert_eq!(
            Reader::new(&[0x01]).read_bytes().unwrap_err().kind,
            DecodeErrorKind::NegativeLength(-1)
        );
        assert_eq!(
            Reader::new(&[0x02, 0xff]).read_string().unwrap_err().kind,
            DecodeErrorKind::InvalidUtf8
        );
        assert_eq!(
            Reader::new(&[2]).read_boolean().unwrap_err().kind,
            DecodeErrorKind::InvalidBoolean(2)
        );
    }

    #[test]
    fn arrays_take_positive_and_negative_blocks() {
        // [1, 2] in two blocks: the second with a negative count and a
        // byte size.
        let b = [0x02, 0x02, 0x01, 0x02, 0x04, 0x00];
        let mut r = Reader::new(&b);
        assert_eq!(r.read_array(1, |r| r.read_long()).unwrap(), [1, 2]);
        r.finish().unwrap();
        // A byte size beyond the input, then one the items do not take.
        let b = [0x01, 0x10, 0x04, 0x00];
        assert!(matches!(
            Reader::new(&b)
                .read_array(1, |r| r.read_long())
                .unwrap_err()
                .kind,
            DecodeErrorKind::LengthBeyondInput { .. }
        ));
        let b = [0x01, 0x00, 0x04, 0x00];
        assert_eq!(
            Reader::new(&b)
                .read_array(1, |r| r.read_long())
                .unwrap_err()
                .kind,
            DecodeErrorKind::BlockSizeMismatch {
                declared: 0,
                used: 1
            }
        );
        // A count the input cannot hold is refused at once.
        let mut b = Vec::new();
        write_long(&mut b, 1 << 40);
        b.push(0);
        assert!(matches!(
            Reader::new(&b)
                .read_array(1, |r| r.read_long())
                .unwrap_err()
                .kind,
            DecodeErrorKind::TooManyItems { .. }
        ));
        let mut b = Vec::new();
        write_long(&mut b, i64::MIN);
        assert_eq!(
            Reader::new(&b)
                .read_array(1, |r| r.read_long())
                .unwrap_err()
                .kind,
            DecodeErrorKind::InvalidBlockCount(i64::MIN)
        );
    }

    #[test]
    fn maps_keep_their_order() {
        let mut b = Vec::new();
        write_map(&mut b, &[("b", 1i64), ("a", 2)], |o, v| write_long(o, *v));
        assert_eq!(b, [0x04, 0x02, b'b', 0x02, 0x02, b'a', 0x04, 0x00]);
        let mut r = Reader::new(&b);
        assert_eq!(
            r.read_map(1, |r| r.read_long()).unwrap(),
            [("b", 1), ("a", 2)]
        );
        r.finish().unwrap();
    }

    #[test]
    fn unions_and_trailing_bytes() {
        assert_eq!(Reader::new(&[0x02]).read_union_index(2).unwrap(), 1);
        assert_eq!(
            Reader::new(&[0x04]).read_union_index(2).unwrap_err().kind,
            DecodeErrorKind::UnionIndex {
                index: 2,
                branches: 2
            }
        );
        let mut r = Reader::new(&[0, 0]);
        r.read_long().unwrap();
        assert_eq!(
            r.finish().unwrap_err(),
            DecodeError {
                kind: DecodeErrorKind::TrailingBytes(1),
                offset: 1
            }
        );
    }
}

//! RFC 5734 framing, both directions: a frame is a 4-byte big-endian length
//! that counts itself, then that many bytes less four of XML.
//!
//! The reader side is [`decode_header`] over the engine's [`InputBuffer`];
//! the writer side is [`begin_frame`] / [`end_frame`] around bytes written
//! straight into an output buffer. A server reads and writes frames; so will
//! a client engine.

/// Bytes in the length header.
pub(crate) const HEADER_LEN: usize = 4;

/// What the start of a byte stream holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decoded {
    /// A whole frame of `total` bytes, header included; its XML is
    /// `bytes[HEADER_LEN..total]`.
    Frame { total: usize },
    /// Not yet a whole frame.
    Incomplete,
    /// The header announces a length outside `5..=limit`.
    BadLength {
        /// The announced length.
        length: u32,
        /// The largest length accepted.
        limit: u32,
    },
}

/// Reads the frame at the start of `bytes`. The announced length is checked
/// as soon as the header is complete, so a hostile length is refused before
/// anything is buffered for it.
#[inline]
pub(crate) fn decode_header(bytes: &[u8], limit: u32) -> Decoded {
    let Some(header) = bytes.first_chunk::<HEADER_LEN>() else {
        return Decoded::Incomplete;
    };
    let length = u32::from_be_bytes(*header);
    if !(HEADER_LEN as u32 + 1..=limit).contains(&length) {
        return Decoded::BadLength { length, limit };
    }
    let total = length as usize;
    if bytes.len() >= total {
        Decoded::Frame { total }
    } else {
        Decoded::Incomplete
    }
}

/// Starts a frame: reserves the length header. Returns where the frame
/// starts, for [`end_frame`].
pub(crate) fn begin_frame(out: &mut Vec<u8>) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0; HEADER_LEN]);
    at
}

/// Ends a frame begun at `at`: writes the length (which counts the header
/// itself).
pub(crate) fn end_frame(out: &mut [u8], at: usize) {
    let len = (out.len() - at) as u32;
    out[at..at + HEADER_LEN].copy_from_slice(&len.to_be_bytes());
}

/// Past this, a drained buffer is released entirely.
pub(crate) const KEEP_CAPACITY: usize = 16 * 1024;

/// The engine's input: bytes fed and not yet consumed. Empty (and without
/// an allocation) whenever every byte fed has been handled, which is the
/// usual case: a whole frame in the host's buffer is parsed in place and
/// never copied here.
#[derive(Debug, Default)]
pub(crate) struct InputBuffer {
    bytes: Vec<u8>,
    start: usize,
}

impl InputBuffer {
    /// Bytes held.
    pub(crate) fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    /// Whether nothing is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.bytes.len()
    }

    /// The bytes held.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes[self.start..]
    }

    /// Appends bytes.
    pub(crate) fn push(&mut self, input: &[u8]) {
        if self.is_empty() {
            self.bytes.clear();
            self.start = 0;
        } else if self.start > 0 && self.start >= self.bytes.len() / 2 {
            // Compact before growing, so the buffer never holds more than
            // twice what is pending.
            self.bytes.drain(..self.start);
            self.start = 0;
        }
        self.bytes.extend_from_slice(input);
    }

    /// Marks `n` bytes as handled.
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n;
        if self.is_empty() {
            self.bytes.clear();
            self.start = 0;
            if self.bytes.capacity() > KEEP_CAPACITY {
                self.bytes = Vec::new();
            }
        }
    }

    /// Drops everything held and releases the memory.
    pub(crate) fn clear(&mut self) {
        *self = InputBuffer::default();
    }

    /// Takes the buffer out (to parse a frame from it while the engine is
    /// borrowed mutably); give it back with [`InputBuffer::restore`].
    pub(crate) fn take(&mut self) -> InputBuffer {
        std::mem::take(self)
    }

    /// Puts back a buffer taken with [`InputBuffer::take`], keeping its
    /// allocation for reuse.
    pub(crate) fn restore(&mut self, taken: InputBuffer) {
        *self = taken;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_lengths() {
        assert_eq!(decode_header(&[0, 0], 100), Decoded::Incomplete);
        assert_eq!(
            decode_header(&[0, 0, 0, 4], 100),
            Decoded::BadLength {
                length: 4,
                limit: 100
            }
        );
        assert_eq!(
            decode_header(&[0, 0, 0, 101], 100),
            Decoded::BadLength {
                length: 101,
                limit: 100
            }
        );
        assert_eq!(decode_header(&[0, 0, 0, 6, b'a'], 100), Decoded::Incomplete);
        assert_eq!(
            decode_header(&[0, 0, 0, 6, b'a', b'b', b'c'], 100),
            Decoded::Frame { total: 6 }
        );
    }

    #[test]
    fn frame_length_counts_header() {
        let mut o = vec![9];
        let at = begin_frame(&mut o);
        o.extend_from_slice(b"<epp/>");
        end_frame(&mut o, at);
        assert_eq!(&o[1..5], &10u32.to_be_bytes());
    }

    #[test]
    fn input_buffer_compacts_and_releases() {
        let mut b = InputBuffer::default();
        b.push(b"abcdef");
        b.consume(4);
        assert_eq!(b.bytes(), b"ef");
        b.push(b"gh");
        assert_eq!(b.bytes(), b"efgh");
        b.consume(4);
        assert!(b.is_empty());
        assert_eq!(b.len(), 0);
    }
}

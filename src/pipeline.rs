//! The pipeline between a session's transition function and the host:
//! ordered response slots, the request queue, and the output buffer with
//! its bounds.
//!
//! It is generic over what the host is asked (`R`, handed out in order by
//! [`Pipeline::pop_request`]), what a slot waits for (`W`) and what each
//! response carries for bookkeeping (`M`, for example transaction ids).
//! Responses leave in the order their slots were opened, whatever the order
//! in which they are completed: an EPP server answers in command order, and
//! a client matches responses to the commands it sent in the same order.
//! An unordered pipeline ([`Pipeline::unordered`], for ETP, whose peers
//! match answers by correlation id) writes every response as soon as it is
//! known instead; its slots only keep track of what is outstanding.

use std::collections::VecDeque;

use crate::framing::KEEP_CAPACITY;

/// What a drained output buffer keeps: room for a greeting or a poll
/// message response without reallocating.
const IDLE_CAPACITY: usize = 1024;

/// One response position.
#[derive(Debug)]
struct Slot<W, M> {
    /// The request's id; 0 for a response known at once.
    id: u64,
    /// What the slot waits for; `None` once its response is rendered.
    waiting: Option<W>,
    meta: M,
    /// The rendered response, once known and not yet movable to the output.
    done: Option<Vec<u8>>,
    /// Nothing after this response is written.
    closes: bool,
}

/// Where a looked-up id stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Outstanding, at this slot index.
    Waiting(usize),
    /// Issued once and no longer outstanding (answered, or dropped).
    Settled,
    /// Never issued.
    Unknown,
}

/// Ordered slots, the request queue and the output buffer.
#[derive(Debug)]
pub(crate) struct Pipeline<R, W, M> {
    slots: VecDeque<Slot<W, M>>,
    requests: VecDeque<R>,
    out: Vec<u8>,
    out_pos: usize,
    next_id: u64,
    /// Responses leave in slot order (EPP); when false, as they come.
    ordered: bool,
}

impl<R, W, M> Pipeline<R, W, M> {
    /// An empty pipeline whose output starts with `out`.
    pub(crate) fn new(out: Vec<u8>) -> Self {
        Pipeline {
            // One of each in steady state (a command at a time): exact
            // capacities keep an idle session small; pipelining grows them.
            slots: VecDeque::with_capacity(1),
            requests: VecDeque::with_capacity(1),
            out,
            out_pos: 0,
            next_id: 1,
            ordered: true,
        }
    }

    /// An empty pipeline whose responses are written as soon as they are
    /// known, whatever slots are still outstanding.
    pub(crate) fn unordered(out: Vec<u8>) -> Self {
        Pipeline {
            ordered: false,
            ..Pipeline::new(out)
        }
    }

    // -- requests ---------------------------------------------------------

    /// Queues a request for the host.
    pub(crate) fn push_request(&mut self, r: R) {
        self.requests.push_back(r);
    }

    /// The next request for the host.
    pub(crate) fn pop_request(&mut self) -> Option<R> {
        self.requests.pop_front()
    }

    /// Keeps only the queued requests `keep` accepts.
    pub(crate) fn retain_requests(&mut self, keep: impl FnMut(&R) -> bool) {
        self.requests.retain(keep);
    }

    // -- slots ------------------------------------------------------------

    /// Opens a slot waiting for `waiting`; returns its id.
    pub(crate) fn open(&mut self, waiting: W, meta: M) -> u64 {
        let id = self.take_id();
        self.slots.push_back(Slot {
            id,
            waiting: Some(waiting),
            meta,
            done: None,
            closes: false,
        });
        id
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Where request `id` stands.
    pub(crate) fn lookup(&self, id: u64) -> Lookup {
        match self
            .slots
            .iter()
            .position(|s| s.id == id && s.waiting.is_some())
        {
            Some(i) => Lookup::Waiting(i),
            None if id != 0 && id < self.next_id => Lookup::Settled,
            None => Lookup::Unknown,
        }
    }

    /// What slot `i` waits for.
    pub(crate) fn waiting(&self, i: usize) -> Option<&W> {
        self.slots[i].waiting.as_ref()
    }

    /// Slots not yet answered by the host.
    pub(crate) fn outstanding(&self) -> usize {
        self.slots.iter().filter(|s| s.waiting.is_some()).count()
    }

    /// Slots not yet written (answered or not).
    pub(crate) fn in_flight(&self) -> usize {
        self.slots.len()
    }

    /// Nothing waits and nothing is left to write.
    pub(crate) fn is_drained(&self) -> bool {
        self.slots.is_empty() && self.out_pos == self.out.len()
    }

    /// A response known at once: written straight to the output when no
    /// earlier response is pending (or the pipeline is unordered), else
    /// parked in a slot of its own.
    /// `written` sees each response's metadata as it reaches the output.
    pub(crate) fn respond_now(
        &mut self,
        meta: M,
        closes: bool,
        render: impl FnOnce(&mut Vec<u8>, &M),
        written: impl FnMut(&M, &[u8]),
    ) {
        if self.slots.is_empty() || !self.ordered {
            self.write(&meta, render, written);
        } else {
            let mut buf = Vec::new();
            render(&mut buf, &meta);
            // Never handed out, so it takes no id: ids name requests only.
            self.slots.push_back(Slot {
                id: 0,
                waiting: None,
                meta,
                done: Some(buf),
                closes,
            });
        }
    }

    /// The metadata of slot `i`.
    pub(crate) fn meta_mut(&mut self, i: usize) -> &mut M {
        &mut self.slots[i].meta
    }

    /// Renders the response of slot `i` (which stops waiting) and moves
    /// every finished response at the head of the line to the output (an
    /// unordered pipeline writes it at once, wherever the slot is).
    /// `closes`: nothing after this response is written. Returns whether a
    /// closing response reached the output (every later slot is dropped
    /// then; the caller drops their queued requests).
    pub(crate) fn complete(
        &mut self,
        i: usize,
        closes: bool,
        render: impl FnOnce(&mut Vec<u8>, &M),
        mut written: impl FnMut(&M, &[u8]),
    ) -> bool {
        let slot = &mut self.slots[i];
        slot.waiting = None;
        slot.closes = closes;
        if i > 0 && self.ordered {
            let mut buf = Vec::new();
            render(&mut buf, &slot.meta);
            slot.done = Some(buf);
            return false;
        }
        let slot = self.slots.remove(i).expect("slot i");
        self.write(&slot.meta, render, &mut written);
        if slot.closes {
            self.slots.clear();
            return true;
        }
        while self.slots.front().is_some_and(|s| s.done.is_some()) {
            let slot = self.slots.pop_front().expect("front");
            let frame = slot.done.as_deref().unwrap_or_default();
            written(&slot.meta, frame);
            self.out.extend_from_slice(frame);
            if slot.closes {
                self.slots.clear();
                return true;
            }
        }
        false
    }

    fn write(
        &mut self,
        meta: &M,
        render: impl FnOnce(&mut Vec<u8>, &M),
        mut written: impl FnMut(&M, &[u8]),
    ) {
        let start = self.out.len();
        render(&mut self.out, meta);
        written(meta, &self.out[start..]);
    }

    // -- a client's commands ---------------------------------------------

    /// Writes a frame straight to the output and opens a slot that waits
    /// for its answer: a client's command goes out at once, whatever is
    /// still unanswered, and its response comes back in slot order.
    /// Returns the slot's id.
    pub(crate) fn send(&mut self, waiting: W, meta: M, render: impl FnOnce(&mut Vec<u8>)) -> u64 {
        render(&mut self.out);
        self.open(waiting, meta)
    }

    /// What the oldest slot waits for, and its metadata: the next answer
    /// is its answer.
    pub(crate) fn oldest(&self) -> Option<(Option<&W>, &M)> {
        self.slots.front().map(|s| (s.waiting.as_ref(), &s.meta))
    }

    /// Removes the oldest slot (its answer has come), returning what it
    /// waited for and its metadata.
    pub(crate) fn pop_oldest(&mut self) -> Option<(Option<W>, M)> {
        self.slots.pop_front().map(|s| (s.waiting, s.meta))
    }

    /// Removes every slot, oldest first, returning their metadata.
    pub(crate) fn drain_slots(&mut self) -> Vec<M> {
        self.slots.drain(..).map(|s| s.meta).collect()
    }

    /// Drops every slot and request (the session ended without flushing);
    /// `keep` says which queued requests stay.
    pub(crate) fn abandon(&mut self, keep: impl FnMut(&R) -> bool) {
        self.slots.clear();
        self.requests.retain(keep);
    }

    /// Drops the output not yet taken.
    pub(crate) fn discard_output(&mut self) {
        self.out = Vec::new();
        self.out_pos = 0;
    }

    // -- output -----------------------------------------------------------

    /// Bytes not yet taken.
    pub(crate) fn output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// Bytes not yet taken, counted.
    pub(crate) fn pending_output(&self) -> usize {
        self.out.len() - self.out_pos
    }

    /// Marks `n` bytes of output as taken (at most what is pending).
    pub(crate) fn consume_output(&mut self, n: usize) {
        self.out_pos = self.out_pos.saturating_add(n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            if self.out.capacity() > KEEP_CAPACITY {
                self.out = Vec::new();
            } else if self.out.capacity() > IDLE_CAPACITY {
                // Enough for any ordinary response, so steady state does not
                // allocate; an idle session keeps little.
                self.out.shrink_to(IDLE_CAPACITY);
            }
        } else if self.out_pos > KEEP_CAPACITY && self.out_pos > self.out.len() / 2 {
            // Partial writes: drop what was written so the buffer never
            // holds more than twice what is pending.
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
    }

    /// Takes all pending output at once.
    pub(crate) fn take_output(&mut self) -> Option<Vec<u8>> {
        if self.out_pos == self.out.len() {
            return None;
        }
        let v = if self.out_pos == 0 {
            std::mem::take(&mut self.out)
        } else {
            self.out[self.out_pos..].to_vec()
        };
        self.out.clear();
        self.out_pos = 0;
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type P = Pipeline<u64, &'static str, u32>;

    fn render(text: &'static str) -> impl FnOnce(&mut Vec<u8>, &u32) {
        move |out: &mut Vec<u8>, m: &u32| {
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(m.to_string().as_bytes());
        }
    }

    #[test]
    fn responses_leave_in_slot_order() {
        let mut p = P::new(Vec::new());
        let a = p.open("a", 1);
        let b = p.open("b", 2);
        p.respond_now(3, false, render("c"), |_, _| {});
        let Lookup::Waiting(ib) = p.lookup(b) else {
            panic!()
        };
        let mut seen = Vec::new();
        p.complete(ib, false, render("B"), |m, _| seen.push(*m));
        assert_eq!(p.output(), b"");
        let Lookup::Waiting(ia) = p.lookup(a) else {
            panic!()
        };
        p.complete(ia, false, render("A"), |m, _| seen.push(*m));
        assert_eq!(p.output(), b"A1B2c3");
        assert_eq!(seen, [1, 2, 3]);
        assert_eq!(p.lookup(a), Lookup::Settled);
        assert_eq!(p.lookup(99), Lookup::Unknown);
        assert!(p.is_drained() || p.pending_output() > 0);
    }

    #[test]
    fn an_unordered_pipeline_writes_responses_as_they_come() {
        let mut p = P::unordered(Vec::new());
        let a = p.open("a", 1);
        let b = p.open("b", 2);
        p.respond_now(3, false, render("c"), |_, _| {});
        assert_eq!(p.output(), b"c3");
        let Lookup::Waiting(ib) = p.lookup(b) else {
            panic!()
        };
        assert_eq!(ib, 1);
        p.complete(ib, false, render("B"), |_, _| {});
        assert_eq!(p.output(), b"c3B2");
        assert_eq!(p.lookup(b), Lookup::Settled);
        assert_eq!(p.outstanding(), 1);
        let Lookup::Waiting(ia) = p.lookup(a) else {
            panic!()
        };
        p.complete(ia, false, render("A"), |_, _| {});
        assert_eq!(p.take_output().unwrap(), b"c3B2A1");
        assert!(p.is_drained());
    }

    #[test]
    fn client_slots_match_answers_in_order() {
        let mut p = P::new(Vec::new());
        p.send("a", 1, |o| o.extend_from_slice(b"A"));
        p.send("b", 2, |o| o.extend_from_slice(b"B"));
        assert_eq!(p.output(), b"AB");
        assert_eq!(p.oldest(), Some((Some(&"a"), &1)));
        assert_eq!(p.pop_oldest(), Some((Some("a"), 1)));
        assert_eq!(p.in_flight(), 1);
        p.send("c", 3, |_| {});
        assert_eq!(p.drain_slots(), [2, 3]);
        assert!(p.oldest().is_none());
    }

    #[test]
    fn a_closing_response_drops_what_follows() {
        let mut p = P::new(Vec::new());
        let a = p.open("a", 1);
        p.open("b", 2);
        let Lookup::Waiting(ia) = p.lookup(a) else {
            panic!()
        };
        p.complete(ia, true, render("A"), |_, _| {});
        assert_eq!(p.in_flight(), 0);
        assert_eq!(p.take_output().unwrap(), b"A1");
        assert!(p.is_drained());
    }
}

//! The few pieces of Thrift's compact protocol a Parquet footer and page header need (Apache Thrift,
//! "Thrift Compact protocol encoding", `doc/specs/thrift-compact-protocol.md`): field headers with
//! delta-encoded ids, zigzag varints, binaries, lists and nested structs. Writing only; Parquet's own
//! structures (`parquet.thrift`) are laid out by the caller field by field, in increasing id order.

/// Compact-protocol type codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Ty {
    I32 = 5,
    I64 = 6,
    Binary = 8,
    List = 9,
    Struct = 12,
}

/// A buffer being written, with the stack of last field ids (one per open struct).
#[derive(Debug, Default)]
pub struct Out {
    /// The bytes so far.
    pub buf: Vec<u8>,
    last: Vec<i16>,
}

impl Out {
    /// A buffer with the outermost struct open.
    pub fn new() -> Self {
        Out {
            buf: Vec::new(),
            last: vec![0],
        }
    }

    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    fn zigzag(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn field(&mut self, id: i16, ty: Ty) {
        let last = self.last.last_mut().expect("a struct is open");
        let delta = id - *last;
        assert!(delta > 0, "thrift fields go in increasing id order");
        *last = id;
        if delta <= 15 {
            self.buf.push(((delta as u8) << 4) | ty as u8);
        } else {
            self.buf.push(ty as u8);
            self.zigzag(i64::from(id));
        }
    }

    /// Field `id`, an i32.
    pub fn i32(&mut self, id: i16, v: i32) {
        self.field(id, Ty::I32);
        self.zigzag(i64::from(v));
    }

    /// Field `id`, an i64.
    pub fn i64(&mut self, id: i16, v: i64) {
        self.field(id, Ty::I64);
        self.zigzag(v);
    }

    /// Field `id`, a string.
    pub fn string(&mut self, id: i16, s: &str) {
        self.field(id, Ty::Binary);
        self.varint(s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Field `id`, a list of `n` elements of type `elem`; the caller writes the elements next.
    pub fn list(&mut self, id: i16, elem: Ty, n: usize) {
        self.field(id, Ty::List);
        if n < 15 {
            self.buf.push(((n as u8) << 4) | elem as u8);
        } else {
            self.buf.push(0xF0 | elem as u8);
            self.varint(n as u64);
        }
    }

    /// An i32 list element.
    pub fn elem_i32(&mut self, v: i32) {
        self.zigzag(i64::from(v));
    }

    /// A string list element.
    pub fn elem_string(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Field `id`, a struct: its fields follow, then [`Out::end`].
    pub fn begin(&mut self, id: i16) {
        self.field(id, Ty::Struct);
        self.last.push(0);
    }

    /// A struct list element: its fields follow, then [`Out::end`].
    pub fn begin_elem(&mut self) {
        self.last.push(0);
    }

    /// Close the innermost struct (the stop byte).
    pub fn end(&mut self) {
        self.buf.push(0);
        self.last.pop();
    }

    /// Close the outermost struct and return the bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.end();
        assert!(self.last.is_empty(), "every struct is closed");
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_headers_varints_and_lists_follow_the_compact_spec() {
        let mut o = Out::new();
        o.i32(1, 1); // delta 1, type 5: 0x15; zigzag(1) = 2
        o.i64(3, -1); // delta 2, type 6: 0x26; zigzag(-1) = 1
        o.string(20, "ab"); // delta 17 > 15: type byte 0x08, zigzag(20) = 40 = 0x28, length 2
        o.list(21, Ty::I32, 2); // delta 1, type 9: 0x19; size 2 type 5: 0x25
        o.elem_i32(0);
        o.elem_i32(300); // zigzag 600 = 0b100_1011000: 0xD8 0x04
        let b = o.finish();
        assert_eq!(
            b,
            vec![
                0x15, 0x02, 0x26, 0x01, 0x08, 0x28, 0x02, b'a', b'b', 0x19, 0x25, 0x00, 0xD8, 0x04,
                0x00
            ]
        );
    }

    #[test]
    fn a_long_list_carries_its_size_after_the_header() {
        let mut o = Out::new();
        o.list(1, Ty::Binary, 20); // 0x19, then 0xF8 and varint 20
        for _ in 0..20 {
            o.elem_string("");
        }
        let b = o.finish();
        assert_eq!(&b[..3], &[0x19, 0xF8, 20]);
        assert_eq!(b.len(), 3 + 20 + 1);
    }
}

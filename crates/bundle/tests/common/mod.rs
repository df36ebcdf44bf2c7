//! Raw ZIP construction, byte by byte, for archives no well-behaved writer produces.

#![allow(dead_code)]

pub fn crc(data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(data);
    h.finalize()
}

/// One entry as it will be written; every field can be made to lie.
#[derive(Clone)]
pub struct Raw {
    pub name: Vec<u8>,
    /// The name in the local header, when it should differ.
    pub local_name: Option<Vec<u8>>,
    /// Bytes as stored (already compressed for method 8).
    pub data: Vec<u8>,
    pub method: u16,
    pub flags: u16,
    pub crc: u32,
    pub usize: u32,
    pub local_usize: Option<u32>,
    pub made_by: u16,
    pub ext_attr: u32,
    /// Override of the offset written in the central directory.
    pub offset: Option<u32>,
}

impl Raw {
    pub fn stored(name: &str, data: &[u8]) -> Raw {
        Raw {
            name: name.as_bytes().to_vec(),
            local_name: None,
            data: data.to_vec(),
            method: 0,
            flags: 0,
            crc: crc(data),
            usize: data.len() as u32,
            local_usize: None,
            made_by: (3 << 8) | 20,
            ext_attr: 0o100_644 << 16,
            offset: None,
        }
    }

    pub fn name_bytes(name: &[u8], data: &[u8]) -> Raw {
        Raw {
            name: name.to_vec(),
            ..Raw::stored("x", data)
        }
    }
}

fn p16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn p32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// Builds a whole archive; `count` overrides the entry count in the end record.
pub fn build(entries: &[Raw], count: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push(out.len() as u32);
        out.extend_from_slice(&local(e));
    }
    central_and_end(out, entries, &offsets, count)
}

/// A local header followed by the entry's data.
pub fn local(e: &Raw) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let name = e.local_name.as_ref().unwrap_or(&e.name);
        p32(&mut out, 0x0403_4b50);
        p16(&mut out, 20);
        p16(&mut out, e.flags);
        p16(&mut out, e.method);
        p16(&mut out, 0);
        p16(&mut out, 0x21);
        p32(&mut out, e.crc);
        p32(&mut out, e.data.len() as u32);
        p32(&mut out, e.local_usize.unwrap_or(e.usize));
        p16(&mut out, name.len() as u16);
        p16(&mut out, 0);
        out.extend_from_slice(name);
        out.extend_from_slice(&e.data);
    }
    out
}

/// Appends the central directory and end record for entries at `offsets`.
pub fn central_and_end(
    mut out: Vec<u8>,
    entries: &[Raw],
    offsets: &[u32],
    count: Option<u16>,
) -> Vec<u8> {
    let cd_start = out.len() as u32;
    for (e, off) in entries.iter().zip(offsets) {
        p32(&mut out, 0x0201_4b50);
        p16(&mut out, e.made_by);
        p16(&mut out, 20);
        p16(&mut out, e.flags);
        p16(&mut out, e.method);
        p16(&mut out, 0);
        p16(&mut out, 0x21);
        p32(&mut out, e.crc);
        p32(&mut out, e.data.len() as u32);
        p32(&mut out, e.usize);
        p16(&mut out, e.name.len() as u16);
        p16(&mut out, 0);
        p16(&mut out, 0);
        p16(&mut out, 0);
        p16(&mut out, 0);
        p32(&mut out, e.ext_attr);
        p32(&mut out, e.offset.unwrap_or(*off));
        out.extend_from_slice(&e.name);
    }
    let cd_size = out.len() as u32 - cd_start;
    let n = count.unwrap_or(entries.len() as u16);
    p32(&mut out, 0x0605_4b50);
    p16(&mut out, 0);
    p16(&mut out, 0);
    p16(&mut out, n);
    p16(&mut out, n);
    p32(&mut out, cd_size);
    p32(&mut out, cd_start);
    p16(&mut out, 0);
    out
}

/// A raw deflate stream of `1 + 258 * matches` zero bytes, written directly with the
/// fixed Huffman code (a literal zero, then matches of length 258 at distance 1), so a
/// gigabyte bomb costs a few megabytes and no compression time.
pub fn zero_bomb(matches: u64) -> (Vec<u8>, u64) {
    let mut w = Bits::default();
    w.put(1, 1); // BFINAL
    w.put(1, 2); // BTYPE = fixed Huffman
    w.huff(0b0011_0000, 8); // literal 0
    for _ in 0..matches {
        w.huff(0b1100_0101, 8); // length code 285 = 258
        w.huff(0, 5); // distance code 0 = 1
    }
    w.huff(0, 7); // end of block
    (w.finish(), 1 + 258 * matches)
}

#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    /// Plain fields go least significant bit first.
    fn put(&mut self, v: u64, n: u32) {
        self.acc |= v << self.n;
        self.n += n;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// Huffman codes go most significant bit first.
    fn huff(&mut self, code: u64, n: u32) {
        let mut r = 0;
        for i in 0..n {
            r |= ((code >> i) & 1) << (n - 1 - i);
        }
        self.put(r, n);
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

//! The blob file format of an encrypted workspace: AES-256-GCM in the STREAM
//! construction (Hoang, Reyhanitabar, Rogaway, Vizár), the way Tink's streaming AEAD
//! and age use it. Every file gets its own key, so nonces never repeat across files:
//!
//! ```text
//! header  = "TRUYVETB" || version (1 byte, 1) || u32be(segment size) || key id (8 bytes)
//!           || salt (24 random bytes)                                   45 bytes
//! key     = HKDF-SHA256(ikm = blob master key, salt, info = "truyvet.blob-file-key.v1")
//! segment = AES-256-GCM(key, nonce = 0^7 || u32be(index) || last, aad = header, chunk)
//! file    = header || segment 0 || segment 1 || … || last segment
//! ```
//!
//! Each plaintext chunk is `segment size` bytes except the last, which may be shorter
//! (or empty); each ciphertext segment is its chunk plus a 16-byte tag. The last
//! segment alone is sealed with `last = 1`, so a file cut at a segment boundary fails to
//! decrypt just like a flipped bit, and the header is the associated data of every
//! segment, so it cannot be edited either. A segment is opened only after its tag
//! checks, so no unauthenticated plaintext is ever handed out.

use std::io::{self, Read};

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{WorkspaceKey, fill_random};

pub const MAGIC: &[u8; 8] = b"TRUYVETB";
pub const VERSION: u8 = 1;
/// Plaintext bytes per segment; the blob writer's chunk, so one chunk is one segment.
pub const SEGMENT: usize = 128 << 10;
pub const TAG: usize = 16;
pub const HEADER_LEN: usize = 8 + 1 + 4 + 8 + 24;
const FILE_KEY_INFO: &[u8] = b"truyvet.blob-file-key.v1";

/// Encrypts and decrypts the blob files of one workspace.
pub struct BlobCipher {
    master: Zeroizing<[u8; 32]>,
    key_id: [u8; 8],
}

impl std::fmt::Debug for BlobCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlobCipher({})", hex::encode(self.key_id))
    }
}

impl BlobCipher {
    pub fn new(key: &WorkspaceKey) -> BlobCipher {
        let mut key_id = [0u8; 8];
        hex::decode_to_slice(key.id(), &mut key_id).expect("key ids are 16 hex digits");
        BlobCipher {
            master: key.blob_master(),
            key_id,
        }
    }

    pub fn key_id(&self) -> String {
        hex::encode(self.key_id)
    }

    fn file_aead(&self, salt: &[u8]) -> Aes256Gcm {
        let mut key = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(Some(salt), self.master.as_ref())
            .expand(FILE_KEY_INFO, key.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Aes256Gcm::new_from_slice(key.as_ref()).expect("AES-256 takes a 32-byte key")
    }

    /// Starts a new file: its header (to be written first) and the sealer of its
    /// segments.
    pub fn begin(&self) -> Sealer {
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(MAGIC);
        header[8] = VERSION;
        header[9..13].copy_from_slice(&(SEGMENT as u32).to_be_bytes());
        header[13..21].copy_from_slice(&self.key_id);
        fill_random(&mut header[21..]);
        Sealer {
            aead: self.file_aead(&header[21..]),
            header,
            index: 0,
        }
    }

    /// The whole ciphertext of `plain` (for small in-memory blobs).
    pub fn seal_all(&self, plain: &[u8]) -> Vec<u8> {
        let mut sealer = self.begin();
        let segments = plain.len().div_ceil(SEGMENT).max(1);
        let mut out = Vec::with_capacity(HEADER_LEN + plain.len() + segments * TAG);
        out.extend_from_slice(sealer.header());
        let mut chunks = plain.chunks(SEGMENT).peekable();
        if chunks.peek().is_none() {
            sealer.seal_into(&[], true, &mut out);
        }
        while let Some(chunk) = chunks.next() {
            let last = chunks.peek().is_none();
            sealer.seal_into(chunk, last, &mut out);
        }
        out
    }

    /// A reader of the plaintext of the ciphertext `inner` yields. The header is read
    /// and checked here; every error afterwards is `InvalidData`.
    pub fn open<R: Read>(&self, mut inner: R) -> io::Result<PlainReader<R>> {
        let mut header = [0u8; HEADER_LEN];
        let n = read_full(&mut inner, &mut header)?;
        if n < HEADER_LEN || &header[..8] != MAGIC {
            return Err(invalid("not an encrypted TruyVết blob (no header)"));
        }
        if header[8] != VERSION {
            return Err(invalid(&format!(
                "blob format version {} is newer than this TruyVết knows",
                header[8]
            )));
        }
        let segment = u32::from_be_bytes([header[9], header[10], header[11], header[12]]);
        if segment as usize != SEGMENT {
            return Err(invalid(&format!("unsupported blob segment size {segment}")));
        }
        if header[13..21] != self.key_id {
            return Err(invalid(&format!(
                "blob is encrypted under another key (key id {}, this workspace's is {})",
                hex::encode(&header[13..21]),
                hex::encode(self.key_id)
            )));
        }
        Ok(PlainReader {
            aead: self.file_aead(&header[21..]),
            header,
            inner,
            index: 0,
            buf: vec![0u8; SEGMENT + TAG],
            start: 0,
            end: 0,
            lookahead: None,
            done: false,
        })
    }
}

fn nonce(index: u32, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[7..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    n
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Seals the segments of one file, in order.
pub struct Sealer {
    aead: Aes256Gcm,
    header: [u8; HEADER_LEN],
    index: u32,
}

impl Sealer {
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// Encrypts `buf[..len]` in place and writes the tag at `buf[len..len + TAG]`;
    /// returns the ciphertext length (`len + TAG`). `buf` must hold `len + TAG` bytes.
    pub fn seal_in_place(&mut self, buf: &mut [u8], len: usize, last: bool) -> usize {
        let nonce = nonce(self.index, last);
        let tag = self
            .aead
            .encrypt_inout_detached(&nonce.into(), &self.header, (&mut buf[..len]).into())
            .expect("a segment is far below AES-GCM's length limit");
        buf[len..len + TAG].copy_from_slice(&tag);
        // 2^32 segments of 128 KiB is 512 TiB: more than any evidence file.
        self.index = self.index.checked_add(1).expect("blob larger than 512 TiB");
        len + TAG
    }

    fn seal_into(&mut self, chunk: &[u8], last: bool, out: &mut Vec<u8>) {
        let at = out.len();
        out.extend_from_slice(chunk);
        out.resize(at + chunk.len() + TAG, 0);
        self.seal_in_place(&mut out[at..], chunk.len(), last);
    }
}

/// The plaintext of an encrypted blob, one authenticated segment at a time.
pub struct PlainReader<R> {
    aead: Aes256Gcm,
    header: [u8; HEADER_LEN],
    inner: R,
    index: u32,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    lookahead: Option<u8>,
    done: bool,
}

impl<R: Read> PlainReader<R> {
    /// Reads and opens the next segment into `buf[..len]`.
    fn next_segment(&mut self) -> io::Result<()> {
        let mut n = 0;
        if let Some(b) = self.lookahead.take() {
            self.buf[0] = b;
            n = 1;
        }
        n += read_full(&mut self.inner, &mut self.buf[n..])?;
        if n < TAG {
            return Err(invalid("encrypted blob is truncated"));
        }
        // A full segment is the last one only if nothing follows it.
        let last = if n == SEGMENT + TAG {
            let mut one = [0u8; 1];
            match read_full(&mut self.inner, &mut one)? {
                0 => true,
                _ => {
                    self.lookahead = Some(one[0]);
                    false
                }
            }
        } else {
            true
        };
        let len = n - TAG;
        let tag = aes_gcm::Tag::try_from(&self.buf[len..n]).expect("16-byte tag");
        self.aead
            .decrypt_inout_detached(
                &nonce(self.index, last).into(),
                &self.header,
                (&mut self.buf[..len]).into(),
                &tag,
            )
            .map_err(|_| {
                invalid(&format!(
                    "encrypted blob fails authentication at segment {} (altered or truncated)",
                    self.index
                ))
            })?;
        self.index = self
            .index
            .checked_add(1)
            .ok_or_else(|| invalid("too many segments"))?;
        self.start = 0;
        self.end = len;
        self.done = last;
        Ok(())
    }
}

impl<R: Read> Read for PlainReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.start == self.end {
            if self.done || out.is_empty() {
                return Ok(0);
            }
            self.next_segment()?;
        }
        let n = out.len().min(self.end - self.start);
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

impl<R> Drop for PlainReader<R> {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.buf.zeroize();
    }
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> BlobCipher {
        BlobCipher::new(&WorkspaceKey::from_bytes([3u8; 32]))
    }

    fn decrypt(c: &BlobCipher, bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        c.open(bytes)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trips_every_length_around_segment_edges() {
        let c = cipher();
        for len in [
            0,
            1,
            SEGMENT - 1,
            SEGMENT,
            SEGMENT + 1,
            2 * SEGMENT,
            3 * SEGMENT + 7,
        ] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let sealed = c.seal_all(&plain);
            assert_eq!(
                sealed.len(),
                HEADER_LEN + len + len.div_ceil(SEGMENT).max(1) * TAG
            );
            assert_eq!(decrypt(&c, &sealed).unwrap(), plain, "length {len}");
        }
    }

    #[test]
    fn same_plaintext_gives_different_ciphertext() {
        let c = cipher();
        assert_ne!(c.seal_all(b"abc"), c.seal_all(b"abc"));
    }

    #[test]
    fn any_flipped_bit_truncation_or_wrong_key_is_refused() {
        let c = cipher();
        let plain = vec![9u8; 2 * SEGMENT + 100];
        let sealed = c.seal_all(&plain);
        for at in [
            0,
            8,
            9,
            14,
            30,
            HEADER_LEN,
            HEADER_LEN + SEGMENT + 3,
            sealed.len() - 1,
        ] {
            let mut bad = sealed.clone();
            bad[at] ^= 1;
            assert!(decrypt(&c, &bad).is_err(), "flip at {at}");
        }
        // Cut at a segment boundary: the remaining last segment was not sealed as last.
        let cut = &sealed[..HEADER_LEN + 2 * (SEGMENT + TAG)];
        assert!(decrypt(&c, cut).is_err());
        assert!(decrypt(&c, &sealed[..HEADER_LEN + 5]).is_err());
        assert!(decrypt(&c, &sealed[..10]).is_err());
        // A segment dropped from the middle.
        let mut dropped = sealed[..HEADER_LEN].to_vec();
        dropped.extend_from_slice(&sealed[HEADER_LEN + SEGMENT + TAG..]);
        assert!(decrypt(&c, &dropped).is_err());
        let other = BlobCipher::new(&WorkspaceKey::from_bytes([4u8; 32]));
        let err = decrypt(&other, &sealed).unwrap_err();
        assert!(err.to_string().contains("another key"), "{err}");
        assert!(decrypt(&c, b"plain text, not a blob of ours").is_err());
    }

    #[test]
    fn streaming_sealer_matches_reader() {
        let c = cipher();
        let mut sealer = c.begin();
        let mut out = sealer.header().to_vec();
        let mut buf = vec![0u8; SEGMENT + TAG];
        for (i, last) in [(1u8, false), (2u8, true)] {
            buf[..SEGMENT].fill(i);
            let n = sealer.seal_in_place(&mut buf, SEGMENT, last);
            out.extend_from_slice(&buf[..n]);
        }
        let plain = decrypt(&c, &out).unwrap();
        assert_eq!(plain.len(), 2 * SEGMENT);
        assert!(plain[..SEGMENT].iter().all(|&b| b == 1));
        assert!(plain[SEGMENT..].iter().all(|&b| b == 2));
    }
}

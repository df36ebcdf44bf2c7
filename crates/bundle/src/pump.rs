//! Moving a member's bytes: every chunk read is CRC-32'd and handed to the caller (who
//! writes, deflates or checks it), and SHA-256'd, in one pass. The writer puts SHA-256 on
//! a second thread for large members: there it is the slowest step (about 1.6 GB/s with
//! the SHA instructions), so on two cores a member moves at the speed of the slower step
//! rather than of both added up. The reader does not: its bound is the kernel's work of
//! copying into the staging folder, and a second thread made it no faster
//! (bench/README.md, benchmark 8). Chunks of 128 KiB stay in the CPU caches between
//! read, CRC and hash; a few in flight bound memory at about 1 MiB.

use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::sync::mpsc;

const CHUNK: usize = 128 * 1024;
const IN_FLIGHT: usize = 6;
/// Below this size a second thread costs more than it saves.
pub(crate) const PARALLEL_MIN: u64 = 4 << 20;

/// What a pump saw.
pub(crate) struct Pumped {
    pub(crate) sha256: [u8; 32],
    pub(crate) crc: u32,
    pub(crate) len: u64,
}

/// Reads `src` to its end. Each chunk goes to `each`; a read error goes through
/// `read_err`. `parallel` puts the hash on a second thread.
pub(crate) fn pump<E>(
    src: &mut dyn Read,
    parallel: bool,
    mut each: impl FnMut(&[u8]) -> Result<(), E>,
    read_err: impl Fn(io::Error) -> E,
) -> Result<Pumped, E> {
    let mut crc = crc32fast::Hasher::new();
    let mut len = 0u64;
    let mut read = |buf: &mut [u8]| -> Result<usize, E> {
        loop {
            match src.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_err(e)),
            }
        }
    };
    if !parallel {
        let mut sha = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = read(&mut buf)?;
            if n == 0 {
                break;
            }
            crc.update(&buf[..n]);
            len += n as u64;
            each(&buf[..n])?;
            sha.update(&buf[..n]);
        }
        return Ok(Pumped {
            sha256: sha.finalize().into(),
            crc: crc.finalize(),
            len,
        });
    }
    std::thread::scope(|s| {
        let (to_hash, hash_rx) = mpsc::sync_channel::<(Vec<u8>, usize)>(IN_FLIGHT);
        let (give_back, spare_rx) = mpsc::channel::<Vec<u8>>();
        let hasher = s.spawn(move || {
            let mut sha = Sha256::new();
            for (buf, n) in hash_rx {
                sha.update(&buf[..n]);
                // The pump may have stopped early; a buffer nobody wants is dropped.
                let _ = give_back.send(buf);
            }
            <[u8; 32]>::from(sha.finalize())
        });
        let mut spare: Vec<Vec<u8>> = (0..IN_FLIGHT).map(|_| vec![0u8; CHUNK]).collect();
        let mut moved = || -> Result<(), E> {
            loop {
                let mut buf = match spare.pop() {
                    Some(b) => b,
                    None => spare_rx
                        .recv()
                        .expect("the hashing thread hands buffers back"),
                };
                let n = read(&mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                crc.update(&buf[..n]);
                len += n as u64;
                each(&buf[..n])?;
                to_hash
                    .send((buf, n))
                    .expect("the hashing thread runs until the sender is dropped");
            }
        };
        let result = moved();
        drop(to_hash);
        let sha256 = hasher.join().expect("the hashing thread does not panic");
        result.map(|()| Pumped {
            sha256,
            crc: crc.finalize(),
            len,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ways_agree() {
        let data: Vec<u8> = (0..(5 << 20) + 12_345u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let mut seen = [0u64; 2];
        let mut results = Vec::new();
        for (i, parallel) in [false, true].into_iter().enumerate() {
            let r = pump(
                &mut &data[..],
                parallel,
                |c: &[u8]| -> Result<(), ()> {
                    seen[i] += c.len() as u64;
                    Ok(())
                },
                |_| (),
            )
            .expect("pump");
            results.push((r.sha256, r.crc, r.len));
        }
        assert_eq!(results[0], results[1]);
        assert_eq!(results[0].0, <[u8; 32]>::from(Sha256::digest(&data)));
        assert_eq!(results[0].1, crc32fast::hash(&data));
        assert_eq!(seen, [data.len() as u64; 2]);
        // An error from the consumer stops the pump and is returned as is.
        let mut calls = 0;
        let err = pump(
            &mut &data[..],
            true,
            |_: &[u8]| {
                calls += 1;
                if calls == 3 { Err("stop") } else { Ok(()) }
            },
            |_| "read",
        );
        assert!(matches!(err, Err("stop")));
    }
}

//! Seal proofs from the terminal: `truyvet case prove CODE EVIDENCE_ID --out FILE` writes
//! the proof that one evidence item is part of a sealed case, and `truyvet verify-proof
//! FILE [--file EVIDENCE]` checks it with nothing but the proof (and, given the file, that
//! the file is the item the proof is about). Exit 0 only when it checks out.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use sha2::{Digest, Sha256};
use truyvet_core::seal_proof::{SealProof, verify_seal_proof};
use truyvet_core::{Error, ErrorCode, Result, Workspace};

use crate::run::emit;

/// Largest proof document read: a proof is a few KiB even for a million-item case.
const MAX_PROOF_BYTES: u64 = 1 << 20;

#[derive(Debug, Args)]
pub struct ProveArgs {
    pub code: String,
    /// The evidence item to prove.
    pub evidence_id: String,
    /// Write the proof here (JSON); without it, print it.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyProofArgs {
    /// The proof document.
    pub proof: PathBuf,
    /// The evidence file the proof should be about: its SHA-256 must be the sealed one.
    #[arg(long)]
    pub file: Option<PathBuf>,
}

pub fn prove(ws: &Workspace, args: ProveArgs, json: bool) -> Result<ExitCode> {
    let proof = ws.seal_proof(&args.code, &args.evidence_id)?;
    let mut bytes = serde_json::to_vec_pretty(&proof)?;
    bytes.push(b'\n');
    match &args.out {
        None => {
            print!("{}", String::from_utf8_lossy(&bytes));
            Ok(ExitCode::SUCCESS)
        }
        Some(path) => {
            fs::write(path, &bytes).map_err(|e| Error::io("cannot write", path, &e))?;
            emit(json, &proof, || {
                format!(
                    "{}: bằng chứng niêm phong của chứng cứ {} đã ghi vào {} (gốc Merkle {})",
                    proof.case_code,
                    args.evidence_id,
                    path.display(),
                    proof.seal.root
                )
            })
        }
    }
}

fn sha256_of(path: &Path) -> Result<String> {
    let mut file = fs::File::open(path).map_err(|e| Error::io("cannot read", path, &e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io("cannot read", path, &e))?;
        if n == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

pub fn verify(args: &VerifyProofArgs, json: bool) -> Result<ExitCode> {
    let path = &args.proof;
    let size = fs::metadata(path)
        .map_err(|e| Error::io("cannot read", path, &e))?
        .len();
    if size > MAX_PROOF_BYTES {
        return Err(Error::new(
            ErrorCode::ProofInvalid,
            format!(
                "{} is {size} bytes; a seal proof is far smaller",
                path.display()
            ),
        ));
    }
    let bytes = fs::read(path).map_err(|e| Error::io("cannot read", path, &e))?;
    let proof: SealProof = serde_json::from_slice(&bytes).map_err(|e| {
        Error::new(
            ErrorCode::ProofInvalid,
            format!("{} is not a seal proof: {e}", path.display()),
        )
    })?;
    let proven = verify_seal_proof(&proof)?;
    if let Some(file) = &args.file {
        let actual = sha256_of(file)?;
        if actual != proven.sha256 {
            return Err(Error::new(
                ErrorCode::ProofInvalid,
                format!(
                    "{} hashes to {actual}; the sealed item is {}",
                    file.display(),
                    proven.sha256
                ),
            ));
        }
    }
    emit(json, &proven, || {
        format!(
            "HỢP LỆ: chứng cứ {} (SHA-256 {}) thuộc vụ việc {} đã niêm phong lúc {}\n\
             gốc Merkle: {}\nkhóa ký niêm phong (đối chiếu với dấu vân tay do đơn vị công bố): {}",
            proven.evidence_id,
            proven.sha256,
            proven.case_code,
            proven.sealed_at,
            proven.seal_root,
            proven.fingerprint
        )
    })
}

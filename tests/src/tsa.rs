//! A local RFC 3161 timestamp authority for tests: certificates made with `openssl` at
//! run time in a temp dir, and `openssl ts -reply` behind a tiny loopback HTTP server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Run a command; panic with its stderr if it fails.
pub fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("spawn command");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn openssl(dir: &Path) -> Command {
    let mut c = Command::new("openssl");
    c.current_dir(dir);
    c
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa2048,
    EcP256,
    EcP384,
}

fn genkey(dir: &Path, kind: KeyKind, out: &str) {
    let mut c = openssl(dir);
    c.args(["genpkey", "-out", out]);
    match kind {
        KeyKind::Rsa2048 => c.args(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
        KeyKind::EcP256 => c.args(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
        KeyKind::EcP384 => c.args(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]),
    };
    run(&mut c);
}

const EXT_CNF: &str = r#"
[req]
distinguished_name = dn
prompt = no
[dn]
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[tsa_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"#;

/// A certificate authority made by openssl in `dir` (files `<name>.key`, `<name>.pem`).
#[derive(Clone, Debug)]
pub struct TestCa {
    pub dir: PathBuf,
    pub name: String,
}

impl TestCa {
    /// A self-signed root CA with subject `/O=TruyVet Test/CN=<cn>`.
    pub fn root(dir: &Path, name: &str, cn: &str) -> TestCa {
        std::fs::write(dir.join("ext.cnf"), EXT_CNF).unwrap();
        genkey(dir, KeyKind::Rsa2048, &format!("{name}.key"));
        run(openssl(dir).args([
            "req",
            "-x509",
            "-new",
            "-config",
            "ext.cnf",
            "-extensions",
            "ca_ext",
            "-key",
            &format!("{name}.key"),
            "-subj",
            &format!("/O=TruyVet Test/CN={cn}"),
            "-days",
            "3650",
            "-sha256",
            "-out",
            &format!("{name}.pem"),
        ]));
        TestCa {
            dir: dir.to_path_buf(),
            name: name.to_string(),
        }
    }

    /// Issue a certificate for `key_file` with extensions section `ext`, valid for a
    /// year from now, or over `dates` (`YYYYMMDDHHMMSSZ` start and end) when given.
    fn issue(
        &self,
        name: &str,
        key_file: &str,
        cn: &str,
        ext: &str,
        serial: &str,
        dates: Option<(&str, &str)>,
    ) {
        let dir = &self.dir;
        run(openssl(dir).args([
            "req",
            "-new",
            "-config",
            "ext.cnf",
            "-key",
            key_file,
            "-subj",
            &format!("/O=TruyVet Test/CN={cn}"),
            "-out",
            &format!("{name}.csr"),
        ]));
        let Some((start, end)) = dates else {
            run(openssl(dir).args([
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                &self.pem_name(),
                "-CAkey",
                &format!("{}.key", self.name),
                "-set_serial",
                serial,
                "-days",
                "365",
                "-sha256",
                "-extfile",
                "ext.cnf",
                "-extensions",
                ext,
                "-out",
                &format!("{name}.pem"),
            ]));
            return;
        };
        // `openssl x509` cannot back-date; `openssl ca` can.
        let ca_cnf = format!(
            "[ca]\ndefault_ca = d\n[d]\ndatabase = {d}/{n}.index\nnew_certs_dir = {d}\n\
             serial = {d}/{n}.caserial\npolicy = p\ndefault_md = sha256\n\
             [p]\norganizationName = supplied\ncommonName = supplied\n",
            d = dir.display(),
            n = name
        );
        std::fs::write(dir.join(format!("{name}.ca.cnf")), ca_cnf).unwrap();
        std::fs::write(dir.join(format!("{name}.index")), "").unwrap();
        std::fs::write(
            dir.join(format!("{name}.caserial")),
            serial.trim_start_matches("0x"),
        )
        .unwrap();
        run(openssl(dir).args([
            "ca",
            "-batch",
            "-config",
            &format!("{name}.ca.cnf"),
            "-startdate",
            start,
            "-enddate",
            end,
            "-in",
            &format!("{name}.csr"),
            "-out",
            &format!("{name}.pem"),
            "-extfile",
            "ext.cnf",
            "-extensions",
            ext,
            "-keyfile",
            &format!("{}.key", self.name),
            "-cert",
            &self.pem_name(),
            "-notext",
        ]));
    }

    /// An intermediate CA issued by this one.
    pub fn intermediate(&self, name: &str, cn: &str) -> TestCa {
        genkey(&self.dir, KeyKind::Rsa2048, &format!("{name}.key"));
        self.issue(name, &format!("{name}.key"), cn, "ca_ext", "0x1001", None);
        TestCa {
            dir: self.dir.clone(),
            name: name.to_string(),
        }
    }

    pub fn pem_name(&self) -> String {
        format!("{}.pem", self.name)
    }

    pub fn pem_path(&self) -> PathBuf {
        self.dir.join(self.pem_name())
    }

    pub fn pem(&self) -> Vec<u8> {
        std::fs::read(self.pem_path()).unwrap()
    }

    pub fn der(&self) -> Vec<u8> {
        pem_to_der(&self.dir, &self.pem_name())
    }
}

pub fn pem_to_der(dir: &Path, pem: &str) -> Vec<u8> {
    run(openssl(dir).args(["x509", "-in", pem, "-outform", "DER"]))
}

/// How to configure one authority.
#[derive(Clone, Debug)]
pub struct TsaSpec {
    pub key: KeyKind,
    /// `signer_digest` (sha256, sha384, sha512).
    pub signer_digest: &'static str,
    /// `ess_cert_id_alg`: sha1 gives ESSCertID (v1), sha256 ESSCertIDv2.
    pub ess_cert_id_alg: &'static str,
    /// Digests the authority accepts in requests.
    pub digests: &'static str,
    /// Extra certificates (PEM file names in the dir) to put in tokens.
    pub extra_certs: Option<String>,
    /// Validity of the TSA certificate (start, end as `YYYYMMDDHHMMSSZ`); default: now + 1 year.
    pub validity: Option<(&'static str, &'static str)>,
}

impl TsaSpec {
    pub fn rsa() -> TsaSpec {
        TsaSpec {
            key: KeyKind::Rsa2048,
            signer_digest: "sha256",
            ess_cert_id_alg: "sha1",
            digests: "sha256, sha384, sha512",
            extra_certs: None,
            validity: None,
        }
    }

    pub fn ec_p256() -> TsaSpec {
        TsaSpec {
            key: KeyKind::EcP256,
            ess_cert_id_alg: "sha256",
            ..TsaSpec::rsa()
        }
    }
}

/// An authority's files: key, certificate issued by `issuer`, `openssl.cnf` with `[tsa]`.
#[derive(Clone, Debug)]
pub struct TsaFiles {
    pub dir: PathBuf,
    pub cnf: PathBuf,
    pub cert_pem: PathBuf,
    pub cert_der: Vec<u8>,
}

impl TsaFiles {
    pub fn new(issuer: &TestCa, name: &str, spec: &TsaSpec) -> TsaFiles {
        let dir = issuer.dir.clone();
        let key = format!("{name}.key");
        genkey(&dir, spec.key, &key);
        issuer.issue(
            name,
            &key,
            &format!("{name} Timestamp Authority"),
            "tsa_ext",
            "0x2002",
            spec.validity,
        );
        std::fs::write(dir.join(format!("{name}.serial")), "01\n").unwrap();
        let certs_line = match &spec.extra_certs {
            Some(f) => format!("certs = {}", dir.join(f).display()),
            None => String::new(),
        };
        let cnf = format!(
            r#"
[tsa]
default_tsa = tsa_config
[tsa_config]
serial = {dir}/{name}.serial
crypto_device = builtin
signer_cert = {dir}/{name}.pem
signer_key = {dir}/{name}.key
{certs_line}
signer_digest = {signer_digest}
default_policy = 1.3.6.1.4.1.99999.1.1
other_policies = 1.3.6.1.4.1.99999.1.2
digests = {digests}
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = {ess}
"#,
            dir = dir.display(),
            signer_digest = spec.signer_digest,
            digests = spec.digests,
            ess = spec.ess_cert_id_alg,
        );
        let cnf_path = dir.join(format!("{name}.cnf"));
        std::fs::write(&cnf_path, cnf).unwrap();
        TsaFiles {
            cert_pem: dir.join(format!("{name}.pem")),
            cert_der: pem_to_der(&dir, &format!("{name}.pem")),
            cnf: cnf_path,
            dir,
        }
    }

    /// Answer a DER query with `openssl ts -reply`; the DER response.
    pub fn reply(&self, query: &[u8]) -> Vec<u8> {
        let n = NEXT_FILE.fetch_add(1, Ordering::SeqCst);
        let q = self.dir.join(format!("query-{n}.tsq"));
        let r = self.dir.join(format!("reply-{n}.tsr"));
        std::fs::write(&q, query).unwrap();
        let mut c = openssl(&self.dir);
        c.arg("ts").arg("-reply").arg("-config").arg(&self.cnf);
        c.arg("-queryfile").arg(&q).arg("-out").arg(&r);
        run(&mut c);
        std::fs::read(&r).unwrap()
    }
}

static NEXT_FILE: AtomicUsize = AtomicUsize::new(0);

/// `openssl ts -verify -digest <hex> -in <response> -CAfile <ca> [-untrusted <certs>]`;
/// true when openssl accepts.
pub fn openssl_verify(
    dir: &Path,
    response: &[u8],
    digest_hex: &str,
    ca_file: &Path,
    untrusted: Option<&Path>,
) -> bool {
    openssl_verify_as(dir, "-in", response, digest_hex, ca_file, untrusted)
}

/// The same for a bare token (CMS `ContentInfo`), as the workspace stores it.
pub fn openssl_verify_token(
    dir: &Path,
    token: &[u8],
    digest_hex: &str,
    ca_file: &Path,
    untrusted: Option<&Path>,
) -> bool {
    openssl_verify_as(dir, "-token_in", token, digest_hex, ca_file, untrusted)
}

fn openssl_verify_as(
    dir: &Path,
    input_flag: &str,
    bytes: &[u8],
    digest_hex: &str,
    ca_file: &Path,
    untrusted: Option<&Path>,
) -> bool {
    let n = NEXT_FILE.fetch_add(1, Ordering::SeqCst);
    let path = dir.join(format!("check-{n}.tsr"));
    std::fs::write(&path, bytes).unwrap();
    let mut c = openssl(dir);
    c.args(["ts", "-verify", "-digest", digest_hex, "-in"])
        .arg(&path);
    if input_flag == "-token_in" {
        c.arg("-token_in");
    }
    c.arg("-CAfile").arg(ca_file);
    if let Some(u) = untrusted {
        c.arg("-untrusted").arg(u);
    }
    let out = c.output().expect("run openssl ts -verify");
    if !out.status.success() {
        eprintln!(
            "openssl ts -verify said: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out.status.success()
}

/// The loopback HTTP front of a [`TsaFiles`]: POST a query, get a reply.
pub struct TsaServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
    pub requests: Arc<AtomicUsize>,
}

impl TsaServer {
    pub fn start(tsa: TsaFiles) -> TsaServer {
        Self::serve(TcpListener::bind("127.0.0.1:0").unwrap(), tsa)
    }

    /// Serve on an already-bound listener (connections queued before this call are
    /// answered too).
    pub fn serve(listener: TcpListener, tsa: TsaFiles) -> TsaServer {
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let (stop2, requests2) = (stop.clone(), requests.clone());
        let handle = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        requests2.fetch_add(1, Ordering::SeqCst);
                        // A client that gave up is not our problem.
                        let _ = handle_connection(stream, &tsa);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        TsaServer {
            addr,
            stop,
            handle: Some(handle),
            requests,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/tsa", self.addr)
    }
}

impl Drop for TsaServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn handle_connection(stream: TcpStream, tsa: &TsaFiles) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut content_length = 0usize;
    let mut content_type = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => content_length = v.trim().parse().unwrap_or(0),
                "content-type" => content_type = v.trim().to_string(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;
    let mut stream = stream;
    // RFC 3161 §3.4: the query must be sent as application/timestamp-query.
    if !request_line.starts_with("POST ") || content_type != "application/timestamp-query" {
        stream.write_all(b"HTTP/1.1 415 Unsupported Media Type\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
        return Ok(());
    }
    let reply = tsa.reply(&body);
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    )?;
    stream.write_all(&reply)?;
    stream.flush()
}

/// Serve one canned HTTP response to every connection (for client edge cases).
pub fn canned_server(response: Vec<u8>) -> (SocketAddr, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    std::thread::spawn(move || {
        while !stop2.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((mut s, _)) => {
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf);
                    let _ = s.write_all(&response);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    (addr, stop)
}

/// Flip one bit of `bytes` at `index`.
pub fn flip(bytes: &[u8], index: usize, bit: u8) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[index] ^= 1 << bit;
    out
}

/// Position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present")
}

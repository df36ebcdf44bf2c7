//! A throwaway PostgreSQL for the tests: Debian's server binaries (installed by
//! `scripts/install-deps.sh --test`, never the system service), a private cluster in a
//! temp folder listening on 127.0.0.1 at a free port and on a socket in that folder,
//! trust authentication, fsync off (the tests crash the registry, not PostgreSQL).
//!
//! `database()` gives each test a database of its own in a cluster shared by the tests
//! of one process that overlap in time: the cluster starts with the first handle and is
//! stopped and deleted when the last handle drops. `Cluster::start()` gives a test a
//! cluster of its own.
//!
//! PostgreSQL refuses to run as root, and the tests often do, so then the server runs as
//! `nobody` (through setpriv, as `Unprivileged` does for the CLI tests) in a temp folder
//! that user owns.

use std::fs::{self, File};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tempfile::TempDir;

use crate::{Unprivileged, chown_recursive};

/// The cluster's superuser (initdb's `-U`); trust auth, so no password.
pub const SUPERUSER: &str = "truyvet";
/// Overrides where the server binaries are (a folder holding `initdb` and `pg_ctl`).
pub const BIN_ENV: &str = "TRUYVET_PG_BIN";

/// A running private cluster; stopped and deleted on drop.
pub struct Cluster {
    dir: TempDir,
    bin: PathBuf,
    run_as: Unprivileged,
    port: u16,
    pid: u32,
    /// Stops the server and deletes the folder should this process die without
    /// dropping the cluster (killed by a timeout, `kill -9`): no server outlives its test.
    watchdog: Option<Child>,
}

/// A database of its own for one test; keeps its cluster alive.
pub struct Database {
    cluster: Arc<Cluster>,
    name: String,
    url: String,
}

impl Database {
    /// `postgres://truyvet@127.0.0.1:PORT/NAME`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }
}

static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());
static NEXT_DB: AtomicU64 = AtomicU64::new(0);

/// A fresh, empty database in this process's shared cluster (started if none runs).
pub fn database() -> Result<Database, String> {
    let cluster = {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        match shared.upgrade() {
            Some(c) => c,
            None => {
                let c = Arc::new(Cluster::start()?);
                *shared = Arc::downgrade(&c);
                c
            }
        }
    };
    let name = format!(
        "t{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let url = cluster.create_database(&name)?;
    Ok(Database { cluster, name, url })
}

impl Cluster {
    /// initdb + pg_ctl start. A port taken between our probe and the server's bind is
    /// retried with another.
    pub fn start() -> Result<Cluster, String> {
        let bin = server_bin()?;
        let run_as = Unprivileged::detect()?;
        let dir = tempfile::Builder::new()
            .prefix("truyvet-pg-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        fs::create_dir(dir.path().join("sock")).map_err(|e| format!("socket dir: {e}"))?;
        if run_as == Unprivileged::Setpriv {
            chown_recursive(dir.path(), run_as.uid());
        }
        let data = dir.path().join("data");
        let out = run_as
            .command(&bin.join("initdb"))
            .current_dir(dir.path())
            .env_remove("PGDATA")
            .args([
                "--auth=trust",
                "--no-locale",
                "--encoding=UTF8",
                "--no-sync",
            ])
            .arg(format!("--username={SUPERUSER}"))
            .arg("-D")
            .arg(&data)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            match start_server(&bin, run_as, dir.path(), port) {
                Ok(pid) => {
                    // From here on, dropping the cluster stops the server.
                    let watchdog = spawn_watchdog(pid, dir.path());
                    let cluster = Cluster {
                        dir,
                        bin,
                        run_as,
                        port,
                        pid,
                        watchdog,
                    };
                    cluster.wait_for_tcp()?;
                    return Ok(cluster);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The socket answers before `pg_ctl -w` returns and TCP is up at the same moment,
    /// but a short wait keeps a slow machine from failing the first connect.
    fn wait_for_tcp(&self) -> Result<(), String> {
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "PostgreSQL does not listen on 127.0.0.1:{}:\n{}",
            self.port,
            self.log()
        ))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The folder holding the data directory and the socket; gone after drop.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// `CREATE DATABASE name` through psql over TCP; returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!(
                "database name {name:?}: letters, digits and _ only"
            ));
        }
        self.psql("postgres", &format!("CREATE DATABASE {name}"))?;
        Ok(self.url(name))
    }

    /// Runs one SQL command with psql (stopping at the first error); returns its output.
    pub fn psql(&self, database: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                SUPERUSER,
            ])
            .args(["-d", database, "-c", sql])
            .env_remove("PGPASSWORD")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run psql: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "psql {sql:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        // `fast` rolls back open sessions and shuts down cleanly; `immediate` if that
        // does not finish, so a stuck client cannot keep a server behind.
        for mode in ["fast", "immediate"] {
            let stopped = self
                .run_as
                .command(&self.bin.join("pg_ctl"))
                .current_dir(self.dir.path())
                .args(["stop", "-w", "-t", "30", "-m", mode, "-D"])
                .arg(self.dir.path().join("data"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if stopped {
                break;
            }
        }
        // The TempDir removes the folder (root, or the owner, may delete it all).
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` with a server, or `$TRUYVET_PG_BIN`.
pub fn server_bin() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os(BIN_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut found: Vec<(u32, PathBuf)> = fs::read_dir(root)
        .map_err(|e| {
            format!(
                "{}: {e}; PostgreSQL's server is needed (scripts/install-deps.sh --test \
                 installs Debian's `postgresql`)",
                root.display()
            )
        })?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| format!("no initdb and pg_ctl under {}/*/bin", root.display()))
}

/// A shell that polls this process; once it is gone (and the folder still there), it
/// shuts the postmaster down at once (SIGQUIT) and deletes the folder.
fn spawn_watchdog(postmaster: u32, dir: &Path) -> Option<Child> {
    const SCRIPT: &str = r#"
        while kill -0 "$1" 2>/dev/null && [ -d "$3" ]; do sleep 1; done
        if [ -d "$3" ]; then
            kill -QUIT "$2" 2>/dev/null
            i=0; while kill -0 "$2" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
            rm -rf "$3"
        fi"#;
    Command::new("sh")
        .args(["-c", SCRIPT, "pg-watchdog"])
        .arg(std::process::id().to_string())
        .arg(postmaster.to_string())
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("probe port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("probe port: {e}"))
}

/// Writes the listening settings and starts the server; returns the postmaster's pid.
fn start_server(bin: &Path, run_as: Unprivileged, dir: &Path, port: u16) -> Result<u32, String> {
    let data = dir.join("data");
    let conf = format!(
        "listen_addresses = '127.0.0.1'\n\
         port = {port}\n\
         unix_socket_directories = '{}'\n\
         max_connections = 200\n\
         fsync = off\n\
         synchronous_commit = off\n\
         full_page_writes = off\n",
        dir.join("sock").display()
    );
    // A file of its own, included last, so a retry with another port replaces it.
    fs::write(data.join("truyvet.conf"), conf).map_err(|e| format!("write config: {e}"))?;
    let main_conf = data.join("postgresql.conf");
    let text = fs::read_to_string(&main_conf).map_err(|e| format!("read config: {e}"))?;
    if !text.contains("include 'truyvet.conf'") {
        fs::write(&main_conf, format!("{text}\ninclude 'truyvet.conf'\n"))
            .map_err(|e| format!("write config: {e}"))?;
    }
    let log = dir.join("server.log");
    let ctl_out = dir.join("pg_ctl.out");
    // pg_ctl's own messages go to a file: the server it leaves running would otherwise
    // hold our pipes open.
    let out = File::create(&ctl_out).map_err(|e| format!("pg_ctl output: {e}"))?;
    let err = out.try_clone().map_err(|e| format!("pg_ctl output: {e}"))?;
    if run_as == Unprivileged::Setpriv {
        for path in [&data.join("truyvet.conf"), &main_conf, &ctl_out] {
            chown_recursive(path, run_as.uid());
        }
    }
    let status = run_as
        .command(&bin.join("pg_ctl"))
        .current_dir(dir)
        .args(["start", "-w", "-t", "60", "-D"])
        .arg(&data)
        .arg("-l")
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|e| format!("run pg_ctl: {e}"))?;
    if !status.success() {
        return Err(format!(
            "pg_ctl start failed ({status}):\n{}\n{}",
            fs::read_to_string(&ctl_out).unwrap_or_default(),
            fs::read_to_string(&log).unwrap_or_default()
        ));
    }
    let pid_file = fs::read_to_string(data.join("postmaster.pid"))
        .map_err(|e| format!("postmaster.pid: {e}"))?;
    pid_file
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| format!("postmaster.pid unreadable: {pid_file:?}"))
}

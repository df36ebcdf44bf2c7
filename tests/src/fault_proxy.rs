//! A fault-injecting TCP proxy for the tests: listens on 127.0.0.1 at a free port and
//! forwards each connection to a loopback upstream, doing to it what the test asks —
//! delay every chunk, let at most N bytes through in one direction and then cut (FIN),
//! reset (RST) or stall, refuse new connections — and counting what it forwarded.
//!
//! The faults of a connection are fixed when it is accepted (`FaultHandle::set` for all
//! that follow, or `set_plan` to choose per connection), so a test knows which request
//! met which fault. Everything stays on loopback: a non-loopback upstream is a bug in
//! the test and panics.
//!
//! Blocking sockets, two threads per connection; each read wakes up every few
//! milliseconds to see whether the connection or the proxy was told to end, which is
//! also how a reset is sent: the socket is set to linger 0 and its last handle dropped.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How often a blocked read or write, or the accept loop, looks at the flags.
const POLL: Duration = Duration::from_millis(5);
/// How often a stalled direction looks (it may sit there for the whole test).
const STALL_POLL: Duration = Duration::from_millis(50);
const CHUNK: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to upstream.
    Up,
    /// Upstream to client.
    Down,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Close both sides cleanly (FIN): the peer sees end of stream.
    Cut,
    /// Abort both sides (RST, SO_LINGER 0): the peer sees "connection reset".
    Reset,
    /// Stop forwarding in that direction and keep the sockets open.
    Stall,
}

/// At most `after` bytes pass in `direction`; the first byte past them trips `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trip {
    pub direction: Direction,
    pub after: u64,
    pub action: Action,
}

/// The faults of one connection. The default forwards faithfully.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// Slept before forwarding each chunk, in both directions.
    pub delay: Option<Duration>,
    /// Largest chunk forwarded at once (default 16 KiB), to spread a delay finely.
    pub chunk: Option<usize>,
    pub trip: Option<Trip>,
}

impl Faults {
    pub fn delay(d: Duration) -> Faults {
        Faults {
            delay: Some(d),
            ..Faults::default()
        }
    }

    pub fn trip(direction: Direction, after: u64, action: Action) -> Faults {
        Faults {
            trip: Some(Trip {
                direction,
                after,
                action,
            }),
            ..Faults::default()
        }
    }

    /// Accepts but never forwards a byte, either way.
    pub fn stall() -> Faults {
        Faults::trip(Direction::Up, 0, Action::Stall)
    }
}

type Plan = dyn Fn(u64) -> Faults + Send + Sync;

struct Control {
    plan: Mutex<Arc<Plan>>,
    refuse: AtomicBool,
    stop: AtomicBool,
    accepted: AtomicU64,
    up: AtomicU64,
    down: AtomicU64,
}

/// The thread-safe remote control of a proxy; clone it into other threads freely.
#[derive(Clone)]
pub struct FaultHandle(Arc<Control>);

impl FaultHandle {
    /// These faults for every connection accepted from now on.
    pub fn set(&self, faults: Faults) {
        self.set_plan(move |_| faults);
    }

    /// Faults chosen per connection from its number (0 for the first ever accepted).
    pub fn set_plan(&self, plan: impl Fn(u64) -> Faults + Send + Sync + 'static) {
        *self.0.plan.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(plan);
    }

    /// Forward faithfully from now on.
    pub fn clear(&self) {
        self.set(Faults::default());
    }

    /// While true, the port is closed: connecting fails with "connection refused".
    /// Connections already accepted go on; one still in the kernel's backlog when the
    /// port closes is reset.
    pub fn refuse(&self, refuse: bool) {
        self.0.refuse.store(refuse, Ordering::SeqCst);
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.0.accepted.load(Ordering::SeqCst)
    }

    /// Bytes forwarded client → upstream.
    pub fn bytes_up(&self) -> u64 {
        self.0.up.load(Ordering::SeqCst)
    }

    /// Bytes forwarded upstream → client.
    pub fn bytes_down(&self) -> u64 {
        self.0.down.load(Ordering::SeqCst)
    }
}

/// A running proxy; dropping it closes the port and every connection through it.
pub struct FaultProxy {
    addr: SocketAddr,
    handle: FaultHandle,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Listens on 127.0.0.1:0 and forwards to `upstream`, which must be on loopback.
    pub fn start(upstream: SocketAddr) -> io::Result<FaultProxy> {
        assert!(
            upstream.ip().is_loopback(),
            "the fault proxy forwards only to loopback, not {upstream}"
        );
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let control = Arc::new(Control {
            plan: Mutex::new(Arc::new(|_| Faults::default())),
            refuse: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            accepted: AtomicU64::new(0),
            up: AtomicU64::new(0),
            down: AtomicU64::new(0),
        });
        let ctl = Arc::clone(&control);
        let acceptor = thread::Builder::new()
            .name("fault-proxy-accept".into())
            .spawn(move || accept_loop(listener, addr, upstream, &ctl))?;
        Ok(FaultProxy {
            addr,
            handle: FaultHandle(control),
            acceptor: Some(acceptor),
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn handle(&self) -> FaultHandle {
        self.handle.clone()
    }
}

impl std::ops::Deref for FaultProxy {
    type Target = FaultHandle;

    fn deref(&self) -> &FaultHandle {
        &self.handle
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.handle.0.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(listener: TcpListener, addr: SocketAddr, upstream: SocketAddr, ctl: &Arc<Control>) {
    let mut listener = Some(listener);
    while !ctl.stop.load(Ordering::SeqCst) {
        // Refusing closes the listening socket, so the kernel answers SYNs with RST as
        // for a server that is down; reopening binds the same port again.
        let refuse = ctl.refuse.load(Ordering::SeqCst);
        if refuse && listener.is_some() {
            listener = None;
        } else if !refuse && listener.is_none() {
            listener = TcpListener::bind(addr)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .ok();
        }
        let Some(l) = &listener else {
            thread::sleep(POLL);
            continue;
        };
        match l.accept() {
            Ok((client, _)) => {
                let n = ctl.accepted.fetch_add(1, Ordering::SeqCst);
                let plan = Arc::clone(&ctl.plan.lock().unwrap_or_else(|e| e.into_inner()));
                let faults = plan(n);
                let ctl = Arc::clone(ctl);
                let _ = thread::Builder::new()
                    .name(format!("fault-proxy-{n}"))
                    .spawn(move || serve(client, upstream, faults, ctl));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL),
            Err(_) => thread::sleep(POLL),
        }
    }
}

/// One connection's shared state: both sockets, and whether it must end.
struct Conn {
    client: TcpStream,
    upstream: TcpStream,
    /// Reset, or the peer failed: drop everything now.
    done: AtomicBool,
    /// Cut: nothing more is forwarded; what still arrives is read and dropped.
    cut: AtomicBool,
    /// Directions that have finished; a stalled one ends when the other has.
    finished: AtomicU64,
    ctl: Arc<Control>,
}

impl Conn {
    fn aborted(&self) -> bool {
        self.done.load(Ordering::SeqCst) || self.ctl.stop.load(Ordering::SeqCst)
    }

    fn ending(&self) -> bool {
        self.aborted() || self.cut.load(Ordering::SeqCst)
    }

    /// FIN to both peers. The pumps then drain their sockets until each peer closes:
    /// closing a socket with unread bytes would send RST, and a cut must look like an
    /// orderly end of stream.
    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        let _ = self.client.shutdown(Shutdown::Write);
        let _ = self.upstream.shutdown(Shutdown::Write);
    }

    /// RST on both sides once the last handle of each socket is dropped, which the
    /// pumps do within one poll interval of seeing `done`.
    fn reset(&self) {
        for s in [&self.client, &self.upstream] {
            let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
        }
        self.done.store(true, Ordering::SeqCst);
    }
}

fn serve(client: TcpStream, upstream: SocketAddr, faults: Faults, ctl: Arc<Control>) {
    let Ok(up) = TcpStream::connect(upstream) else {
        // Upstream down: the client sees its connection closed, as through a real proxy.
        return;
    };
    for s in [&client, &up] {
        let _ = s.set_read_timeout(Some(POLL));
        let _ = s.set_write_timeout(Some(POLL));
        let _ = s.set_nodelay(true);
    }
    let conn = Arc::new(Conn {
        client,
        upstream: up,
        done: AtomicBool::new(false),
        cut: AtomicBool::new(false),
        finished: AtomicU64::new(0),
        ctl,
    });
    let other = Arc::clone(&conn);
    let down = thread::spawn(move || pump(&other, Direction::Down, faults));
    pump(&conn, Direction::Up, faults);
    let _ = down.join();
}

fn pump(conn: &Conn, dir: Direction, faults: Faults) {
    forward(conn, dir, faults);
    conn.finished.fetch_add(1, Ordering::SeqCst);
}

fn forward(conn: &Conn, dir: Direction, faults: Faults) {
    let (mut src, dst, counter) = match dir {
        Direction::Up => (&conn.client, &conn.upstream, &conn.ctl.up),
        Direction::Down => (&conn.upstream, &conn.client, &conn.ctl.down),
    };
    let trip = faults.trip.filter(|t| t.direction == dir);
    let mut buf = vec![0u8; faults.chunk.unwrap_or(CHUNK).clamp(1, CHUNK)];
    let mut passed: u64 = 0;
    let mut stalled = false;
    loop {
        if conn.aborted() {
            return;
        }
        if conn.cut.load(Ordering::SeqCst) {
            drain(conn, src, &mut buf);
            return;
        }
        if stalled {
            // Nothing more can come the other way once it finished: close, as the
            // upstream (or client) did.
            if conn.finished.load(Ordering::SeqCst) > 0 {
                return;
            }
            thread::sleep(STALL_POLL);
            continue;
        }
        let n = match src.read(&mut buf) {
            Ok(0) => {
                // Half-close travels on, so request/response protocols finish.
                let _ = dst.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                // The peer reset or failed: pass the failure on as a reset.
                conn.reset();
                return;
            }
        };
        if let Some(d) = faults.delay {
            thread::sleep(d);
        }
        let mut send = n;
        let mut tripped = None;
        if let Some(t) = trip {
            let room = t.after.saturating_sub(passed);
            if n as u64 > room {
                send = room as usize;
                tripped = Some(t.action);
            }
        }
        if send > 0 {
            if !write_all(conn, dst, &buf[..send]) {
                return;
            }
            passed += send as u64;
            counter.fetch_add(send as u64, Ordering::SeqCst);
        }
        match tripped {
            None => {}
            Some(Action::Cut) => conn.cut(),
            Some(Action::Reset) => {
                conn.reset();
                return;
            }
            Some(Action::Stall) => stalled = true,
        }
    }
}

/// Reads and drops until the peer closes or fails, or the proxy stops.
fn drain(conn: &Conn, mut src: &TcpStream, buf: &mut [u8]) {
    while !conn.aborted() {
        match src.read(buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return,
        }
    }
}

/// `write_all` that gives up when the connection or the proxy is told to end (a peer
/// that stopped reading must not hold the thread for ever). False when it did not
/// finish; a failed write resets the connection.
fn write_all(conn: &Conn, mut dst: &TcpStream, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        if conn.ending() {
            return false;
        }
        match dst.write(bytes) {
            Ok(0) => {
                conn.reset();
                return false;
            }
            Ok(k) => bytes = &bytes[k..],
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => {
                conn.reset();
                return false;
            }
        }
    }
    true
}

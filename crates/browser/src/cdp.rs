//! A lean Chrome DevTools Protocol client: one WebSocket to the browser endpoint, page
//! sessions multiplexed over it in "flatten" mode, commands matched to replies by id,
//! events fanned out to subscribers in arrival order.
//!
//! Messages stay untyped (`serde_json`) except where the caller asks for a shape, so a
//! newer Chromium that adds fields or enum values does not break us.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::SinkExt;
use futures_util::stream::{SplitSink, StreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Sink = SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;
type Reply = Result<Box<RawValue>, CdpError>;

/// A DevTools failure: the browser answered with an error, or the connection broke.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CdpError {
    #[error("DevTools command {method} failed: {message}")]
    Command { method: String, message: String },
    #[error("DevTools command {method} timed out after {timeout:?}")]
    Timeout { method: String, timeout: Duration },
    #[error("the DevTools connection to Chromium closed")]
    Closed,
    #[error("cannot connect to Chromium's DevTools endpoint {url}: {message}")]
    Connect { url: String, message: String },
    #[error("unexpected DevTools reply to {method}: {message}")]
    Decode { method: String, message: String },
}

/// One event as Chromium sent it.
#[derive(Debug)]
pub struct Event {
    /// The flattened page session it belongs to (`None`: the browser itself).
    pub session_id: Option<String>,
    pub method: String,
    pub params: Box<RawValue>,
}

impl Event {
    pub fn parse<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(self.params.get()).ok()
    }
}

#[derive(Deserialize)]
struct Incoming {
    id: Option<u64>,
    method: Option<String>,
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
    params: Option<Box<RawValue>>,
    result: Option<Box<RawValue>>,
    error: Option<IncomingError>,
}

#[derive(Deserialize)]
struct IncomingError {
    message: String,
    #[serde(default)]
    data: Option<String>,
}

struct Shared {
    pending: Mutex<HashMap<u64, (String, oneshot::Sender<Reply>)>>,
    subscribers: Mutex<Vec<mpsc::UnboundedSender<Arc<Event>>>>,
    closed: std::sync::atomic::AtomicBool,
}

/// A cheap-to-clone handle on the DevTools connection.
#[derive(Clone)]
pub struct Connection {
    sink: Arc<tokio::sync::Mutex<Sink>>,
    shared: Arc<Shared>,
    next_id: Arc<AtomicU64>,
    timeout: Duration,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Connection {
    /// Connects to a `ws://127.0.0.1:PORT/devtools/browser/…` endpoint.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Connection, CdpError> {
        let connect_error = |message: String| CdpError::Connect {
            url: url.to_string(),
            message,
        };
        let (ws, _) = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(url))
            .await
            .map_err(|_| connect_error("timed out".into()))?
            .map_err(|e| connect_error(e.to_string()))?;
        let (sink, mut stream) = ws.split();
        let shared = Arc::new(Shared {
            pending: Mutex::new(HashMap::new()),
            subscribers: Mutex::new(Vec::new()),
            closed: std::sync::atomic::AtomicBool::new(false),
        });
        let reader = shared.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let text = match message {
                    Message::Text(text) => text,
                    Message::Close(_) => break,
                    _ => continue,
                };
                let Ok(incoming) = serde_json::from_str::<Incoming>(&text) else {
                    continue;
                };
                dispatch(&reader, incoming);
            }
            reader.closed.store(true, Ordering::SeqCst);
            // Dropping the senders fails every waiting command and ends every subscriber.
            lock(&reader.pending).clear();
            lock(&reader.subscribers).clear();
        });
        Ok(Connection {
            sink: Arc::new(tokio::sync::Mutex::new(sink)),
            shared,
            next_id: Arc::new(AtomicU64::new(1)),
            timeout,
        })
    }

    /// Receives every event from now on, in the order Chromium sent them.
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<Arc<Event>> {
        let (tx, rx) = mpsc::unbounded_channel();
        if !self.shared.closed.load(Ordering::SeqCst) {
            lock(&self.shared.subscribers).push(tx);
        }
        rx
    }

    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::SeqCst)
    }

    /// Sends a command and waits (bounded by the connection's timeout) for its reply.
    pub async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, CdpError> {
        self.call_as(session, method, params).await
    }

    /// Like [`Connection::call`], decoding the result into `T`.
    pub async fn call_as<T: DeserializeOwned>(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<T, CdpError> {
        let raw = self.call_raw(session, method, params, self.timeout).await?;
        serde_json::from_str(raw.get()).map_err(|e| CdpError::Decode {
            method: method.to_string(),
            message: e.to_string(),
        })
    }

    pub async fn call_raw(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Box<RawValue>, CdpError> {
        if self.is_closed() {
            return Err(CdpError::Closed);
        }
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let mut message = serde_json::json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = Value::String(session.to_string());
        }
        let (tx, rx) = oneshot::channel();
        lock(&self.shared.pending).insert(id, (method.to_string(), tx));
        let sent = self
            .sink
            .lock()
            .await
            .send(Message::Text(message.to_string().into()))
            .await;
        if sent.is_err() {
            lock(&self.shared.pending).remove(&id);
            return Err(CdpError::Closed);
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => Err(CdpError::Closed),
            Err(_) => {
                lock(&self.shared.pending).remove(&id);
                Err(CdpError::Timeout {
                    method: method.to_string(),
                    timeout,
                })
            }
        }
    }
}

fn dispatch(shared: &Shared, incoming: Incoming) {
    if let Some(id) = incoming.id {
        let Some((method, tx)) = lock(&shared.pending).remove(&id) else {
            return;
        };
        let reply = match (incoming.error, incoming.result) {
            (Some(error), _) => Err(CdpError::Command {
                method,
                message: match error.data {
                    Some(data) => format!("{} ({data})", error.message),
                    None => error.message,
                },
            }),
            (None, Some(result)) => Ok(result),
            (None, None) => Err(CdpError::Decode {
                method,
                message: "reply without result".into(),
            }),
        };
        let _ = tx.send(reply);
        return;
    }
    let Some(method) = incoming.method else {
        return;
    };
    let params = incoming
        .params
        .unwrap_or_else(|| RawValue::from_string("{}".into()).unwrap_or_default());
    let event = Arc::new(Event {
        session_id: incoming.session_id,
        method,
        params,
    });
    lock(&shared.subscribers).retain(|tx| tx.send(event.clone()).is_ok());
}

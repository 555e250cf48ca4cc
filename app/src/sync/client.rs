//! The lane's HTTP shell to HQ: one request per connection (a dropped connection can never
//! carry a stale answer into the next request), bounded by a timeout, turned into a
//! [`PushOutcome`] for the sans-IO pusher.

use super::protocol::{ErrorBody, PullResponse, PushAck, PushBatch};
use super::pusher::PushOutcome;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::{AUTHORIZATION, CONNECTION, CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("hq_url {0:?} is not http://HOST:PORT (https is terminated by a proxy in front of HQ)")]
    BadUrl(String),
    #[error("lane token is empty")]
    NoToken,
    #[error("HQ did not answer within {0:?}")]
    TimedOut(Duration),
    #[error("connection to HQ failed: {0}")]
    Connection(String),
    #[error("HQ refused ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("HQ answered something unreadable: {0}")]
    BadAnswer(String),
}

/// Where HQ is and how this lane proves who it is.
#[derive(Clone)]
pub struct HqClient {
    authority: String,
    token: String,
    timeout: Duration,
}

impl std::fmt::Debug for HqClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HqClient")
            .field("authority", &self.authority)
            .field("token", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A raw answer: status and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Bytes,
}

impl HqClient {
    /// `hq_url` is `http://HOST:PORT` (a trailing `/` is fine).
    pub fn new(hq_url: &str, token: &str, timeout: Duration) -> Result<Self, ClientError> {
        let bad = || ClientError::BadUrl(hq_url.to_owned());
        let rest = hq_url.strip_prefix("http://").ok_or_else(bad)?;
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') || !authority.contains(':') {
            return Err(bad());
        }
        if token.is_empty() {
            return Err(ClientError::NoToken);
        }
        Ok(HqClient {
            authority: authority.to_owned(),
            token: token.to_owned(),
            timeout,
        })
    }

    /// Sends one batch; every way it can end becomes a [`PushOutcome`].
    pub async fn push(&self, batch: &PushBatch) -> PushOutcome {
        let body = match serde_json::to_vec(batch) {
            Ok(body) => body,
            Err(e) => return PushOutcome::BadAnswer(format!("cannot encode batch: {e}")),
        };
        let started = Instant::now();
        match self.request("POST", "/v1/push", Some(body)).await {
            Ok(Answer { status, body }) if (200..300).contains(&status) => {
                match serde_json::from_slice::<PushAck>(&body) {
                    Ok(ack) => PushOutcome::Acked {
                        ack,
                        elapsed: started.elapsed(),
                    },
                    Err(e) => PushOutcome::BadAnswer(e.to_string()),
                }
            }
            Ok(Answer { status, body }) => PushOutcome::Refused {
                status,
                body: serde_json::from_slice::<ErrorBody>(&body).ok(),
            },
            Err(ClientError::TimedOut(_)) => PushOutcome::TimedOut,
            Err(e) => PushOutcome::ConnectionFailed(e.to_string()),
        }
    }

    /// Fetches the catalog changes after `since`.
    pub async fn pull(&self, since: i64, limit: usize) -> Result<PullResponse, ClientError> {
        let path = format!("/v1/pull?since={since}&limit={limit}");
        let Answer { status, body } = self.request("GET", &path, None).await?;
        if !(200..300).contains(&status) {
            let message = serde_json::from_slice::<ErrorBody>(&body)
                .map(|b| b.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&body).chars().take(200).collect());
            return Err(ClientError::Refused { status, message });
        }
        serde_json::from_slice(&body).map_err(|e| ClientError::BadAnswer(e.to_string()))
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, ClientError> {
        tokio::time::timeout(self.timeout, self.exchange(method, path, body))
            .await
            .map_err(|_| ClientError::TimedOut(self.timeout))?
    }

    async fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, ClientError> {
        let conn_err = |e: &dyn std::fmt::Display| ClientError::Connection(e.to_string());
        let stream = TcpStream::connect(&self.authority)
            .await
            .map_err(|e| conn_err(&e))?;
        stream.set_nodelay(true).map_err(|e| conn_err(&e))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| conn_err(&e))?;
        // The connection future does the socket I/O; it ends when this request is done.
        let driver = tokio::spawn(connection);
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, &self.authority)
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .header(CONTENT_TYPE, "application/json")
            .header(CONNECTION, "close")
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| conn_err(&e))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| conn_err(&e))?
            .to_bytes();
        driver.abort();
        Ok(Answer { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_plain_http_with_a_port() {
        let t = Duration::from_secs(1);
        assert!(HqClient::new("http://127.0.0.1:8080/", "tok", t).is_ok());
        assert!(matches!(
            HqClient::new("https://hq:443", "tok", t),
            Err(ClientError::BadUrl(_))
        ));
        assert!(matches!(
            HqClient::new("http://hq", "tok", t),
            Err(ClientError::BadUrl(_))
        ));
        assert!(matches!(
            HqClient::new("http://hq:1/x", "tok", t),
            Err(ClientError::BadUrl(_))
        ));
        assert!(matches!(
            HqClient::new("http://hq:1", "", t),
            Err(ClientError::NoToken)
        ));
    }

    #[test]
    fn debug_does_not_show_the_token() {
        let client =
            HqClient::new("http://127.0.0.1:1", "s3cret-token", Duration::from_secs(1)).unwrap();
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn nobody_listening_is_a_connection_failure() {
        // Bound but never listening: connections are refused, and unlike a port that was
        // probed and closed, nobody else can take it (or be handed it as a source port and
        // connect to itself) while the test runs.
        let reserved = tokio::net::TcpSocket::new_v4().unwrap();
        reserved
            .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .unwrap();
        let addr = reserved.local_addr().unwrap();
        let client = HqClient::new(&format!("http://{addr}"), "t", Duration::from_secs(2)).unwrap();
        let batch = PushBatch {
            lane_id: "l".into(),
            events: vec![],
        };
        assert!(matches!(
            client.push(&batch).await,
            PushOutcome::ConnectionFailed(_)
        ));
    }
}

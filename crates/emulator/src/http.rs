//! HTTP building blocks shared by the endpoints: a request body reader that counts
//! wire bytes and can stop, drain or give up; response constructors; header and query
//! helpers.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as _, Incoming};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;

/// Every answer the emulator gives.
pub(crate) type HttpResponse = Response<Full<Bytes>>;

/// At most this much of an unwanted body is read (and discarded) before answering, so
/// the client can read the answer instead of seeing a reset.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;
/// Give up draining after this long.
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// Why reading a body stopped early.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// More than the limit arrived.
    TooLarge,
    /// The connection failed while reading.
    Transport,
}

/// A request body being read, with the count of bytes received so far.
pub(crate) struct RequestBody {
    incoming: Incoming,
    received: u64,
    done: bool,
}

impl RequestBody {
    pub(crate) fn new(incoming: Incoming) -> RequestBody {
        let done = incoming.is_end_stream();
        RequestBody {
            incoming,
            received: 0,
            done,
        }
    }

    /// Body bytes received so far (including drained ones).
    pub(crate) fn received(&self) -> u64 {
        self.received
    }

    /// The next data chunk, `None` at the end of the body.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        while !self.done {
            match self.incoming.frame().await {
                None => self.done = true,
                Some(Err(_)) => {
                    self.done = true;
                    return Err(BodyError::Transport);
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.received += data.len() as u64;
                        return Ok(Some(data));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Reads the rest of the body into `out` (emptied), failing as soon as more than `limit`
    /// bytes arrived; `expected` (the declared `Content-Length`, up to the limit) sizes the
    /// buffer up front.
    pub(crate) async fn read_to_limit(
        &mut self,
        limit: u64,
        expected: Option<u64>,
        mut out: Vec<u8>,
    ) -> Result<Vec<u8>, BodyError> {
        let capacity = expected.unwrap_or(0).min(limit);
        out.clear();
        out.reserve(usize::try_from(capacity).unwrap_or(0));
        while let Some(chunk) = self.next_chunk().await? {
            if self.received > limit {
                return Err(BodyError::TooLarge);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Reads until at least `at_least` bytes arrived or the body ended.
    pub(crate) async fn read_some(&mut self, at_least: u64) {
        while self.received < at_least {
            match self.next_chunk().await {
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
    }

    /// Discards the rest of the body within bounds; `true` when it was read to the end.
    pub(crate) async fn drain(&mut self) -> bool {
        let start = self.received;
        let drained = tokio::time::timeout(DRAIN_TIME, async {
            loop {
                match self.next_chunk().await {
                    Ok(Some(_)) if self.received - start <= DRAIN_LIMIT => {}
                    Ok(Some(_)) | Err(_) => return false,
                    Ok(None) => return true,
                }
            }
        })
        .await;
        drained.unwrap_or(false)
    }

    /// Reads a small body (forms, control requests) up to `limit` bytes.
    pub(crate) async fn read_small(&mut self, limit: u64) -> Option<Vec<u8>> {
        self.read_to_limit(limit, None, Vec::new()).await.ok()
    }
}

/// A response with `body` and `content_type`.
pub(crate) fn response(status: u16, content_type: &str, body: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    set_header(&mut response, "content-type", content_type);
    response
}

/// A JSON response.
pub(crate) fn json_response(status: u16, body: &Value) -> HttpResponse {
    response(status, "application/json; charset=utf-8", body.to_string())
}

/// A response without body.
pub(crate) fn empty_response(status: u16) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
}

/// Sets a header, ignoring values that are not valid header text.
pub(crate) fn set_header(response: &mut HttpResponse, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// A header as text (`None` when absent or not visible ASCII).
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The query parameter `name` (first occurrence, name matched case-insensitively).
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.into_owned())
}

/// The path split into percent-decoded segments (no leading empty segment).
pub(crate) fn path_segments(path: &str) -> Vec<String> {
    path.trim_start_matches('/')
        .split('/')
        .map(|segment| {
            percent_encoding::percent_decode_str(segment)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_query_are_decoded() {
        assert_eq!(
            path_segments("/dataCollectionRules/dcr-1/streams/Custom-A%20B"),
            vec!["dataCollectionRules", "dcr-1", "streams", "Custom-A B"]
        );
        assert_eq!(
            query_param(Some("x=1&API-Version=2023-01-01"), "api-version").as_deref(),
            Some("2023-01-01")
        );
        assert_eq!(query_param(None, "api-version"), None);
    }
}

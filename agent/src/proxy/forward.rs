//! Forwarding of one request to the upstream and of its response back, with the bodies
//! streamed frame by frame. For the observed endpoints both bodies pass through a
//! [`TeeBody`] whose observers copy them into a [`CapturedExchange`], which is offered to
//! the scoring sink when the response body ends. Bytes, status and end-to-end headers
//! reach the client unchanged; only hop-by-hop headers are dropped and `Host` is set.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri, Version};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;

use super::capture::{Capture, CapturedExchange, ExchangeSink, ResponseEnd};
use super::metrics::{EndpointLabel, UpstreamErrorKind};
use super::parse::Endpoint;
use super::tee::{BodyEnd, BodyObserver, TeeBody};

pub(crate) type UpstreamClient = Client<HttpConnector, TeeBody<Incoming>>;

/// The body sent back to the client: the upstream's, or the proxy's own error.
pub(crate) type ProxyBody = Either<TeeBody<Incoming>, Full<Bytes>>;

/// The upstream base URL split into the parts that forwarding needs.
#[derive(Debug, Clone)]
pub(crate) struct Upstream {
    pub(crate) scheme: http::uri::Scheme,
    pub(crate) authority: http::uri::Authority,
    /// Path prefix without a trailing slash; empty when the base URL has none.
    pub(crate) path_prefix: String,
}

/// Forwards requests to one upstream. Shared by all connections.
pub(crate) struct Forwarder {
    pub(crate) client: UpstreamClient,
    pub(crate) upstream: Upstream,
    pub(crate) max_capture_bytes: usize,
    pub(crate) sink: ExchangeSink,
}

impl Forwarder {
    /// Forwards `request` and returns the upstream's response, or a 502 response when
    /// the upstream could not be reached. Never fails, so hyper keeps the connection.
    pub(crate) async fn forward(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Result<Response<ProxyBody>, Infallible> {
        let started_at = SystemTime::now();
        let started = Instant::now();
        let endpoint = observed_endpoint(request.method(), request.uri().path());
        let label = match endpoint {
            Some(Endpoint::ChatCompletions) => EndpointLabel::Chat,
            Some(Endpoint::Completions) => EndpointLabel::Completions,
            None => EndpointLabel::Other,
        };
        let path = request.uri().path().to_string();
        let (mut parts, body) = request.into_parts();

        let request_encoding = header_string(&parts.headers, header::CONTENT_ENCODING);
        let request_capture =
            endpoint.map(|_| Arc::new(Mutex::new(Capture::new(self.max_capture_bytes))));
        let request_observer = request_capture
            .clone()
            .map(|capture| Box::new(RequestObserver { capture }) as Box<dyn BodyObserver>);

        parts.uri = match self.upstream_uri(&parts.uri) {
            Ok(uri) => uri,
            Err(error) => {
                self.sink.metrics().count_request(label, None);
                tracing::debug!(%error, uri = %parts.uri, "invalid request target for the upstream");
                return Ok(error_response(
                    StatusCode::BAD_REQUEST,
                    "invalid request target",
                ));
            }
        };
        parts.version = Version::HTTP_11;
        remove_hop_by_hop(&mut parts.headers);
        if let Ok(host) = HeaderValue::from_str(self.upstream.authority.as_str()) {
            parts.headers.insert(header::HOST, host);
        }
        let upstream_request = Request::from_parts(parts, TeeBody::new(body, request_observer));

        let response = match self.client.request(upstream_request).await {
            Ok(response) => response,
            Err(error) => {
                let kind = classify_error(&error);
                self.sink.metrics().upstream_error(kind, &error);
                self.sink.metrics().count_request(label, None);
                let message = match kind {
                    UpstreamErrorKind::Connect => "could not connect to the model server",
                    UpstreamErrorKind::Timeout => "connecting to the model server timed out",
                    UpstreamErrorKind::Reset => "the model server closed the connection",
                };
                return Ok(error_response(StatusCode::BAD_GATEWAY, message));
            }
        };

        let (mut parts, body) = response.into_parts();
        self.sink
            .metrics()
            .count_request(label, Some(parts.status.as_u16()));
        remove_hop_by_hop(&mut parts.headers);
        let response_observer: Box<dyn BodyObserver> = match request_capture {
            None => Box::new(BodyErrorCounter {
                sink: self.sink.clone(),
            }),
            Some(request_capture) => Box::new(ResponseObserver {
                sink: self.sink.clone(),
                request_capture,
                capture: Capture::new(self.max_capture_bytes),
                partial: CapturedExchange {
                    path,
                    request_encoding,
                    request_body: Bytes::new(),
                    status: parts.status,
                    response_content_type: header_string(&parts.headers, header::CONTENT_TYPE),
                    response_encoding: header_string(&parts.headers, header::CONTENT_ENCODING),
                    response_body: Bytes::new(),
                    response_end: ResponseEnd::Complete,
                    started_at,
                    duration: Default::default(),
                },
                started,
            }),
        };
        let body = Either::Left(TeeBody::new(body, Some(response_observer)));
        Ok(Response::from_parts(parts, body))
    }

    /// Builds the upstream URI for a request target: the upstream's scheme and authority,
    /// its path prefix, then the request's path and query.
    fn upstream_uri(&self, target: &Uri) -> Result<Uri, http::Error> {
        let path_and_query = target.path_and_query().map_or("/", |pq| pq.as_str());
        let path_and_query = format!("{}{}", self.upstream.path_prefix, path_and_query);
        Uri::builder()
            .scheme(self.upstream.scheme.clone())
            .authority(self.upstream.authority.clone())
            .path_and_query(path_and_query)
            .build()
    }
}

/// The observed endpoint for a request, by method and the path's last segments, so that
/// a path prefix in front of `/v1` (as LiteLLM and gateways add) is still observed.
pub(crate) fn observed_endpoint(method: &Method, path: &str) -> Option<Endpoint> {
    if method != Method::POST {
        return None;
    }
    let path = path.trim_end_matches('/');
    if path.ends_with("/v1/chat/completions") {
        Some(Endpoint::ChatCompletions)
    } else if path.ends_with("/v1/completions") {
        Some(Endpoint::Completions)
    } else {
        None
    }
}

/// Hop-by-hop headers from RFC 9110 §7.6.1, plus the obsolete `Proxy-Connection`.
const HOP_BY_HOP: [HeaderName; 7] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Removes the hop-by-hop headers and every header that `Connection` names.
pub(crate) fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named.iter().chain(HOP_BY_HOP.iter()) {
        headers.remove(name);
    }
}

fn header_string(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

fn classify_error(error: &hyper_util::client::legacy::Error) -> UpstreamErrorKind {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return UpstreamErrorKind::Timeout;
            }
        }
        source = current.source();
    }
    if error.is_connect() {
        UpstreamErrorKind::Connect
    } else {
        UpstreamErrorKind::Reset
    }
}

/// Builds the proxy's own error response, in the OpenAI error shape so clients show it.
pub(crate) fn error_response(status: StatusCode, message: &str) -> Response<ProxyBody> {
    let body = serde_json::json!({
        "error": { "message": message, "type": "candor_proxy_error" }
    });
    let mut response = Response::new(Either::Right(Full::new(Bytes::from(body.to_string()))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Copies the request body into a capture shared with the response observer.
struct RequestObserver {
    capture: Arc<Mutex<Capture>>,
}

impl BodyObserver for RequestObserver {
    fn on_data(&mut self, data: &Bytes) {
        if let Ok(mut capture) = self.capture.lock() {
            capture.push(data);
        }
    }

    fn on_end(self: Box<Self>, _end: BodyEnd) {}
}

/// Counts a response body of an unobserved endpoint that the upstream broke off.
struct BodyErrorCounter {
    sink: ExchangeSink,
}

impl BodyObserver for BodyErrorCounter {
    fn on_data(&mut self, _data: &Bytes) {}

    fn on_end(self: Box<Self>, end: BodyEnd) {
        if end == BodyEnd::Failed {
            count_body_error(&self.sink);
        }
    }
}

fn count_body_error(sink: &ExchangeSink) {
    let error = std::io::Error::other("response body ended early");
    sink.metrics()
        .upstream_error(UpstreamErrorKind::Reset, &error);
}

/// Copies the response body and, when it ends, offers the whole exchange to the sink.
struct ResponseObserver {
    sink: ExchangeSink,
    request_capture: Arc<Mutex<Capture>>,
    capture: Capture,
    /// The exchange with everything but the bodies, the end and the duration filled in.
    partial: CapturedExchange,
    started: Instant,
}

impl BodyObserver for ResponseObserver {
    fn on_data(&mut self, data: &Bytes) {
        self.capture.push(data);
    }

    fn on_end(self: Box<Self>, end: BodyEnd) {
        let Self {
            sink,
            request_capture,
            mut capture,
            mut partial,
            started,
        } = *self;
        let response_end = match end {
            BodyEnd::Complete => ResponseEnd::Complete,
            BodyEnd::Failed => ResponseEnd::UpstreamError,
            BodyEnd::Dropped => ResponseEnd::ClientGone,
        };

        if end == BodyEnd::Failed {
            count_body_error(&sink);
        }

        // An upstream may respond before it has read the whole request, so the request
        // copy is taken as it is now.
        let (request_body, request_too_large) = match request_capture.lock() {
            Ok(mut request) => (request.take(), request.too_large()),
            Err(_) => (Bytes::new(), true),
        };
        if request_too_large || capture.too_large() {
            sink.count_too_large();
            return;
        }

        partial.request_body = request_body;
        partial.response_body = capture.take();
        partial.response_end = response_end;
        partial.duration = started.elapsed();
        sink.offer(partial);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_observed_with_prefix() {
        let post = Method::POST;
        let chat = Some(Endpoint::ChatCompletions);
        let completions = Some(Endpoint::Completions);
        assert_eq!(observed_endpoint(&post, "/v1/chat/completions"), chat);
        assert_eq!(
            observed_endpoint(&post, "/openai/v1/chat/completions/"),
            chat
        );
        assert_eq!(observed_endpoint(&post, "/v1/completions"), completions);
        assert_eq!(observed_endpoint(&post, "/v1/models"), None);
        assert_eq!(observed_endpoint(&Method::GET, "/v1/completions"), None);
    }

    #[test]
    fn hop_by_hop_headers_are_removed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-hop"),
        );
        headers.insert("x-hop", HeaderValue::from_static("1"));
        headers.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        headers.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        headers.insert("x-end-to-end", HeaderValue::from_static("1"));
        remove_hop_by_hop(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key("x-end-to-end"));
    }
}

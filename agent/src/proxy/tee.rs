//! A body wrapper that passes every frame through unchanged and shows each data frame to
//! an observer as it goes by. It adds no buffering: the observer sees a frame when the
//! reader pulls it, so a slow reader slows only its own body.

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// How a body ended, as its wrapper saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyEnd {
    /// The inner body reported its end.
    Complete,
    /// The inner body returned an error.
    Failed,
    /// The reader dropped the body before its end.
    Dropped,
}

/// Receives the data frames of one body, then one call with how the body ended.
pub(crate) trait BodyObserver: Send {
    fn on_data(&mut self, data: &Bytes);
    fn on_end(self: Box<Self>, end: BodyEnd);
}

/// Passes the frames of `inner` through and shows them to the observer, when there is one.
pub(crate) struct TeeBody<B: Body> {
    inner: B,
    observer: Option<Box<dyn BodyObserver>>,
}

impl<B: Body> TeeBody<B> {
    pub(crate) fn new(inner: B, observer: Option<Box<dyn BodyObserver>>) -> Self {
        Self { inner, observer }
    }

    fn finish(&mut self, end: BodyEnd) {
        if let Some(observer) = self.observer.take() {
            observer.on_end(end);
        }
    }
}

impl<B> Body for TeeBody<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = &mut *self;
        let polled = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        match &polled {
            Some(Ok(frame)) => {
                if let (Some(observer), Some(data)) = (this.observer.as_mut(), frame.data_ref()) {
                    observer.on_data(data);
                }
                // hyper stops polling a body once it reports its end, so the end is
                // seen here rather than waiting for a `None` that may never be polled.
                if this.inner.is_end_stream() {
                    this.finish(BodyEnd::Complete);
                }
            }
            Some(Err(_)) => this.finish(BodyEnd::Failed),
            None => this.finish(BodyEnd::Complete),
        }
        Poll::Ready(polled)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B: Body> Drop for TeeBody<B> {
    fn drop(&mut self) {
        // An empty body may be dropped without ever being polled.
        let end = if self.inner.is_end_stream() {
            BodyEnd::Complete
        } else {
            BodyEnd::Dropped
        };
        self.finish(end);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use http_body_util::{BodyExt, Full};

    use super::*;

    struct Recorder(Arc<Mutex<(Vec<u8>, Option<BodyEnd>)>>);

    impl BodyObserver for Recorder {
        fn on_data(&mut self, data: &Bytes) {
            self.0.lock().unwrap().0.extend_from_slice(data);
        }

        fn on_end(self: Box<Self>, end: BodyEnd) {
            self.0.lock().unwrap().1 = Some(end);
        }
    }

    #[tokio::test]
    async fn tee_copies_frames_and_reports_end() {
        let seen = Arc::new(Mutex::new((Vec::new(), None)));
        let body = TeeBody::new(
            Full::new(Bytes::from_static(b"hello")),
            Some(Box::new(Recorder(seen.clone()))),
        );
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(bytes, Bytes::from_static(b"hello"));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.0, b"hello");
        assert_eq!(seen.1, Some(BodyEnd::Complete));
    }

    #[test]
    fn unread_body_reports_dropped() {
        let seen = Arc::new(Mutex::new((Vec::new(), None)));
        let body = TeeBody::new(
            Full::new(Bytes::from_static(b"hello")),
            Some(Box::new(Recorder(seen.clone()))),
        );
        drop(body);
        assert_eq!(seen.lock().unwrap().1, Some(BodyEnd::Dropped));
    }
}

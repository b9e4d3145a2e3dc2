//! The HTTP request and response a [`Runtime::handle`](crate::Runtime::handle)
//! run serves: plain data, fully buffered, independent of any HTTP library.

/// An HTTP request for a handler run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The absolute URL the handler sees as `request.url`.
    pub url: String,
    /// Header names (lowercase) and values, in order; a repeated header
    /// appears once per value.
    pub headers: Vec<(String, String)>,
    /// The body; ignored for `GET` and `HEAD`, which cannot have one.
    pub body: Vec<u8>,
}

/// The response a handler produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code, 200 to 599.
    pub status: u16,
    /// Header names and values, as the handler set them.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Receives a handler run's response as soon as the handler has it, on the
/// run's thread, while the run goes on with `ctx.waitUntil` work. Called at
/// most once; a run that fails before responding never calls it.
pub type Responder = Box<dyn FnOnce(HttpResponse) + Send>;

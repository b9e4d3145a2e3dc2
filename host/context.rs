//! The per-run request context the host hands to the guest.

use serde::{Deserialize, Serialize};

/// Who a run acts for and on which request. JS reads it as the deeply
/// frozen global `context`, with the same camelCase field names this type
/// uses in JSON. The deadline is not part of it: the host derives
/// `context.deadlineMs` from the run's [timeout](crate::Limits::timeout).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestContext {
    /// The tenant the run belongs to.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// The user the run acts for.
    #[serde(default)]
    pub user: Option<User>,
    /// The request's identifier, attached to every log event of the run.
    /// Empty means "generate one" (a UUID v4).
    #[serde(default)]
    pub request_id: String,
    /// BCP 47 language tag of the caller.
    #[serde(default)]
    pub locale: Option<String>,
    /// The W3C `traceparent` of the request the run serves; JS reads it as
    /// `context.traceParent`.
    #[serde(default)]
    pub trace_parent: Option<String>,
}

/// The user a run acts for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    /// The user's identifier.
    pub id: String,
    /// The user's e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Application permissions, as data for the script; they grant the
    /// sandbox nothing.
    #[serde(default)]
    pub permissions: Vec<String>,
}

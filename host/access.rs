//! [`Access`]: the kinds of access a grant gives, named alike by grants,
//! refusals and audit events.

use std::fmt;

use serde::Serialize;

/// The kinds of access a grant gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Reading files and directories.
    Read,
    /// Creating, changing and removing files and directories.
    Write,
    /// Outgoing network requests.
    Net,
    /// Reading environment variables.
    Env,
    /// Using an embedder's host module (`host:db`).
    #[serde(rename = "host-module")]
    HostModule,
}

impl Access {
    /// The access's lowercase name, as in its flags (`--allow-read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Net => "net",
            Access::Env => "env",
            Access::HostModule => "host-module",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

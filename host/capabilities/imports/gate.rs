//! The step every gated host call goes through: the grants decide, the
//! decision is audited, a denial is counted.

use crate::capabilities::grants::{Access, Allowed, Denied};
use crate::capabilities::state::RunState;
use crate::observe::audit::{AuditEvent, Decision};

impl RunState {
    /// Records `decision` on `operation` (named after the WIT function) of
    /// `access` to `target`, and passes it on.
    pub(crate) fn decide(
        &mut self,
        operation: &'static str,
        access: Access,
        target: &str,
        decision: Result<Allowed, Denied>,
    ) -> Result<Allowed, Denied> {
        let (verdict, permission) = match &decision {
            Ok(allowed) => (Decision::Allowed, allowed.rule.clone()),
            Err(denied) => {
                self.permissions_denied += 1;
                (Decision::Denied, denied.permission.clone())
            }
        };
        self.audit_sink.audit(AuditEvent {
            tenant_id: self.context.tenant_id.clone(),
            request_id: self.context.request_id.clone(),
            operation,
            access,
            target: target.to_owned(),
            decision: verdict,
            permission,
        });
        decision
    }
}

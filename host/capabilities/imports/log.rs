//! `jsbox:sandbox/log`: structured log events, stamped with the run's
//! request id and tenant, within the run's output budget.

use crate::capabilities::bindings::jsbox::sandbox::log;
use crate::capabilities::state::RunState;
use crate::observe::log::LogEvent;

impl log::Host for RunState {
    fn emit(
        &mut self,
        level: log::Level,
        message: String,
        fields: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.count_host_call()?;
        let size = message.len() + fields.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
        // Past the budget, events are dropped rather than failing the run: a
        // chatty script should not lose its result over its logging.
        if self.output.spend(size as u64) {
            self.log_sink.log(LogEvent {
                level: level.into(),
                message,
                fields,
                request_id: self.context.request_id.clone(),
                tenant_id: self.context.tenant_id.clone(),
            });
        }
        Ok(())
    }
}

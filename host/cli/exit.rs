//! The `jsbox` exit codes, one per outcome kind, so that scripts calling
//! `jsbox` can tell a timeout from a bug without parsing stderr.

use jsbox::OutcomeKind;

/// Bad arguments, configuration or input file.
pub const USAGE: u8 = 2;

/// The exit code for a run that ended as `kind`.
pub fn for_outcome(kind: OutcomeKind) -> u8 {
    match kind {
        OutcomeKind::Ok => 0,
        OutcomeKind::UncaughtException | OutcomeKind::SyntaxError => 1,
        OutcomeKind::Timeout => 3,
        OutcomeKind::CpuBudget => 4,
        OutcomeKind::MemoryLimit => 5,
        OutcomeKind::StackOverflow => 6,
        OutcomeKind::HostCallLimit => 7,
        // 128 + SIGINT, as a shell reports an interrupted command.
        OutcomeKind::Cancelled => 130,
        // sysexits' EX_TEMPFAIL: try again later.
        OutcomeKind::Overloaded => 75,
        // sysexits' EX_SOFTWARE: the failure is jsbox's, not the script's.
        OutcomeKind::HostError | OutcomeKind::Internal => 70,
    }
}

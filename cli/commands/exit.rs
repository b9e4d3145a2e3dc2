//! The `jsbox` exit codes, one per outcome kind, so that scripts calling
//! `jsbox` can tell a timeout from a bug without parsing stderr.

use jsbox::{Outcome, OutcomeKind};

/// Bad arguments, configuration or input file.
pub const USAGE: u8 = 2;

/// The exit code for a run that ended as `outcome`.
pub fn for_outcome(outcome: &Outcome) -> u8 {
    match outcome {
        // POSIX keeps the low 8 bits, as Node's own exit code does.
        Outcome::Exit { code } => *code as u8,
        _ => for_kind(outcome.kind()),
    }
}

/// The exit code for a run that ended as `kind`; an `exit` is the script's
/// own code (see [`for_outcome`]), 0 when unknown.
pub fn for_kind(kind: OutcomeKind) -> u8 {
    match kind {
        OutcomeKind::Ok | OutcomeKind::Exit => 0,
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
        // sysexits' EX_SOFTWARE: the failure is jsbox's, not the script's
        // (and a kind newer than this binary is the library's to explain).
        OutcomeKind::HostError | OutcomeKind::Internal | _ => 70,
    }
}

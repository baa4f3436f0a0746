//! `loadgen`: load for eppd over loopback, on libepp's own client engine (`epp::client`).
//!
//! - `loadgen run` opens up to tens of thousands of sessions (plain TCP or TLS), logs them
//!   in (a bounded number at a time: eppd refuses more than 64 connections per address that
//!   have not logged in), then has every session run a pattern for a bounded time, `hello`
//!   (pipelined `<hello>`s) or `mix` (hello, poll request and the ack of any message it
//!   returns, domain check), with `--pipeline K` commands in flight per session. It prints
//!   (and with `--json FILE` writes) the throughput, the p50/p99/max latency from writing a
//!   command to reading its response, and with `--pid` the server's resident set over time.
//! - `loadgen floor` is the transport floor the figures are compared with: a minimal tokio
//!   server (plain or TLS) that sends a fixed greeting, then answers every frame with a fixed
//!   frame (a fixed greeting when the frame holds `<hello`, a fixed 1000 response otherwise),
//!   parsing nothing but the 4-byte length header.
//!
//! See `docs/performance.md` and `benches/eppd.sh`.

mod floor;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Load generator for eppd, and the transport floor it is measured against.
#[derive(Debug, Parser)]
#[command(name = "loadgen", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Open sessions, log them in, run a pattern for a bounded time, report.
    Run(run::RunArgs),
    /// Serve the transport floor: a fixed frame for every frame, no parsing.
    Floor(floor::FloorArgs),
}

/// Raises the open-file limit to `want` (or as near as the hard limit allows); returns the
/// soft limit in force.
pub(crate) fn raise_nofile(want: u64) -> u64 {
    match rlimit::increase_nofile_limit(want) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("loadgen: cannot raise the open-file limit: {e}");
            rlimit::getrlimit(rlimit::Resource::NOFILE)
                .map(|(soft, _)| soft)
                .unwrap_or(0)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Run(a) => run::main(a),
        Cmd::Floor(a) => floor::main(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

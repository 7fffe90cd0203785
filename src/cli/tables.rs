//! `clusterdoc tables`: the participants register as an XLSX workbook, on
//! its own (the monthly report), the same one `export` puts in a package.

use std::path::PathBuf;

use clap::Args;

use super::{Config, Failure};
use crate::diag;
use crate::session::Session;

#[derive(Debug, Args)]
pub struct TablesArgs {
    /// The folder to write `participants.xlsx` into.
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
}

pub fn run(config: &Config, args: &TablesArgs) -> Result<(), Failure> {
    let mut session = Session::open(config.session_options(Vec::new(), None)?)?;
    let date = super::export::package_date(session.options().epoch);
    let report = session.write_register(&args.to, date)?;
    diag::print_diagnostics(&report.sources, &report.warnings);
    if !config.quiet {
        println!("{} written", report.path.display());
    }
    Ok(())
}

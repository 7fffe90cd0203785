//! `clusterdoc tables`: the participants register as an XLSX workbook, on
//! its own (the monthly report), the same one `export` puts in a package.

use std::path::PathBuf;

use clap::Args;

use super::{Config, Failure};
use crate::diag;
use crate::register::{PARTICIPANTS_XLSX, participants_workbook};
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
    let checked = session.check()?;
    diag::print_diagnostics(checked.sources(), &checked.warnings);
    let bytes = participants_workbook(&checked.catalog, date)?;
    let path = args.to.join(PARTICIPANTS_XLSX);
    // Whole or not at all: never a half-written workbook.
    crate::output::write_file_atomic(&path, &bytes)?;
    if !config.quiet {
        println!("{} written", path.display());
    }
    Ok(())
}

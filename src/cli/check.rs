//! `clusterdoc check`: load and validate every record, print every problem.

use super::{Config, Failure};
use crate::diag;
use crate::session::Session;
use crate::validate::summary;

pub fn run(config: &Config) -> Result<(), Failure> {
    let mut session = Session::open(config.session_options(Vec::new(), None)?)?;
    let checked = session.check()?;
    diag::print_diagnostics(checked.sources(), &checked.warnings);
    if !config.quiet {
        println!(
            "{}: {}",
            config.data_dir.display(),
            summary(&checked.catalog)
        );
    }
    Ok(())
}

//! `clusterdoc check`: load and validate every record, print every problem.

use super::{Config, Failure, load_catalog};
use crate::validate::summary;

pub fn run(config: &Config) -> Result<(), Failure> {
    let (catalog, _) = load_catalog(config)?;
    if !config.quiet {
        println!("{}: {}", config.data_dir.display(), summary(&catalog));
    }
    Ok(())
}

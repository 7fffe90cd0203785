//! `clusterdoc templates --dump DIR`: write the built-in templates out.

use std::path::PathBuf;

use clap::Args;

use super::{Config, Failure};
use crate::assets::Assets;
use crate::diag::Diagnostic;

#[derive(Debug, Args)]
pub struct TemplatesArgs {
    /// Write the built-in templates, layout files and profiles under DIR.
    #[arg(long, value_name = "DIR")]
    pub dump: PathBuf,
}

pub fn run(config: &Config, args: &TemplatesArgs) -> Result<(), Failure> {
    let written = Assets::dump_builtin(&args.dump).map_err(|e| {
        Diagnostic::error(format!(
            "cannot write templates to {}: {e}",
            args.dump.display()
        ))
    })?;
    if !config.quiet {
        println!(
            "{} files written to {}; pass --templates {} (or put them in `templates/` beside the data folder) to use them",
            written.len(),
            args.dump.display(),
            args.dump.display()
        );
    }
    Ok(())
}

//! `clusterdoc build`: render documents to PDF and DOCX.

use std::path::PathBuf;

use clap::Args;

use super::{Config, Failure, load_catalog};

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Record files whose documents to build [default: every document].
    pub files: Vec<PathBuf>,
    /// Output formats, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "pdf,docx")]
    pub format: Vec<String>,
    /// Formatting profile for every document (gost-2025, gost-2016, kz),
    /// overriding the records' choice.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Render every document, even those whose inputs did not change.
    #[arg(long)]
    pub force: bool,
}

pub fn run(config: &Config, _args: &BuildArgs) -> Result<(), Failure> {
    let _ = load_catalog(config)?;
    Ok(())
}

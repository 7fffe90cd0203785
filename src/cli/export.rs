//! `clusterdoc export` and `clusterdoc verify`: archive packages.

use std::path::PathBuf;

use clap::Args;

use super::{Config, Failure, load_catalog};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the package into this folder [default: OUT/archive/<date>].
    #[arg(long, value_name = "DIR", conflicts_with = "zip")]
    pub to: Option<PathBuf>,
    /// Write the package as one ZIP file.
    #[arg(long, value_name = "FILE")]
    pub zip: Option<PathBuf>,
    /// PDF/A conformance of the archival copies.
    #[arg(long, default_value = "2b", value_parser = ["1b", "2b", "3b"])]
    pub pdfa: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The package folder or ZIP file.
    pub package: PathBuf,
}

pub fn run_export(config: &Config, _args: &ExportArgs) -> Result<(), Failure> {
    let _ = load_catalog(config)?;
    Ok(())
}

pub fn run_verify(_config: &Config, _args: &VerifyArgs) -> Result<(), Failure> {
    Ok(())
}

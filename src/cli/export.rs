//! `clusterdoc export` and `clusterdoc verify`: archive packages.

use std::path::PathBuf;

use clap::Args;

use super::{Config, Failure};
use crate::dates::Date;
use crate::diag::{self, Diagnostic};
use crate::export::{Destination, verify_package};
use crate::render::pdf::PdfA;
use crate::session::{ExportRequest, Session};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the package into this folder [default: OUT/archive/clusterdoc-<date>].
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

/// The package's date: `SOURCE_DATE_EPOCH`'s, else today's (UTC).
pub(super) fn package_date(epoch: Option<i64>) -> Date {
    let secs = epoch.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    Date::from_unix_seconds(secs).unwrap_or_else(|| Date::end_of_year(1999))
}

pub fn run_export(config: &Config, args: &ExportArgs) -> Result<(), Failure> {
    let mut session = Session::open(config.session_options(Vec::new(), None)?)?;
    let date = package_date(session.options().epoch);
    let pdfa = match args.pdfa.as_str() {
        "1b" => PdfA::A1b,
        "3b" => PdfA::A3b,
        _ => PdfA::A2b,
    };
    let dest = match (&args.to, &args.zip) {
        (_, Some(zip)) => Destination::Zip(zip.clone()),
        (Some(dir), None) => Destination::Folder(dir.clone()),
        (None, None) => Destination::Folder(config.out_dir.join("archive").join(format!(
            "clusterdoc-{:04}-{:02}-{:02}",
            date.year(),
            date.month(),
            date.day()
        ))),
    };
    let request = ExportRequest {
        dest: dest.clone(),
        pdfa,
        pdfa_name: args.pdfa.clone(),
        package_date: date,
    };
    let report = session.export(&request, config.quiet)?;
    diag::print_diagnostics(&report.sources, &report.warnings);
    if !config.quiet {
        let where_ = match &dest {
            Destination::Folder(p) | Destination::Zip(p) => p.display().to_string(),
        };
        let package = &report.package;
        println!(
            "package {where_}: {} documents (PDF/A-{} and DOCX), {} sheets, {} files with inventory and checksums, in {:.2} s",
            package.documents,
            args.pdfa,
            package.sheets,
            package.files + 1,
            report.seconds
        );
    }
    Ok(())
}

pub fn run_verify(config: &Config, args: &VerifyArgs) -> Result<(), Failure> {
    let v = verify_package(&args.package)?;
    let mut problems = Vec::new();
    for (what, list) in [
        ("missing", &v.missing),
        ("altered", &v.altered),
        ("not listed in SHA256SUMS", &v.extra),
    ] {
        for f in list {
            problems.push(
                Diagnostic::error(format!("{f}: {what}"))
                    .note(format!("in package {}", args.package.display())),
            );
        }
    }
    if !problems.is_empty() {
        return Err(Failure {
            sources: Default::default(),
            problems,
        });
    }
    if !config.quiet {
        println!(
            "{}: {} files checked, all intact",
            args.package.display(),
            v.checked
        );
    }
    Ok(())
}

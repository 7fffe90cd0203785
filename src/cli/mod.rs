//! The command line: raw clap arguments, resolved once into a [`Config`],
//! and one file per command.

mod bench_data;
mod build;
mod check;
mod export;
mod serve;
mod tables;
mod templates;
mod watch;
mod worker;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::diag::{self, Diagnostic};
use crate::render::Format;
use crate::session::{SessionOptions, source_date_epoch};

const EXAMPLES: &str = "\
Examples:
  clusterdoc check                          check every record under data/
  clusterdoc build                          draft every order, passport, agreement and program
  clusterdoc build data/orders/1064-a.yaml  just the documents of one record file
  clusterdoc build --format pdf             PDF only (default: pdf,docx)
  clusterdoc export --zip archive.zip       dated archive package: PDF/A, DOCX, опись, checksums
  clusterdoc verify out/archive/2026-11-23  re-check a package's checksums
  clusterdoc templates --dump my-templates  write the built-in templates out for editing";

/// Official documents of education–industry clusters (приказы, паспорта
/// кластеров, соглашения о сотрудничестве, программы деятельности) from YAML
/// records, as PDF and DOCX.
#[derive(Debug, Parser)]
#[command(name = "clusterdoc", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Folder of YAML records.
    #[arg(long, global = true, value_name = "DIR", default_value = "data")]
    pub data: PathBuf,
    /// Folder the documents are written to.
    #[arg(long, global = true, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Folder of templates overriding the built-in ones file by file
    /// [default: `templates` beside the data folder, if present].
    #[arg(long, global = true, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Documents rendered at once [default: number of cores].
    #[arg(short, long, global = true, value_name = "N")]
    pub jobs: Option<usize>,
    /// No progress bar and no summary; problems are still printed.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every record: syntax, types, references, dates, ИНН/ОГРН/БИН.
    Check,
    /// Render documents to PDF and DOCX under the output folder.
    Build(build::BuildArgs),
    /// Write a dated archive package: PDF/A, DOCX, inventory (опись), checksums.
    Export(export::ExportArgs),
    /// Re-check the checksums of an archive package.
    Verify(export::VerifyArgs),
    /// Preview the documents in a browser while you edit the records.
    Serve(serve::ServeArgs),
    /// Write the participants register (participants.xlsx) for reports.
    Tables(tables::TablesArgs),
    /// Work with the built-in templates.
    Templates(templates::TemplatesArgs),
    /// Write a synthetic data folder of N distinct orders, for benchmarks.
    BenchData(bench_data::BenchDataArgs),
    /// One of the processes a build renders in (started by `build` itself).
    #[command(name = "render-worker", hide = true)]
    RenderWorker,
}

/// The options every command shares, resolved once.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub out_dir: PathBuf,
    pub templates_dir: Option<PathBuf>,
    pub jobs: usize,
    pub quiet: bool,
}

impl Config {
    fn from_args(args: &GlobalArgs) -> Config {
        let templates_dir = args.templates.clone().or_else(|| {
            let beside = args
                .data
                .parent()
                .unwrap_or(Path::new("."))
                .join("templates");
            beside.is_dir().then_some(beside)
        });
        let jobs = args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1);
        Config {
            data_dir: args.data.clone(),
            out_dir: args.out.clone(),
            templates_dir,
            jobs,
            quiet: args.quiet,
        }
    }
}

impl Config {
    /// The session of a command: these options, its formats and profile,
    /// and `SOURCE_DATE_EPOCH`.
    pub fn session_options(
        &self,
        formats: Vec<Format>,
        profile: Option<String>,
    ) -> Result<SessionOptions, Diagnostic> {
        Ok(SessionOptions {
            data_dir: self.data_dir.clone(),
            out_dir: self.out_dir.clone(),
            templates_dir: self.templates_dir.clone(),
            jobs: self.jobs,
            formats,
            profile,
            epoch: source_date_epoch()?,
            live: false,
            worker_program: None,
        })
    }
}

/// Process exit codes.
pub mod exit {
    pub const OK: i32 = 0;
    /// Problems in the records, templates or output.
    pub const PROBLEMS: i32 = 1;
    /// The command line itself is wrong (clap's own code).
    pub const USAGE: i32 = 2;
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
        }
    };
    let config = Config::from_args(&cli.global);
    let result = match &cli.command {
        Command::Check => check::run(&config),
        Command::Build(args) => build::run(&config, args),
        Command::Export(args) => export::run_export(&config, args),
        Command::Verify(args) => export::run_verify(&config, args),
        Command::Serve(args) => serve::run(&config, args),
        Command::Tables(args) => tables::run(&config, args),
        Command::Templates(args) => templates::run(&config, args),
        Command::BenchData(args) => bench_data::run(&config, args),
        Command::RenderWorker => worker::run(),
    };
    match result {
        Ok(()) => exit::OK,
        Err(failure) => {
            diag::print_diagnostics(&failure.sources, &failure.problems);
            let errors = failure.problems.iter().filter(|d| d.is_error()).count();
            if errors > 1 && !config.quiet {
                eprintln!("{errors} problems found");
            }
            exit::PROBLEMS
        }
    }
}

pub use crate::diag::Failure;

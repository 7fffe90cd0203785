//! `clusterdoc serve`: the live preview in a browser (see `serve`).

use std::net::IpAddr;

use clap::Args;

use super::build::{print_changes, print_failure, print_report};
use super::watch::stop_flag;
use super::{Config, Failure};
use crate::render::Format;
use crate::serve::{Event, ServeOptions, serve};
use crate::session::Session;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on; the next free one is taken if it is busy.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// Address to listen on. Anything but 127.0.0.1 makes the preview
    /// reachable from other machines.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Open the page in the browser.
    #[arg(long)]
    pub open: bool,
    /// Also write every change to the output folder, as `build` does.
    #[arg(long)]
    pub build: bool,
}

pub fn run(config: &Config, args: &ServeArgs) -> Result<(), Failure> {
    let stop = stop_flag()?;
    let mut options = config.session_options(vec![Format::Pdf, Format::Docx], None)?;
    options.live = true;
    let session = Session::open(options)?;
    if !args.host.is_loopback() {
        eprintln!(
            "warning: listening on {}: anyone who can reach this machine can read the documents",
            args.host
        );
    }
    let serve_options = ServeOptions {
        host: args.host,
        port: args.port,
        build: args.build,
        data_dir: config.data_dir.clone(),
        templates_dir: config.templates_dir.clone(),
    };
    let quiet = config.quiet;
    serve(
        session,
        &serve_options,
        stop,
        |address| {
            let host = if address.ip().is_loopback() {
                "localhost".to_owned()
            } else {
                address.ip().to_string()
            };
            let url = format!("http://{host}:{}/", address.port());
            println!("preview at {url} (Ctrl-C stops)");
            if args.open {
                open_browser(&url);
            }
        },
        |event| match event {
            Event::Changed(paths) if !quiet => {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                println!("changed: {}", names.join(", "));
            }
            Event::Changed(_) => {}
            Event::Problems(f) | Event::BuildFailed(f) => {
                print_failure(&f);
                eprintln!("waiting for the next change");
            }
            Event::Rendered(docs) if !quiet => {
                for (name, millis) in docs {
                    println!("rendered {name} for the page in {millis} ms");
                }
            }
            Event::Rendered(_) => {}
            Event::Built(report) => {
                print_changes(&report.changes);
                print_report(config, &report);
            }
        },
    )?;
    if !quiet {
        println!("stopped");
    }
    Ok(())
}

/// Opens the page in the desktop's browser; says so if it cannot.
fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(program)
        .arg(url)
        .spawn()
        .is_err()
    {
        eprintln!("cannot open a browser ({program}); open {url} yourself");
    }
}

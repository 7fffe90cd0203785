//! Writes the sample document (every IR block) as PDF, for looking at the
//! layout: `cargo run --release --example pdf_sample -- OUT.pdf [PROFILE] [ROWS] [TEMPLATES_DIR] [draft]`.
//! With a templates folder, its `typst/*.typ` files replace the built-in ones,
//! so a layout change can be tried without rebuilding.

use std::path::Path;

use clusterdoc::assets::Assets;
use clusterdoc::ir::Block;
use clusterdoc::ir::sample::sample_document;
use clusterdoc::render::Renderer;
use clusterdoc::render::pdf::{PdfOptions, PdfRenderer};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().map_or("sample.pdf", String::as_str);
    let profile = args.get(1).map_or("gost-2025", String::as_str);
    let rows = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(20);
    let assets =
        Assets::with_overrides(args.get(3).map(Path::new)).unwrap_or_else(|d| panic!("{d}"));
    let renderer =
        PdfRenderer::new(&assets, PdfOptions::default()).unwrap_or_else(|d| panic!("{d:?}"));
    let mut doc = sample_document(
        assets.profile(profile).unwrap_or_else(|d| panic!("{d}")),
        rows,
    );
    if args.get(4).is_some_and(|a| a == "draft") {
        // An unregistered order: blanks instead of the date and the number.
        doc.meta.date = None;
        doc.meta.number = None;
        if let Some(Block::Letterhead(l)) = doc.blocks.first_mut() {
            l.date = "__________".into();
            l.number = "№\u{a0}_____".into();
        }
    }
    match renderer.render(&doc) {
        Ok(r) => {
            std::fs::write(out, &r.bytes).expect("write the PDF");
            println!(
                "{out}: {} pages, {} bytes",
                r.pages.unwrap_or(0),
                r.bytes.len()
            );
        }
        Err(d) => {
            eprintln!("{d:#?}");
            std::process::exit(1);
        }
    }
}

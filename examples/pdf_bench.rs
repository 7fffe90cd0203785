//! Times PDF rendering and watches memory over a batch of distinct documents:
//! `cargo run --release --example pdf_bench -- [COUNT] [CACHE_AGE|never] [THREADS] [plain]`.
//! Memory is the resident set size from `/proc/self/status` (Linux). With
//! `PDF_BENCH_BY_ROWS` set, it also times 45 documents one by one by table length.

use std::time::{Duration, Instant};

use clusterdoc::assets::Assets;
use clusterdoc::ir::Document;
use clusterdoc::ir::sample::sample_document;
use clusterdoc::render::Renderer;
use clusterdoc::render::pdf::{DEFAULT_CACHE_AGE, PdfOptions, PdfRenderer};
use rayon::prelude::*;

/// A distinct document for each `i`: table length and title vary.
fn document(assets: &Assets, i: usize) -> Document {
    let mut doc = sample_document(assets.profile("gost-2025").expect("profile"), 5 + i % 40);
    doc.meta.title = format!("{} (вариант {i})", doc.meta.title);
    doc
}

fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(300);
    let age = match args.get(1).map(String::as_str) {
        Some("never") => None,
        Some(n) => Some(n.parse().expect("a cache age or `never`")),
        None => Some(DEFAULT_CACHE_AGE),
    };
    let threads: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    // `plain`: OS threads taking documents from a counter instead of a rayon pool.
    let plain_threads = args.get(3).is_some_and(|a| a == "plain");

    let assets = Assets::builtin();
    let t = Instant::now();
    let renderer = PdfRenderer::new(&assets, PdfOptions::default())
        .expect("renderer")
        .with_cache_age(age);
    let docs: Vec<Document> = (0..count).map(|i| document(&assets, i)).collect();
    let setup = t.elapsed();

    let t = Instant::now();
    let first = renderer.render(&docs[0]).expect("render");
    let first_time = t.elapsed();
    let t = Instant::now();
    renderer.render(&docs[0]).expect("render");
    let again = t.elapsed();
    println!(
        "renderer and documents built in {:.1} ms; first document (with fonts and library) {:.1} ms ({} pages); the same again {:.1} ms; cache age {age:?}",
        ms(setup),
        ms(first_time),
        first.pages.unwrap_or(0),
        ms(again)
    );

    // Typst parallelises inside a document with rayon, and a thread waiting
    // there may take up another document of the batch: per-document times are
    // only measured on one thread without a pool, throughput always.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let t = Instant::now();
    let mut times = Vec::with_capacity(count);
    for (chunk_no, chunk) in docs[1..].chunks(50).enumerate() {
        if threads == 1 {
            for doc in chunk {
                let t = Instant::now();
                renderer.render(doc).expect("render");
                times.push(t.elapsed());
            }
        } else if plain_threads {
            let next = std::sync::atomic::AtomicUsize::new(0);
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        while let Some(doc) =
                            chunk.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                        {
                            renderer.render(doc).expect("render");
                        }
                    });
                }
            });
        } else {
            pool.install(|| {
                chunk
                    .par_iter()
                    .for_each(|doc| drop(renderer.render(doc).expect("render")))
            });
        }
        let (rss, peak) = rss_mb();
        println!(
            "after {:4} documents: RSS {rss:.0} MB (peak {peak:.0} MB)",
            chunk_no * 50 + chunk.len() + 1
        );
    }
    let wall = t.elapsed();
    if std::env::var_os("PDF_BENCH_BY_ROWS").is_some() {
        for (i, d) in docs.iter().enumerate().skip(1).take(45) {
            let t = Instant::now();
            let r = renderer.render(d).expect("render");
            println!(
                "doc {i}: {} rows, {} pages, {:.1} ms",
                5 + i % 40,
                r.pages.unwrap_or(0),
                ms(t.elapsed())
            );
        }
    }
    let done = docs.len() - 1;
    print!(
        "{done} distinct documents on {threads} thread(s): {:.1} docs/s",
        done as f64 / wall.as_secs_f64()
    );
    if !times.is_empty() {
        times.sort();
        let n = times.len();
        let mean = times.iter().sum::<Duration>() / n as u32;
        print!(
            "; per document mean {:.1} ms, median {:.1} ms, max {:.1} ms",
            ms(mean),
            ms(times[n / 2]),
            ms(times[n - 1])
        );
    }
    println!();
}

//! Writes one PDF of each document kind, filled with sample data, into a directory, and
//! prints how long loading the fonts and rendering took. With `--no-system-fonts` the
//! renderer uses only the fonts compiled into the crate, as on a machine without
//! `fonts-noto-cjk`.
//!
//! ```text
//! cargo run -p onewindow-docs --release --example render -- /tmp/onewindow-docs [--no-system-fonts]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use onewindow_docs::{DocumentKind, Notice, Renderer};

/// Renders per kind after the first, to average out noise in the per-document time.
const TIMING_RENDER_COUNT: u32 = 20;
/// Query code the timed renders reuse; only the case number varies.
const QUERY_CODE: &str = "K7Q2M9";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: render <output directory> [--no-system-fonts]";
    let mut args = std::env::args_os().skip(1);
    let dir = args.next().map(PathBuf::from).ok_or(usage)?;
    let system_fonts = match args.next() {
        None => true,
        Some(flag) if flag == "--no-system-fonts" => false,
        Some(_) => return Err(usage.into()),
    };
    std::fs::create_dir_all(&dir)?;

    let started = Instant::now();
    let renderer = if system_fonts { Renderer::new()? } else { Renderer::from_font_dirs(&[])? };
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let source = if renderer.has_system_fonts() { "system Noto CJK + embedded subsets" } else { "embedded subsets only" };
    println!("Renderer: {ms:.1} ms to load the fonts ({source})");

    for kind in DocumentKind::ALL {
        let notice = Notice::sample(kind);
        let started = Instant::now();
        let pdf = renderer.render_pdf(&notice)?;
        let first_ms = started.elapsed().as_secs_f64() * 1e3;

        // Each timed render gets a different case number, as in real use: typst memoises
        // compilations, so rendering identical data again would measure only its cache.
        let started = Instant::now();
        for n in 0..TIMING_RENDER_COUNT {
            let mut varied = notice.clone();
            varied.case_number = format!("61990120261125{n:05}");
            varied.tracking_url = format!("http://127.0.0.1:8080/track?number={}&code={QUERY_CODE}", varied.case_number);
            renderer.render_pdf(&varied)?;
        }
        let mean_ms = started.elapsed().as_secs_f64() * 1e3 / f64::from(TIMING_RENDER_COUNT);

        let path = dir.join(format!("{}.pdf", kind.code()));
        std::fs::write(&path, &pdf)?;
        println!(
            "{:<18} first {first_ms:>6.1} ms, then {mean_ms:>5.1} ms/render, {:>6} bytes -> {}",
            kind.code(),
            pdf.len(),
            path.display()
        );
    }
    Ok(())
}

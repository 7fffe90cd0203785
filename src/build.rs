//! Build script: the templates, profiles and fonts are compiled into the
//! binary (`include_dir!`, `include_bytes!`), so a change to any of them must
//! rebuild the crate.

fn main() {
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=fonts");
}

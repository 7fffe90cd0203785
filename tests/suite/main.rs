//! The integration test suite: the `clusterdoc` binary run on fixture
//! folders and on the sample data, its outputs read back by independent
//! tools (poppler, qpdf, LibreOffice, python-docx, openxml-audit).

mod amendments;
mod archive;
mod bench;
mod common;
mod docx_clients;
mod hostile;
mod interrupt;
mod invalid;
mod kinds;
mod lossless;
mod preview;
mod sample;
mod seeds;
mod tables;
mod workers;
mod workflows;

//! clusterdoc: official documents of education–industry clusters from YAML
//! records, as PDF and DOCX.
//!
//! The pipeline runs in one direction, one module per stage:
//! [`load`] → [`validate`] → [`plan`] → [`template`] → [`docmark`] (the
//! [`ir`] document model) → [`render`] (PDF, DOCX) → [`output`].

pub mod dates;
pub mod diag;
pub mod ir;
pub mod load;
pub mod model;
pub mod profile;
pub mod sections;
pub mod validate;
pub mod assets;
pub mod cli;
pub mod render;

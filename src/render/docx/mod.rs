//! IR → DOCX with docx-rs. (Being written.)

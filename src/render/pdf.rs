//! IR → PDF with Typst used as a library. (Being written.)

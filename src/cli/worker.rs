//! `clusterdoc render-worker` (hidden): one of the processes a build with
//! several jobs renders in; see `crate::workers`.

use super::Failure;
use crate::render_worker;

pub fn run() -> Result<(), Failure> {
    render_worker::run(std::io::stdin().lock(), std::io::stdout().lock())
}

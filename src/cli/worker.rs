//! `clusterdoc render-worker` (hidden): one of the processes a build with
//! several jobs renders in; see `crate::workers`.

use super::Failure;
use crate::workers::run_worker;

pub fn run() -> Result<(), Failure> {
    run_worker(std::io::stdin().lock(), std::io::stdout().lock())
}

//! The web platform globals, from the standards and their test suites.

mod encoding;
mod js;
mod native;
mod streams;

//! Node's modules and globals, mostly against what real Node (v20) prints
//! for the same script.

mod buffer;
mod console;
mod crypto;
mod events;
mod os;
mod path_url;
mod process;
mod stream;
mod util;
mod zlib;

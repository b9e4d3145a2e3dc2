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

// Cases that read best as JavaScript: each `fixtures/<case>.js` must print
// its `<case>.out`, which real Node (v20) printed for the same file.
mod fixtures {
    crate::fixtures! {
        "node/fixtures":
        cipher_errors_carry_nodes_codes,
        cipher_node_interop,
        cipher_standard_vectors,
        kdf_vectors_hash_and_errors,
        keys_sign_and_verify_with_node,
        zlib_callbacks_promises_and_streams,
        zlib_errors_have_nodes_codes_and_messages,
        zlib_reads_what_node_and_gzip_wrote,
        zlib_round_trips_every_format,
    }
}

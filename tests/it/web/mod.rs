//! The web platform globals, from the standards and their test suites.

mod encoding;
mod js;
mod native;
mod streams;

// The JS-written globals' cases that read best as JavaScript: each
// `fixtures/<case>.js` or `.mjs` must print its `<case>.out`.
mod fixtures {
    crate::fixtures! {
        "web/fixtures":
        a_body_is_consumed_once,
        a_request_signal_is_made_on_first_read_and_follows_the_given_one,
        abort_controller_aborts_once_with_a_default_abort_error,
        abort_signal_abort_and_any,
        abort_signal_removes_a_listener,
        abort_signal_timeout_uses_set_timeout_found_at_call_time,
        blob_parts_size_type_and_text,
        blob_slice_clamps_negative_and_out_of_range_indices,
        bodies_from_each_kind_of_init,
        clones_read_their_bodies_independently,
        compression_streams_round_trip_and_read_what_node_wrote,
        constructing_a_request_from_a_request_takes_its_body,
        dispatch_runs_capture_listeners_first_then_in_registration_order,
        dispatching_an_event_twice_at_once_is_an_invalid_state_error,
        dom_exception_is_thrown_and_caught_like_an_error,
        dom_exception_names_messages_and_legacy_codes,
        duplicate_listeners_are_ignored_and_capture_distinguishes_them,
        event_and_custom_event_shapes,
        file_has_a_name_and_last_modified,
        form_data_bodies_round_trip_through_multipart_and_urlencoded,
        form_data_keeps_order_and_wraps_blobs_in_files,
        headers_are_case_insensitive_and_combine_values,
        headers_iterate_sorted_with_set_cookie_apart,
        headers_normalize_every_spelling_and_keep_values_that_need_the_slow_check,
        headers_reject_invalid_names_and_values,
        headers_set_and_delete_keep_the_order_of_the_rest,
        once_listeners_run_once_and_removed_listeners_never_run,
        prevent_default_needs_cancelable_and_a_non_passive_listener,
        report_error_dispatches_an_error_event_then_logs_unless_canceled,
        request_and_redirect_urls_are_serialized_or_refused,
        request_normalizes_methods_and_keeps_its_parts,
        response_json_refuses_null_body_statuses_and_keeps_a_given_type,
        response_statuses_and_static_constructors,
        self_navigator_and_the_global_event_target,
        stop_immediate_propagation_skips_the_remaining_listeners,
        strings_are_utf8_encoded_and_decoded_without_text_encoder,
        subtle_encrypts_and_decrypts_with_aes,
        subtle_keys_hmac_and_derivation,
        subtle_signs_with_ecdsa_and_ed25519,
        tee_gives_both_branches_every_chunk,
        text_encoder_and_decoder_streams_keep_split_characters,
        transform_streams_pipe_through_and_propagate_errors,
        writable_streams_write_in_order_with_backpressure_and_errors,
    }
}

//! The embedder's typed `orders` interface (`../orders.wit`), as
//! `../js/orders.mjs` implements it in JS.

use crate::exports::example::orders::orders::{Guest, Order, Priority};
use crate::jsbox::sandbox::log;
use crate::{Hello, tenant};

/// From this total up (in cents), an order is urgent.
const URGENT_CENTS: u64 = 100_000;

impl Guest for Hello {
    fn transform(order: Order) -> Result<Order, String> {
        let id = order.id.trim().to_owned();
        if id.is_empty() {
            return Err("order has no id".to_owned());
        }
        let lines: Vec<_> = order
            .lines
            .into_iter()
            .filter(|line| line.qty > 0)
            .collect();
        if lines.is_empty() {
            return Err(format!("order {id} has no lines"));
        }
        let total_cents = lines
            .iter()
            .map(|line| u64::from(line.qty) * line.unit_price_cents)
            .sum();
        log::emit(
            log::Level::Info,
            &format!("transforming {id} for {}", tenant()),
            &[],
        );
        Ok(Order {
            customer: order
                .customer
                .map(|customer| customer.trim().to_owned())
                .filter(|customer| !customer.is_empty()),
            lines,
            priority: if total_cents >= URGENT_CENTS {
                Priority::Urgent
            } else {
                order.priority
            },
            note: order.note.map(|note| note.to_ascii_uppercase()),
            total_cents,
            id,
        })
    }
}

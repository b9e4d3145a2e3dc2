//! `fetch`: the network grant, the address rules, proxies and what a flood
//! of requests costs the host.

mod proxy;
mod requests;
mod resources;

//! Black-box tests of the brand API: the real server on a loopback port, driven by real HTTP
//! clients the way a brand would use it (reqwest, and the off-the-shelf `oauth2` crate).

mod alerts;
mod chain;
mod crash;
mod durability;
mod exchange;
mod export;
mod faults;
mod measure;
mod onboarding;
mod receipts;
mod refusals;
mod review;
mod sdk;
mod security;
mod support;
mod terms;
mod web;

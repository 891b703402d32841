//! Carriers: their tracking callbacks (pure parsing) and their label-buying APIs (HTTP clients).

pub mod easypost;

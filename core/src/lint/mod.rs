//! Lint rules and diagnostics (being written).

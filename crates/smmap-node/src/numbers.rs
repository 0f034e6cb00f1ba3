//! JavaScript numbers at the boundary. The facade has already checked that every offset and
//! size is a non-negative safe integer or `Infinity`; these conversions only map `Infinity`
//! to the core's "as much as there is" and back.

/// `Infinity` (and anything past u64) becomes `u64::MAX`.
pub fn to_u64(value: f64) -> u64 {
    if value >= u64::MAX as f64 {
        u64::MAX
    } else if value > 0.0 {
        value as u64
    } else {
        0
    }
}

/// A signed window value; `±Infinity` become the i64 extremes (smmap's `sys.maxsize`).
pub fn to_i64(value: f64) -> i64 {
    value as i64 // `as` saturates, so ±Infinity land on i64::MAX / i64::MIN
}

/// `u64::MAX` (the core's "unlimited") becomes `Infinity`.
pub fn to_js(value: u64) -> f64 {
    if value == u64::MAX {
        f64::INFINITY
    } else {
        value as f64
    }
}

/// i64 extremes (from infinite window arithmetic) become `±Infinity`.
pub fn i64_to_js(value: i64) -> f64 {
    match value {
        i64::MAX => f64::INFINITY,
        i64::MIN => f64::NEG_INFINITY,
        v => v as f64,
    }
}

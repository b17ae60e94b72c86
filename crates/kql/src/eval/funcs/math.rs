//! Math functions: `bin`/`floor`/`bin_at` on numbers, datetimes and timespans, rounding,
//! logarithms and powers, trigonometry, and the IEEE tests `isnan`/`isinf`/`isfinite`.

use super::{Builder, Node, Site, arity, map_n, map1};
use crate::eval::conv;
use crate::eval::value::Value;
use crate::types::Ty;

pub(super) fn builder(name: &str) -> Option<Builder> {
    Some(match name {
        "abs" => |s| {
            arity(s, 1, 1)?;
            let ret = s.ret;
            Ok(map1(s, ret, |v| match v {
                Value::Int(i) => Value::Int(i.wrapping_abs()),
                Value::Long(l) => Value::Long(l.wrapping_abs()),
                Value::Real(r) => Value::Real(r.abs()),
                Value::TimeSpan(t) => Value::TimeSpan(t.wrapping_abs()),
                _ => Value::Null,
            }))
        },
        "bin" | "floor" => |s| {
            arity(s, 2, 2)?;
            let ret = s.ret;
            Ok(map_n(s, &[Ty::UNKNOWN], move |a| {
                bin(&a[0], &a[1], &Value::Null, ret)
            }))
        },
        "bin_at" => |s| {
            arity(s, 3, 3)?;
            let ret = s.ret;
            Ok(map_n(s, &[Ty::UNKNOWN], move |a| {
                bin(&a[0], &a[1], &a[2], ret)
            }))
        },
        "ceiling" => |s| {
            arity(s, 1, 1)?;
            let ret = s.ret;
            Ok(map1(s, Ty::UNKNOWN, move |v| match v {
                Value::Real(r) => conv::conform(Value::Real(r.ceil()), ret),
                other => conv::conform(other, ret),
            }))
        },
        "round" => |s| {
            arity(s, 1, 2)?;
            let ret = s.ret;
            Ok(map_n(s, &[Ty::UNKNOWN, Ty::LONG], move |a| {
                let precision = match a.get(1) {
                    Some(Value::Null) => return Value::Null,
                    Some(p) => conv::long_of(p).unwrap_or(0),
                    None => 0,
                };
                match &a[0] {
                    Value::Real(r) => conv::conform(Value::Real(round(*r, precision)), ret),
                    Value::Int(_) | Value::Long(_) if precision < 0 => {
                        let x = conv::real_of(&a[0]).unwrap_or(0.0);
                        conv::conform(Value::Real(round(x, precision)), ret)
                    }
                    other => conv::conform(other.clone(), ret),
                }
            }))
        },
        "sign" => |s| {
            arity(s, 1, 1)?;
            let ret = s.ret;
            Ok(map1(s, Ty::UNKNOWN, move |v| match v {
                Value::Int(i) => conv::conform(Value::Long(i64::from(i.signum())), ret),
                Value::Long(l) => conv::conform(Value::Long(l.signum()), ret),
                Value::Real(r) if r.is_nan() => Value::Real(r),
                Value::Real(r) => conv::conform(
                    Value::Real(if r > 0.0 {
                        1.0
                    } else if r < 0.0 {
                        -1.0
                    } else {
                        0.0
                    }),
                    ret,
                ),
                _ => Value::Null,
            }))
        },
        "exp" => |s| real1(s, f64::exp),
        "exp2" => |s| real1(s, f64::exp2),
        "exp10" => |s| real1(s, |x| 10f64.powf(x)),
        "log" => |s| real1(s, f64::ln),
        "log2" => |s| real1(s, f64::log2),
        "log10" => |s| real1(s, f64::log10),
        "sqrt" => |s| real1(s, f64::sqrt),
        "sin" => |s| real1(s, f64::sin),
        "cos" => |s| real1(s, f64::cos),
        "tan" => |s| real1(s, f64::tan),
        "asin" => |s| real1(s, f64::asin),
        "acos" => |s| real1(s, f64::acos),
        "atan" => |s| real1(s, f64::atan),
        "cot" => |s| real1(s, |x| 1.0 / x.tan()),
        "degrees" => |s| real1(s, f64::to_degrees),
        "radians" => |s| real1(s, f64::to_radians),
        "pi" => |s| {
            arity(s, 0, 0)?;
            Ok(Node::Const(Value::Real(std::f64::consts::PI)))
        },
        "pow" => |s| real2(s, f64::powf),
        "atan2" => |s| real2(s, f64::atan2),
        "isnan" => |s| test(s, f64::is_nan),
        "isinf" => |s| test(s, f64::is_infinite),
        "isfinite" => |s| test(s, f64::is_finite),
        _ => return None,
    })
}

fn real1(site: &mut Site, f: fn(f64) -> f64) -> Result<Node, String> {
    arity(site, 1, 1)?;
    Ok(map1(site, Ty::REAL, move |v| match v {
        Value::Real(x) => Value::Real(f(x)),
        _ => Value::Null,
    }))
}

fn real2(site: &mut Site, f: fn(f64, f64) -> f64) -> Result<Node, String> {
    arity(site, 2, 2)?;
    Ok(map_n(site, &[Ty::REAL], move |a| match (&a[0], &a[1]) {
        (Value::Real(x), Value::Real(y)) => Value::Real(f(*x, *y)),
        _ => Value::Null,
    }))
}

fn test(site: &mut Site, f: fn(f64) -> bool) -> Result<Node, String> {
    arity(site, 1, 1)?;
    Ok(map1(site, Ty::REAL, move |v| match v {
        Value::Real(x) => Value::Bool(f(x)),
        _ => Value::Null,
    }))
}

/// Rounds half away from zero to `precision` decimal digits (negative: tens, hundreds ...).
pub(crate) fn round(x: f64, precision: i64) -> f64 {
    let p = precision.clamp(-300, 300) as i32;
    if p >= 0 {
        let scale = 10f64.powi(p);
        let r = (x * scale).round() / scale;
        if r.is_finite() { r } else { x }
    } else {
        let scale = 10f64.powi(-p);
        (x / scale).round() * scale
    }
}

/// `bin(value, size)` and `bin_at(value, size, at)`: the largest multiple of `size` (counted
/// from `at`) not above `value`; null for a null or non-positive size.
fn bin(v: &Value, size: &Value, at: &Value, ret: Ty) -> Value {
    use Value::*;
    let ticks_bin = |t: i64, s: i64, origin: i64| -> Option<i64> {
        if s <= 0 {
            return None;
        }
        let off = t.checked_sub(origin)?;
        origin.checked_add(off.div_euclid(s).checked_mul(s)?)
    };
    match (v, size) {
        (Null, _) | (_, Null) => Null,
        (DateTime(t), TimeSpan(s)) => {
            let origin = match at {
                DateTime(o) => *o,
                _ => 0,
            };
            ticks_bin(*t, *s, origin).map_or(Null, DateTime)
        }
        (TimeSpan(t), TimeSpan(s)) => {
            let origin = match at {
                TimeSpan(o) => *o,
                _ => 0,
            };
            ticks_bin(*t, *s, origin).map_or(Null, TimeSpan)
        }
        (Int(_) | Long(_), Int(_) | Long(_)) if ret != Ty::REAL => {
            let (Some(x), Some(s)) = (conv::long_of(v), conv::long_of(size)) else {
                return Null;
            };
            let origin = conv::long_of(at).filter(|_| !at.is_null()).unwrap_or(0);
            conv::conform(ticks_bin(x, s, origin).map_or(Null, Long), ret)
        }
        _ => {
            let (Some(x), Some(s)) = (conv::real_of(v), conv::real_of(size)) else {
                return Null;
            };
            if s <= 0.0 || s.is_nan() {
                return Null;
            }
            let origin = conv::real_of(at).filter(|_| !at.is_null()).unwrap_or(0.0);
            let r = ((x - origin) / s).floor() * s + origin;
            conv::conform(Real(r), ret)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding() {
        assert_eq!(round(2.98765, 3), 2.988);
        assert_eq!(round(2.15, 1), 2.2);
        assert_eq!(round(2.15, 0), 2.0);
        assert_eq!(round(-50.55, -2), -100.0);
        assert_eq!(round(21.5, -1), 20.0);
    }

    #[test]
    fn bins() {
        assert_eq!(
            bin(&Value::Real(4.5), &Value::Long(1), &Value::Null, Ty::REAL),
            Value::Real(4.0)
        );
        assert_eq!(
            bin(&Value::Long(-3), &Value::Long(2), &Value::Null, Ty::LONG),
            Value::Long(-4)
        );
        assert_eq!(
            bin(&Value::Long(3), &Value::Long(0), &Value::Null, Ty::LONG),
            Value::Null
        );
    }
}

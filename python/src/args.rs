//! Sequence arguments with readable errors.
//!
//! PyO3 refuses a `str` where a `Vec` is expected with "Can't extract `str` to `Vec`", naming
//! neither the argument nor what was expected (the argument's name is only a note on the
//! exception). Every sequence argument of the binding goes through [`seq`] instead, through an
//! extractor made by [`seq_arg!`], so that the error says which argument, what it expects and
//! what it got: `object_uris must be a sequence of str, not str`, `events[1] must be a
//! libepp.SecurityEvent, not str`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString};

/// The name of `obj`'s type, for an error message.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Every item of `obj` as a `T`: `obj` must be an iterable other than a string, bytes or a
/// dict; `item` names one item for the error message (`"str"`, `"libepp.SecurityEvent"`).
pub(crate) fn seq<'py, T>(obj: &Bound<'py, PyAny>, name: &str, item: &str) -> PyResult<Vec<T>>
where
    T: for<'a> FromPyObject<'a, 'py>,
{
    let refuse = || {
        PyTypeError::new_err(format!(
            "{name} must be a sequence of {item}, not {}",
            type_name(obj)
        ))
    };
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
        || obj.is_instance_of::<PyMemoryView>()
        || obj.is_instance_of::<PyDict>()
    {
        return Err(refuse());
    }
    let iter = obj.try_iter().map_err(|_| refuse())?;
    let mut out = Vec::new();
    for (i, value) in iter.enumerate() {
        let value = value?;
        let got: PyResult<T> = value.extract::<T>().map_err(Into::into);
        match got {
            Ok(v) => out.push(v),
            Err(e) if e.is_instance_of::<PyTypeError>(obj.py()) => {
                return Err(PyTypeError::new_err(format!(
                    "{name}[{i}] must be a {item}, not {}",
                    type_name(&value)
                )));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Defines an extractor for `#[pyo3(from_py_with = ...)]`: `seq_arg!(fn_name, "arg", Type,
/// "item")` takes a required sequence argument, `seq_arg!(opt fn_name, ...)` an optional one
/// (`None` is no value).
macro_rules! seq_arg {
    ($f:ident, $name:literal, $t:ty, $item:literal) => {
        fn $f(obj: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<Vec<$t>> {
            $crate::args::seq(obj, $name, $item)
        }
    };
    (opt $f:ident, $name:literal, $t:ty, $item:literal) => {
        fn $f(obj: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<Option<Vec<$t>>> {
            if obj.is_none() {
                Ok(None)
            } else {
                $crate::args::seq(obj, $name, $item).map(Some)
            }
        }
    };
}
pub(crate) use seq_arg;

/// `obj` as a `T` (an integer or a string argument): a `TypeError` says which argument, what it
/// expects and what it got (`count must be an int, not str`); an integer out of range is an
/// `OverflowError` saying the same (`count must be an int from 0 to 18446744073709551615, not
/// -1`).
pub(crate) fn scalar<'py, T>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    what: &str,
    range: Option<(i128, i128)>,
) -> PyResult<T>
where
    T: for<'a> FromPyObject<'a, 'py>,
{
    let got: PyResult<T> = obj.extract::<T>().map_err(Into::into);
    got.map_err(|e| {
        let py = obj.py();
        if e.is_instance_of::<PyTypeError>(py) {
            PyTypeError::new_err(format!("{name} must be {what}, not {}", type_name(obj)))
        } else if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(py) {
            let (lo, hi) = range.unwrap_or((0, 0));
            let shown = obj
                .repr()
                .map(|r| r.to_string())
                .unwrap_or_else(|_| "?".to_owned());
            pyo3::exceptions::PyOverflowError::new_err(format!(
                "{name} must be {what} from {lo} to {hi}, not {shown}"
            ))
        } else {
            e
        }
    })
}

/// Defines an extractor for `#[pyo3(from_py_with = ...)]` of an unsigned or signed integer
/// (`int_arg!(fn_name, "arg", u64)`) or of a string (`str_arg!(fn_name, "arg")`) argument.
macro_rules! int_arg {
    ($f:ident, $name:literal, $t:ty) => {
        fn $f(obj: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<$t> {
            $crate::args::scalar(
                obj,
                $name,
                "an int",
                Some((<$t>::MIN as i128, <$t>::MAX as i128)),
            )
        }
    };
}
pub(crate) use int_arg;

macro_rules! str_arg {
    ($f:ident, $name:literal) => {
        fn $f(obj: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<String> {
            $crate::args::scalar(obj, $name, "a str", None)
        }
    };
}
pub(crate) use str_arg;

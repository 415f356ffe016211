//! A small JSON writer for the fakes' hot answers: a page is written straight into one
//! buffer, without a `serde_json::Value` tree, a `String` per key or a map per object.
//!
//! It writes exactly what `serde_json::to_vec` writes for the equivalent `Value`: strings
//! escaped as serde_json escapes them (`\"`, `\\`, `\b \f \n \r \t`, other control characters
//! as `\u00xx`, everything else as is) and the keys of every object in ascending byte order,
//! the order of serde_json's map. Callers write keys in that order; debug builds check it.

use crate::common::time::push_rfc3339;

/// `$select`: the lower-cased field names an object is cut to (`None`: every field).
pub(crate) type Select<'a> = Option<&'a [String]>;

/// A JSON document being written.
#[derive(Debug, Default)]
pub(crate) struct Json {
    buf: Vec<u8>,
    /// Whether the next value or key needs a comma before it.
    comma: bool,
}

impl Json {
    pub(crate) fn with_capacity(n: usize) -> Json {
        Json {
            buf: Vec::with_capacity(n),
            comma: false,
        }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// Room for `n` more bytes.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.buf.reserve(n);
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    fn sep(&mut self) {
        if self.comma {
            self.buf.push(b',');
        }
        self.comma = true;
    }

    pub(crate) fn null(&mut self) {
        self.sep();
        self.buf.extend_from_slice(b"null");
    }

    pub(crate) fn bool(&mut self, v: bool) {
        self.sep();
        self.buf
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    pub(crate) fn uint(&mut self, v: u64) {
        self.sep();
        push_uint(&mut self.buf, v);
    }

    pub(crate) fn int(&mut self, v: i64) {
        self.sep();
        if v < 0 {
            self.buf.push(b'-');
        }
        push_uint(&mut self.buf, v.unsigned_abs());
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.sep();
        self.buf.push(b'"');
        escape_into(&mut self.buf, s);
        self.buf.push(b'"');
    }

    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    /// A string written in pieces (a URL, a path): `f` pushes them, escaped.
    pub(crate) fn str_with(&mut self, f: impl FnOnce(&mut Text<'_>)) {
        self.sep();
        self.buf.push(b'"');
        f(&mut Text(&mut self.buf));
        self.buf.push(b'"');
    }

    /// `2011-01-26T19:01:12Z`.
    pub(crate) fn ts(&mut self, ms: i64) {
        self.str_with(|t| push_rfc3339(t.0, ms, false));
    }

    /// `2011-01-26T19:01:12.3450000Z` (seven fractional digits).
    pub(crate) fn ts_ticks(&mut self, ms: i64) {
        self.str_with(|t| push_rfc3339(t.0, ms, true));
    }

    pub(crate) fn opt_ts(&mut self, ms: Option<i64>) {
        match ms {
            Some(ms) => self.ts(ms),
            None => self.null(),
        }
    }

    /// An object of every field `f` writes.
    pub(crate) fn object(&mut self, f: impl FnOnce(&mut Obj<'_>)) {
        self.object_select(None, f);
    }

    /// An object of the fields `f` writes that `select` names (and `@odata.*` ones).
    pub(crate) fn object_select(&mut self, select: Select<'_>, f: impl FnOnce(&mut Obj<'_>)) {
        self.sep();
        self.buf.push(b'{');
        self.comma = false;
        let mut o = Obj {
            w: self,
            select,
            #[cfg(debug_assertions)]
            last: "",
        };
        f(&mut o);
        self.buf.push(b'}');
        self.comma = true;
    }

    /// Writes each of `items` with `f` (inside an array), reserving room for all of them
    /// once the first is written.
    pub(crate) fn each<T>(
        &mut self,
        items: impl ExactSizeIterator<Item = T>,
        mut f: impl FnMut(&mut Json, T),
    ) {
        let n = items.len();
        let start = self.len();
        for (i, x) in items.enumerate() {
            f(self, x);
            if i == 0 && n > 1 {
                // The rest, a quarter more for items longer than the first.
                let one = self.len() - start;
                self.reserve(one * (n - 1) / 4 * 5);
            }
        }
    }

    /// An array of the values `f` writes.
    pub(crate) fn array(&mut self, f: impl FnOnce(&mut Json)) {
        self.sep();
        self.buf.push(b'[');
        self.comma = false;
        f(self);
        self.buf.push(b']');
        self.comma = true;
    }
}

/// The fields of an object being written, in ascending byte order of their keys.
pub(crate) struct Obj<'a> {
    w: &'a mut Json,
    select: Select<'a>,
    #[cfg(debug_assertions)]
    last: &'static str,
}

impl Obj<'_> {
    /// Writes `"key":` and returns the writer of its value; `None` (and nothing written)
    /// when `$select` leaves the field out. `key` needs no escaping.
    pub(crate) fn key(&mut self, key: &'static str) -> Option<&mut Json> {
        #[cfg(debug_assertions)]
        {
            debug_assert!(self.last < key, "key {key:?} after {:?}", self.last);
            self.last = key;
        }
        if let Some(fields) = self.select {
            if !key.starts_with("@odata.") && !fields.iter().any(|f| f.eq_ignore_ascii_case(key)) {
                return None;
            }
        }
        let w = &mut *self.w;
        if w.comma {
            w.buf.push(b',');
        }
        w.buf.push(b'"');
        w.buf.extend_from_slice(key.as_bytes());
        w.buf.extend_from_slice(b"\":");
        w.comma = false;
        Some(w)
    }

    /// `key` with the value `f` writes.
    pub(crate) fn with(&mut self, key: &'static str, f: impl FnOnce(&mut Json)) -> &mut Self {
        if let Some(w) = self.key(key) {
            f(w);
        }
        self
    }

    pub(crate) fn str(&mut self, key: &'static str, v: &str) -> &mut Self {
        self.with(key, |w| w.str(v))
    }

    pub(crate) fn opt_str(&mut self, key: &'static str, v: Option<&str>) -> &mut Self {
        self.with(key, |w| w.opt_str(v))
    }

    /// `key` only when `v` is `Some`.
    pub(crate) fn some_str(&mut self, key: &'static str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.str(key, v);
        }
        self
    }

    pub(crate) fn null(&mut self, key: &'static str) -> &mut Self {
        self.with(key, Json::null)
    }

    pub(crate) fn bool(&mut self, key: &'static str, v: bool) -> &mut Self {
        self.with(key, |w| w.bool(v))
    }

    pub(crate) fn uint(&mut self, key: &'static str, v: u64) -> &mut Self {
        self.with(key, |w| w.uint(v))
    }

    pub(crate) fn int(&mut self, key: &'static str, v: i64) -> &mut Self {
        self.with(key, |w| w.int(v))
    }

    pub(crate) fn ts(&mut self, key: &'static str, ms: i64) -> &mut Self {
        self.with(key, |w| w.ts(ms))
    }

    pub(crate) fn opt_ts(&mut self, key: &'static str, ms: Option<i64>) -> &mut Self {
        self.with(key, |w| w.opt_ts(ms))
    }

    /// `key` with an object of every field `f` writes.
    pub(crate) fn object(&mut self, key: &'static str, f: impl FnOnce(&mut Obj<'_>)) -> &mut Self {
        self.with(key, |w| w.object(f))
    }

    /// `key` with an array of the values `f` writes.
    pub(crate) fn array(&mut self, key: &'static str, f: impl FnOnce(&mut Json)) -> &mut Self {
        self.with(key, |w| w.array(f))
    }

    /// `key` with `[]`.
    pub(crate) fn empty_array(&mut self, key: &'static str) -> &mut Self {
        self.with(key, |w| w.array(|_| {}))
    }
}

/// The inside of a JSON string being written in pieces.
pub(crate) struct Text<'a>(&'a mut Vec<u8>);

impl Text<'_> {
    /// Appends `s`, escaped.
    pub(crate) fn push(&mut self, s: &str) {
        escape_into(self.0, s);
    }

    /// Appends bytes that need no escaping (ASCII letters, digits and URL punctuation).
    pub(crate) fn push_plain(&mut self, s: &[u8]) {
        debug_assert!(s.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\'));
        self.0.extend_from_slice(s);
    }
}

fn push_uint(buf: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// What a byte becomes inside a JSON string: 0 as is, `u` as `\u00xx`, else `\` and it.
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Whether any of the 8 bytes of `x` needs escaping: below 0x20, `"` or `\\` (the
/// has-zero-byte and has-less-than tricks of "Bit Twiddling Hacks"; exact, no false hits).
fn needs_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    (below_space | zero(x ^ (ONES * u64::from(b'"'))) | zero(x ^ (ONES * u64::from(b'\\')))) != 0
}

fn escape_into(buf: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    // Skip 8 clean bytes at a time: most strings need no escaping at all.
    let mut clean = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        clean += 8;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        let e = ESCAPE[b as usize];
        if e == 0 {
            continue;
        }
        buf.extend_from_slice(&bytes[start..i]);
        if e == b'u' {
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(b >> 4)]);
            buf.push(HEX[usize::from(b & 0xf)]);
        } else {
            buf.push(b'\\');
            buf.push(e);
        }
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::{json, Value};

    fn text(w: Json) -> String {
        String::from_utf8(w.into_bytes()).unwrap()
    }

    #[test]
    fn escapes_strings_as_serde_json_does() {
        let mut all = String::new();
        for c in (0u32..0x80).chain([0xe9, 0x2028, 0x1f600]) {
            all.push(char::from_u32(c).unwrap());
        }
        let mut cases = vec![
            all.clone(),
            String::new(),
            "plain".into(),
            "日本\u{0}".into(),
        ];
        // Every byte value at every position of a few 8-byte words.
        for c in (0u32..0x80).chain([0xe9, 0x7ff, 0x2028]) {
            for at in 0..17 {
                let mut s = "abcdefghijklmnopqrstuvwxyz".to_owned();
                s.insert(at, char::from_u32(c).unwrap());
                cases.push(s);
            }
        }
        for s in &cases {
            let mut w = Json::default();
            w.str(s);
            assert_eq!(text(w), serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn writes_numbers_objects_arrays_and_selects() {
        for v in [0, 7, -1, 10, 99, i64::MIN, i64::MAX, 1_296_068_472_000] {
            let mut w = Json::default();
            w.int(v);
            assert_eq!(text(w), v.to_string());
        }
        let mut w = Json::default();
        w.uint(u64::MAX);
        assert_eq!(text(w), u64::MAX.to_string());

        let write = |select: Select<'_>| {
            let mut w = Json::default();
            w.array(|w| {
                w.object_select(select, |o| {
                    o.str("@odata.type", "#t")
                        .array("a", |w| {
                            w.null();
                            w.bool(true);
                            w.object(|_| {});
                        })
                        .object("b", |o| {
                            o.uint("x", 1).empty_array("y");
                        })
                        .opt_str("c", None)
                        .ts("d", 0);
                });
                w.str("z");
            });
            serde_json::from_slice::<Value>(&w.into_bytes()).unwrap()
        };
        assert_eq!(
            write(None),
            json!([{"@odata.type": "#t", "a": [null, true, {}], "b": {"x": 1, "y": []},
                    "c": null, "d": "1970-01-01T00:00:00Z"}, "z"])
        );
        let fields = ["b".to_owned(), "d".to_owned()];
        assert_eq!(
            write(Some(&fields)),
            json!([{"@odata.type": "#t", "b": {"x": 1, "y": []}, "d": "1970-01-01T00:00:00Z"}, "z"])
        );
        assert_eq!(write(Some(&[])), json!([{"@odata.type": "#t"}, "z"]));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "after")]
    fn refuses_keys_out_of_order() {
        let mut w = Json::default();
        w.object(|o| {
            o.null("b").null("a");
        });
    }
}

//! Picks the format of a file from its first lines, with a confidence.

use crate::formats::Format;
use crate::record::{Parsed, Reason};

/// A detection result.
#[derive(Clone, Copy)]
pub struct Detection<'a> {
    pub format: &'a dyn Format,
    /// 0–1: how many sample lines this format recognises and parses.
    pub confidence: f32,
}

/// The format that best explains `sample` (the first lines of a file), if any explains at
/// least a third of it.
pub fn detect<'a>(sample: &[u8], formats: &[&'a dyn Format]) -> Option<Detection<'a>> {
    let lines: Vec<&[u8]> = sample
        .split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.trim_ascii().is_empty())
        .take(50)
        .collect();
    if lines.is_empty() {
        return None;
    }
    let mut best: Option<Detection> = None;
    for &format in formats {
        let mut layout = None;
        let mut score = 0.0f32;
        for line in &lines {
            if let Some(l) = format.header(line) {
                layout = Some(l);
            }
            let sniff = format.sniff(line);
            let parsed = matches!(
                format.parse(line, layout.as_ref()),
                Parsed::Record(_) | Parsed::Skip(Reason::SessionStart)
            );
            score += 0.5 * sniff + if parsed { 0.5 } else { 0.0 };
        }
        #[allow(clippy::cast_precision_loss)] // at most 50 lines
        let confidence = score / lines.len() as f32;
        if best.is_none_or(|b| confidence > b.confidence) {
            best = Some(Detection { format, confidence });
        }
    }
    best.filter(|b| b.confidence >= 0.33)
}

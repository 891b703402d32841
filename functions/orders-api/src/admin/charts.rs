//! Bar charts for the reports page, drawn server-side: the geometry here, the SVG in the
//! template (`reports.html`), so the page needs no script to show them.

use serde::Serialize;

/// The drawing area, in SVG user units (the SVG scales to its box).
const WIDTH: f64 = 420.0;
const HEIGHT: f64 = 150.0;
/// Room kept for labels: under vertical bars, left of horizontal ones.
const LABEL_BAND: f64 = 18.0;
const LABEL_COLUMN: f64 = 130.0;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub bars: Vec<Bar>,
    /// The value of the tallest bar, written on the axis.
    pub max: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Under (or beside) the bar; empty where labels would crowd.
    pub label: String,
    /// Where the label sits.
    pub label_x: f64,
    pub label_y: f64,
    /// The tooltip and the text for screen readers: `label: value`.
    pub title: String,
}

/// The largest value (zero for none).
fn largest(points: &[(String, f64, String)]) -> f64 {
    points.iter().map(|p| p.1).fold(0.0, f64::max)
}

/// How much of `room` a value takes, the largest filling it.
fn share(value: f64, max: f64, room: f64) -> f64 {
    if max > 0.0 {
        room * value / max
    } else {
        0.0
    }
}

/// The largest value as the page writes it.
fn shown_largest(points: &[(String, f64, String)], max: f64) -> String {
    points
        .iter()
        .find(|p| p.1 == max)
        .map(|p| p.2.clone())
        .unwrap_or_default()
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// One vertical bar per point (days, say), labels thinned to about eight.
pub fn columns(title: &str, points: &[(String, f64, String)]) -> Chart {
    let max = largest(points);
    let slot = WIDTH / points.len().max(1) as f64;
    let every = points.len().div_ceil(8).max(1);
    let plot = HEIGHT - LABEL_BAND;
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, (label, value, shown))| {
            let height = share(*value, max, plot);
            Bar {
                x: round(i as f64 * slot + slot * 0.1),
                y: round(plot - height),
                width: round(slot * 0.8),
                height: round(height),
                label: if i % every == 0 {
                    label.clone()
                } else {
                    String::new()
                },
                label_x: round(i as f64 * slot + slot / 2.0),
                label_y: HEIGHT - 4.0,
                title: format!("{label}: {shown}"),
            }
        })
        .collect();
    Chart {
        title: title.to_string(),
        width: WIDTH,
        height: HEIGHT,
        bars,
        max: shown_largest(points, max),
    }
}

/// One horizontal bar per point (SKUs, say), each labelled.
pub fn rows(title: &str, points: &[(String, f64, String)]) -> Chart {
    let max = largest(points);
    let row = 22.0;
    let room = WIDTH - LABEL_COLUMN - 60.0;
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, (label, value, shown))| {
            let width = share(*value, max, room);
            Bar {
                x: LABEL_COLUMN,
                y: round(i as f64 * row + 3.0),
                width: round(width),
                height: row - 6.0,
                label: label.chars().take(18).collect(),
                label_x: LABEL_COLUMN - 6.0,
                label_y: round(i as f64 * row + 15.0),
                title: format!("{label}: {shown}"),
            }
        })
        .collect();
    Chart {
        title: title.to_string(),
        width: WIDTH,
        height: (points.len().max(1) as f64 * row).max(row),
        bars,
        max: shown_largest(points, max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[f64]) -> Vec<(String, f64, String)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("d{i}"), *v, v.to_string()))
            .collect()
    }

    #[test]
    fn the_tallest_column_fills_the_plot_and_the_others_scale() {
        let chart = columns("Orders", &points(&[2.0, 4.0, 0.0, 1.0]));
        assert_eq!(chart.bars.len(), 4);
        assert_eq!(chart.bars[1].height, HEIGHT - LABEL_BAND);
        assert_eq!(chart.bars[0].height, round((HEIGHT - LABEL_BAND) / 2.0));
        assert_eq!(chart.bars[2].height, 0.0);
        assert_eq!(chart.max, "4");
        assert!(chart
            .bars
            .iter()
            .all(|b| b.y + b.height <= HEIGHT - LABEL_BAND + 0.1));
    }

    #[test]
    fn many_columns_thin_their_labels_and_nothing_is_drawn_from_nothing() {
        let chart = columns("Orders", &points(&[0.0; 30]));
        assert!(chart.bars.iter().all(|b| b.height == 0.0));
        assert!(chart.bars.iter().filter(|b| !b.label.is_empty()).count() <= 8);
        assert!(columns("Orders", &[]).bars.is_empty());
    }

    #[test]
    fn rows_scale_to_the_longest() {
        let chart = rows("Top SKUs", &points(&[10.0, 5.0]));
        assert_eq!(chart.bars[0].width, WIDTH - LABEL_COLUMN - 60.0);
        assert_eq!(
            chart.bars[1].width,
            round((WIDTH - LABEL_COLUMN - 60.0) / 2.0)
        );
    }
}

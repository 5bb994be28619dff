//! Charts drawn on the server as SVG (no script, nothing from outside, readable when printed):
//! the year's cumulative execution rate month by month against 序时进度. Every figure comes
//! from the domain's views; this module only places them on the canvas. Each chart has a
//! fallback table of the same figures on the page.

use rust_decimal::Decimal;
use std::fmt::Write;

/// Width of the chart's canvas, in SVG units.
pub const CHART_WIDTH: i64 = 640;
/// Height of the chart's canvas, in SVG units.
pub const CHART_HEIGHT: i64 = 260;
/// Margin for the axes' labels.
const MARGIN: i64 = 40;
/// Highest percentage the y axis shows (a rate above it is drawn at the top).
const Y_MAX_PERCENT: i64 = 100;

/// One month's point: the month (1-12), the cumulative execution rate and 序时进度, in percent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthPoint {
    /// Month, 1-12.
    pub month: u32,
    /// 累计执行率 at the month's end (None: no budget to divide by, or not reached yet).
    pub rate_percent: Option<Decimal>,
    /// 序时进度 at the month's end.
    pub schedule_percent: Decimal,
}

fn x_of(month: u32) -> Decimal {
    let plot = Decimal::from(CHART_WIDTH - 2 * MARGIN);
    Decimal::from(MARGIN) + plot * Decimal::from(month) / Decimal::from(12)
}

fn y_of(percent: Decimal) -> Decimal {
    let clamped = percent.clamp(Decimal::ZERO, Decimal::from(Y_MAX_PERCENT));
    let plot = Decimal::from(CHART_HEIGHT - 2 * MARGIN);
    Decimal::from(CHART_HEIGHT - MARGIN) - plot * clamped / Decimal::from(Y_MAX_PERCENT)
}

/// A coordinate with one decimal, always written the same way.
fn n(d: Decimal) -> String {
    format!("{:.1}", d)
}

fn polyline(points: impl Iterator<Item = (u32, Decimal)>) -> String {
    let mut out = format!("{},{}", n(x_of(0)), n(y_of(Decimal::ZERO)));
    for (month, percent) in points {
        let _ = write!(out, " {},{}", n(x_of(month)), n(y_of(percent)));
    }
    out
}

/// The cumulative execution chart as an SVG element (with a title for screen readers).
pub fn execution_svg(points: &[MonthPoint]) -> String {
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">累计执行率与序时进度</title>"#
    );
    for percent in (0..=Y_MAX_PERCENT).step_by(25) {
        let y = n(y_of(Decimal::from(percent)));
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{MARGIN}" y1="{y}" x2="{}" y2="{y}"/><text class="axis" x="{}" y="{y}" text-anchor="end" dy="4">{percent}%</text>"#,
            CHART_WIDTH - MARGIN,
            MARGIN - 6
        );
    }
    for month in 1..=12u32 {
        let _ = write!(
            svg,
            r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{month}月</text>"#,
            n(x_of(month)),
            CHART_HEIGHT - MARGIN + 18
        );
    }
    let schedule = polyline(points.iter().map(|p| (p.month, p.schedule_percent)));
    let rate = polyline(
        points
            .iter()
            .map_while(|p| p.rate_percent.map(|r| (p.month, r))),
    );
    let _ = write!(
        svg,
        r#"<polyline class="schedule" points="{schedule}"/><polyline class="rate" points="{rate}"/>"#
    );
    let _ = write!(
        svg,
        r#"<g class="legend"><line class="rate" x1="{m}" y1="14" x2="{m2}" y2="14"/><text x="{t}" y="18">累计执行率</text><line class="schedule" x1="{m3}" y1="14" x2="{m4}" y2="14"/><text x="{t2}" y="18">序时进度</text></g></svg>"#,
        m = MARGIN,
        m2 = MARGIN + 24,
        t = MARGIN + 30,
        m3 = MARGIN + 130,
        m4 = MARGIN + 154,
        t2 = MARGIN + 160
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn points() -> Vec<MonthPoint> {
        (1..=12)
            .map(|m| MonthPoint {
                month: m,
                rate_percent: (m <= 3).then(|| d("10") * Decimal::from(m)),
                schedule_percent: d("100") * Decimal::from(m) / d("12"),
            })
            .collect()
    }

    #[test]
    fn the_rate_line_stops_at_the_last_month_with_a_figure() {
        let svg = execution_svg(&points());
        let rate = svg
            .split(r#"<polyline class="rate" points=""#)
            .nth(1)
            .unwrap();
        let rate = rate.split('"').next().unwrap();
        // The origin and January to March.
        assert_eq!(rate.split(' ').count(), 4, "{rate}");
        // 30% in March: 40 + 180 × (1 - 0.3) = 166.
        assert!(rate.ends_with(",166.0"), "{rate}");
    }

    #[test]
    fn the_schedule_line_reaches_the_top_right_corner_in_december() {
        let svg = execution_svg(&points());
        let schedule = svg
            .split(r#"<polyline class="schedule" points=""#)
            .nth(1)
            .unwrap();
        let schedule = schedule.split('"').next().unwrap();
        assert!(schedule.ends_with(" 600.0,40.0"), "{schedule}");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn a_rate_above_the_axis_is_drawn_at_the_top() {
        assert_eq!(y_of(d("250")), y_of(d("100")));
        assert_eq!(y_of(d("-5")), y_of(d("0")));
    }
}

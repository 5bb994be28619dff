//! Charts drawn on the server as SVG (no script, nothing from outside, readable when printed):
//! the year's cumulative execution rate month by month against 序时进度, and the bureau's
//! distribution of units over execution-rate bands by warning colour. Every figure comes
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

/// Lower bounds of the execution-rate bands of the distribution chart, in percent (the last
/// band is open: at or above its bound).
pub const RATE_BANDS_PERCENT: [i64; 6] = [0, 20, 40, 60, 80, 100];

/// One band of the distribution chart: its label and how many units of each colour fall in it
/// (in the order of the colours the caller passes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    /// "无预算", "0–20%", …, "≥100%".
    pub label: String,
    /// Units per colour.
    pub counts: Vec<usize>,
}

impl Band {
    /// Units in the band.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }
}

/// Places units (their execution rate and the index of their colour among `colours`) into the
/// bands: units without a budget first, then [`RATE_BANDS_PERCENT`].
pub fn bands(rates: &[(Option<Decimal>, usize)], colours: usize) -> Vec<Band> {
    let mut out = vec![Band {
        label: "无预算".to_string(),
        counts: vec![0; colours],
    }];
    for (i, low) in RATE_BANDS_PERCENT.iter().enumerate() {
        let label = match RATE_BANDS_PERCENT.get(i + 1) {
            Some(high) => format!("{low}–{high}%"),
            None => format!("≥{low}%"),
        };
        out.push(Band {
            label,
            counts: vec![0; colours],
        });
    }
    for (rate, colour) in rates {
        let band = match rate {
            None => 0,
            Some(r) => {
                1 + RATE_BANDS_PERCENT
                    .iter()
                    .rposition(|low| *r >= Decimal::from(*low))
                    .unwrap_or(0)
            }
        };
        if let Some(c) = out[band].counts.get_mut(*colour) {
            *c += 1;
        }
    }
    out
}

/// The distribution of units over execution-rate bands as stacked bars, one segment per colour
/// (`classes` are the colours' CSS classes, `names` their Chinese names, in the order of the
/// bands' counts).
pub fn distribution_svg(bands: &[Band], classes: &[&str], names: &[&str]) -> String {
    let most = bands.iter().map(Band::total).max().unwrap_or(0).max(1);
    let plot_w = CHART_WIDTH - 2 * MARGIN;
    let plot_h = Decimal::from(CHART_HEIGHT - 2 * MARGIN);
    let n_bands = i64::try_from(bands.len()).unwrap_or(1).max(1);
    let slot = plot_w / n_bands;
    let bar_w = slot * 3 / 5;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" aria-labelledby="dist-title" xmlns="http://www.w3.org/2000/svg"><title id="dist-title">各单位执行率分布（按预警颜色）</title>"#
    );
    let _ = write!(
        svg,
        r#"<line class="grid" x1="{MARGIN}" y1="{y}" x2="{x2}" y2="{y}"/><text class="axis" x="{tx}" y="{y}" text-anchor="end" dy="4">0</text><text class="axis" x="{tx}" y="{MARGIN}" text-anchor="end" dy="4">{most}</text>"#,
        y = CHART_HEIGHT - MARGIN,
        x2 = CHART_WIDTH - MARGIN,
        tx = MARGIN - 6,
    );
    for (i, band) in bands.iter().enumerate() {
        let i = i64::try_from(i).unwrap_or(0);
        let x = MARGIN + slot * i + (slot - bar_w) / 2;
        let mut base = Decimal::from(CHART_HEIGHT - MARGIN);
        for (k, count) in band.counts.iter().enumerate() {
            if *count == 0 {
                continue;
            }
            let h = plot_h * Decimal::from(*count as u64) / Decimal::from(most as u64);
            base -= h;
            let _ = write!(
                svg,
                r#"<rect class="bar {}" x="{x}" y="{}" width="{bar_w}" height="{}"><title>{} {} {}个</title></rect>"#,
                classes.get(k).copied().unwrap_or("grey"),
                n(base),
                n(h),
                band.label,
                names.get(k).copied().unwrap_or(""),
                count
            );
        }
        if band.total() > 0 {
            let _ = write!(
                svg,
                r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                x + bar_w / 2,
                n(base - Decimal::from(4)),
                band.total()
            );
        }
        let _ = write!(
            svg,
            r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            x + bar_w / 2,
            CHART_HEIGHT - MARGIN + 18,
            band.label
        );
    }
    svg.push_str("</svg>");
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
    fn units_fall_into_the_band_of_their_rate_and_colour() {
        let rates = [
            (None, 4),
            (Some(d("0")), 0),
            (Some(d("19.99")), 0),
            (Some(d("20")), 1),
            (Some(d("100")), 3),
            (Some(d("250")), 3),
        ];
        let b = bands(&rates, 5);
        assert_eq!(b.len(), RATE_BANDS_PERCENT.len() + 1);
        assert_eq!((b[0].label.as_str(), b[0].counts[4]), ("无预算", 1));
        assert_eq!((b[1].label.as_str(), b[1].counts[0]), ("0–20%", 2));
        assert_eq!(b[2].counts[1], 1);
        assert_eq!((b[6].label.as_str(), b[6].counts[3]), ("≥100%", 2));
        assert_eq!(b.iter().map(Band::total).sum::<usize>(), rates.len());
    }

    #[test]
    fn the_tallest_band_reaches_the_top_of_the_plot() {
        let b = bands(
            &[(Some(d("5")), 0), (Some(d("6")), 1), (Some(d("90")), 2)],
            3,
        );
        let svg = distribution_svg(&b, &["red", "yellow", "green"], &["红", "黄", "绿"]);
        // Two units in 0–20%: the red one at the bottom, the yellow one on top reaching y = 40.
        assert!(
            svg.contains(r#"class="bar yellow""#) && svg.contains(r#"y="40.0""#),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn a_rate_above_the_axis_is_drawn_at_the_top() {
        assert_eq!(y_of(d("250")), y_of(d("100")));
        assert_eq!(y_of(d("-5")), y_of(d("0")));
    }
}

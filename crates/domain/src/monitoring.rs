//! In-year monitoring (绩效运行监控, 双监控; domain.md §5) as pure functions over plain inputs:
//!
//! - [`schedule_progress`]: 序时进度 as a fraction in [0, 1], on the profile's basis
//!   (`month_end`: a month counts once it has ended; `elapsed_days`);
//! - [`execution_warning`] and [`indicator_progress`]: the red / yellow / green / blue / grey
//!   [`Colour`]s, thresholds from the profile's `warnings`;
//! - [`forecast_execution`] and [`forecast_indicator`]: the year-end forecast by run-rate
//!   extrapolation (method in [`forecast`]) and the early warning when it misses the target;
//! - [`monitoring_draft`]: the 1-7月 绩效监控情况表 content (funds block, indicator rows with
//!   colour, suggested 完成可能性 and whether a 偏差原因 is required);
//! - [`adjustment_needs_reason`] and [`adjustment_rate_percent`]: budget adjustment rules;
//! - [`called_to_explain`]: the finance bureau's third-quarter practice;
//! - [`unit_execution_warning`]: a whole unit's 执行率, 序时进度 and colour for the list of units.
//!
//! Conventions: 序时进度 is a fraction (7/12, unrounded); rates and v values are percentages
//! rounded half-up to 2 decimals, and colours are decided on the rounded v. Nothing here
//! reads the clock or the log: `as_of`, the fiscal year, the values so far and the profile are
//! all passed in, so any report can be recomputed as of any past day.

mod adjustment;
mod colour;
mod draft;
pub mod forecast;
mod schedule;

pub use adjustment::{adjustment_needs_reason, adjustment_rate_percent};
pub use colour::{
    Colour, UnitWarning, Warning, called_to_explain, execution_warning, indicator_progress,
    unit_execution_warning,
};
pub use draft::{
    FundsBlock, FundsInput, IndicatorMonitoringInput, IndicatorRowDraft, MAX_INDICATORS_PER_REPORT,
    MonitoringReportDraft, deviation_cause_name_zh, format_value, likelihood_name_zh,
    monitoring_draft, suggest_likelihood,
};
pub use forecast::{
    ExecutionEarlyWarning, ExecutionForecast, ForecastMethod, IndicatorEarlyWarning,
    IndicatorForecast, MAX_AMOUNT_YUAN, MAX_INDICATOR_VALUE, SoFar, forecast_execution,
    forecast_indicator,
};
pub use schedule::{
    MONTHS_PER_YEAR, completed_months, months_begun, period_label, progress_percent,
    schedule_progress,
};

use rust_decimal::Decimal;

/// Why monitoring inputs were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitoringError {
    /// A monthly series has more than 12 entries.
    #[error("月度数据共{0}个月，超过12个月 (monthly series longer than 12 months)")]
    TooManyMonths(usize),
    /// More indicator rows than a report may hold.
    #[error("指标共{count}个，超过上限{max}个 (too many indicators)")]
    TooManyIndicators {
        /// Rows given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// An amount or value beyond any real budget or indicator.
    #[error("数值{value}超出上限{max} (value too large)")]
    ValueTooLarge {
        /// The value.
        value: Decimal,
        /// The limit (absolute).
        max: Decimal,
    },
}

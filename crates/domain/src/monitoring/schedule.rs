//! 序时进度 (time-elapsed schedule) of a fiscal year, as a fraction in [0, 1].
//!
//! Two bases, chosen by the profile's `schedule_basis`:
//! - `month_end`: completed months / 12. A month counts once it has ended — on 31 July the
//!   schedule is 7/12, on 15 August it is still 7/12, on 31 August 8/12. This is how the
//!   finance bureau's monthly monitoring reads it: each month's figure is published at month end.
//! - `elapsed_days`: days elapsed, counting `as_of` itself, / days in the year (366 in a leap
//!   year). On 1 January 1/365; on 31 December 1.
//!
//! Before the fiscal year starts the schedule is 0; after it ends it is 1.

use crate::money::round2;
use crate::profile::ScheduleBasis;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// Months in a fiscal year (the Chinese fiscal year is the calendar year).
pub const MONTHS_PER_YEAR: u32 = 12;

/// 序时进度 on `as_of` for `fiscal_year`, as a fraction in [0, 1] (not rounded: 7/12 is
/// 0.58333…). Use [`progress_percent`] to display it.
pub fn schedule_progress(as_of: NaiveDate, fiscal_year: i32, basis: ScheduleBasis) -> Decimal {
    if as_of.year() < fiscal_year {
        return Decimal::ZERO;
    }
    if as_of.year() > fiscal_year {
        return Decimal::ONE;
    }
    match basis {
        ScheduleBasis::MonthEnd => {
            Decimal::from(completed_months(as_of, fiscal_year)) / Decimal::from(MONTHS_PER_YEAR)
        }
        ScheduleBasis::ElapsedDays => {
            let days_in_year: u32 = if as_of.leap_year() { 366 } else { 365 };
            // `ordinal` is the day of the year, 1-based: it counts `as_of` itself.
            Decimal::from(as_of.ordinal()) / Decimal::from(days_in_year)
        }
    }
}

/// Months of `fiscal_year` that have fully ended on `as_of` (0 ..= 12). A month ends on its
/// last day: on 31 July, 7; on 15 August, still 7.
pub fn completed_months(as_of: NaiveDate, fiscal_year: i32) -> u32 {
    if as_of.year() < fiscal_year {
        return 0;
    }
    if as_of.year() > fiscal_year {
        return MONTHS_PER_YEAR;
    }
    let is_last_day_of_month = as_of
        .succ_opt()
        .is_none_or(|next| next.month() != as_of.month());
    as_of.month() - 1 + u32::from(is_last_day_of_month)
}

/// Months of `fiscal_year` that have begun on or before `as_of` (0 ..= 12): the months whose
/// facts, dated up to `as_of`, a monthly series "so far" may hold. On 15 August, 8.
pub fn months_begun(as_of: NaiveDate, fiscal_year: i32) -> u32 {
    if as_of.year() < fiscal_year {
        return 0;
    }
    if as_of.year() > fiscal_year {
        return MONTHS_PER_YEAR;
    }
    as_of.month()
}

/// A schedule fraction as a percentage rounded half-up to 2 decimals (7/12 → 58.33).
pub fn progress_percent(progress: Decimal) -> Decimal {
    round2(progress * Decimal::ONE_HUNDRED)
}

/// "1-7月": the period a report dated `as_of` covers, from January to the month of `as_of`
/// (clamped to the fiscal year). Before the year starts there is no period: "—".
pub fn period_label(as_of: NaiveDate, fiscal_year: i32) -> String {
    match months_begun(as_of, fiscal_year) {
        0 => "—".to_string(),
        1 => "1月".to_string(),
        m => format!("1-{m}月"),
    }
}

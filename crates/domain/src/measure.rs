//! Measures: where an indicator's actual value (实际完成值) comes from — derived from the event
//! log (activity count, participant sum, participation rate, satisfaction of chosen respondent
//! groups, execution rate, adjustment rate, carry-over rate, 三公 control rate, procurement
//! execution rate, the 时效 period) or assessed by a person.
//!
//! CONTRACT: the `Measure` enum is shared by fixtures, the aggregate and the store.

use serde::{Deserialize, Serialize};

/// How an indicator's actual value is obtained.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Measure {
    /// Number of activities held (not withdrawn) in the project.
    ActivityCount,
    /// Sum of participants over activities held.
    ParticipantSum,
    /// Participants / invited over activities held, in %.
    ParticipationRate,
    /// Satisfied / valid responses in %, over surveys of the given respondent groups
    /// (e.g. ["专家", "企业"]); all groups when empty.
    Satisfaction {
        /// Respondent groups counted.
        groups: Vec<String>,
    },
    /// 时效: every activity held within the target period (met / not met).
    ActivityPeriod,
    /// 预算执行率: payments / adjusted budget (of the project, or of the unit), in %.
    ExecutionRate,
    /// 预算调整率: |追加| + |调减| / 年初预算, in %.
    AdjustmentRate,
    /// 结转结余率: (adjusted budget − payments) / adjusted budget, at year end, in %.
    CarryOverRate,
    /// "三公经费"控制率: 三公 payments / 三公 budget, in %.
    SangongControlRate,
    /// 政府采购执行率: procurement recorded / procurement budget, in %.
    ProcurementExecutionRate,
    /// Entered by a person (qualitative grade, or a value with a score).
    Assessed,
}

impl Measure {
    /// Cumulative measures grow through the year (counts, sums) and are pro-rated against
    /// 序时进度 in monitoring; the others are ratios compared with the target directly.
    pub fn is_cumulative(&self) -> bool {
        matches!(self, Measure::ActivityCount | Measure::ParticipantSum)
    }
}

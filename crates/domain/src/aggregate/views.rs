//! Views on the state of a year: scores (via [`crate::evaluation`]), the execution summary,
//! indicator status and the 1-7月 monitoring draft (via [`crate::monitoring`]). Pure functions
//! of the state, a profile and an as-of business date (None = everything recorded, judged at
//! the year end). They are plain data without serde: each front end turns them into its own
//! representation (the API into its DTOs); only the self-evaluation and the monitoring draft
//! derive `Serialize`, for the JSON export of `jixiao-app`.

use super::state::UnitYear;
use crate::budget::{ProjectCode, SpendingKind};
use crate::evaluation::{
    self, Actual, DeviationItem, Evaluation, EvaluationError, EvaluationKind, ExecutionInput,
    IndicatorInput,
};
use crate::indicator::{Indicator, IndicatorId, Level1, Scope};
use crate::measure::{self, MeasureValue, Measured, Source};
use crate::money::{Yuan, ratio_percent};
use crate::monitoring::{
    self, FundsInput, IndicatorMonitoringInput, MonitoringError, MonitoringReportDraft, SoFar,
    Warning,
};
use crate::profile::ScoringProfile;
use crate::target::{Comparator, TargetValue};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One row of the execution summary: budget against payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionRow {
    /// Line id, project code, kind, economic class or "total".
    pub key: String,
    /// Display name.
    pub name: String,
    /// 年初预算数.
    pub initial_yuan: Yuan,
    /// 全年预算数 (adjusted, as of).
    pub adjusted_yuan: Yuan,
    /// 执行数: payments net of reversals, as of.
    pub paid_yuan: Yuan,
    /// 执行率 in % (2 decimals); None with a zero budget.
    pub rate_percent: Option<Decimal>,
    /// The execution warning against 序时进度.
    pub warning: Warning,
}

/// Payments of one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRow {
    /// Month 1-12.
    pub month: u32,
    /// Net payments booked in the month.
    pub paid_yuan: Yuan,
    /// Cumulative net payments at the month end.
    pub cumulative_yuan: Yuan,
    /// Cumulative 执行率 against the adjusted budget as of the view date, in %.
    pub cumulative_rate_percent: Option<Decimal>,
}

/// 预算执行 of the unit as of a date: by line, project, kind, economic class and month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionSummary {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// The business date the figures are as of (the year end when none was given).
    pub as_of: NaiveDate,
    /// 序时进度 in %.
    pub schedule_progress_percent: Decimal,
    /// The unit as a whole.
    pub total: ExecutionRow,
    /// Per budget line, in approval order.
    pub by_line: Vec<ExecutionRow>,
    /// Per project, in approval order.
    pub by_project: Vec<ExecutionRow>,
    /// Per kind: 人员经费, 公用经费, 项目支出.
    pub by_kind: Vec<ExecutionRow>,
    /// Per 经济分类 类 (301, 302, …): budget by the lines' code, payments by their own code.
    pub by_economic_class: Vec<ExecutionRow>,
    /// Per month up to the as-of month.
    pub by_month: Vec<MonthRow>,
}

/// Where one indicator stands as of a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorStatus {
    /// Whose indicator.
    pub scope: Scope,
    /// Which indicator.
    pub indicator_id: IndicatorId,
    /// 一级指标.
    pub level1: Level1,
    /// 二级指标.
    pub level2: String,
    /// 三级指标.
    pub name: String,
    /// 年度指标值 in force on the date.
    pub target_text: String,
    /// The actual value so far.
    pub actual: MeasureValue,
    /// The actual value as the forms show it.
    pub actual_text: String,
    /// 完成率 for quantitative targets (2 decimals): A / T × 100 (T ≠ 0); for 反向 targets
    /// 100 when A is within the cap, else T / A × 100.
    pub completion_percent: Option<Decimal>,
    /// Progress colour against 序时进度 (grey when not assessed or qualitative).
    pub progress: Warning,
    /// The indicator's weight (分值) under the profile.
    pub weight: Decimal,
    /// The score it would get if the year ended with these values.
    pub projected_score: Option<Decimal>,
    /// The facts the value came from.
    pub sources: Vec<Source>,
}

impl UnitYear {
    /// The as-of date a view uses: the given one, or the last day of the fiscal year.
    pub fn view_date(&self, as_of: Option<NaiveDate>) -> NaiveDate {
        let fy = self.fiscal_year().unwrap_or_default();
        as_of
            .or_else(|| NaiveDate::from_ymd_opt(fy, 12, 31))
            .unwrap_or_default()
    }

    fn execution_row(
        &self,
        key: String,
        name: String,
        (initial, adjusted, paid): (Yuan, Yuan, Yuan),
        progress: Decimal,
        profile: &ScoringProfile,
    ) -> ExecutionRow {
        let rate = ratio_percent(paid.yuan(), adjusted.yuan());
        let warning = match rate {
            Some(r) => monitoring::execution_warning(r, progress, profile),
            None => Warning {
                v: None,
                colour: monitoring::Colour::Grey,
            },
        };
        ExecutionRow {
            key,
            name,
            initial_yuan: initial,
            adjusted_yuan: adjusted,
            paid_yuan: paid,
            rate_percent: rate,
            warning,
        }
    }

    /// 预算执行 as of a date (everything recorded when None).
    pub fn execution_summary(
        &self,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Option<ExecutionSummary> {
        let budget = self.budget()?;
        let fy = budget.fiscal_year;
        let date = self.view_date(as_of);
        let progress = monitoring::schedule_progress(date, fy, profile.schedule_basis);
        // Payments are read from the totals maintained as they are folded in: the cost is
        // bounded by the lines, classes and days, not by the payments.
        let paid_of_line = |line_id: &crate::budget::LineId| -> Yuan {
            self.totals
                .line(line_id)
                .map_or(Yuan::ZERO, |days| days.as_of(as_of))
        };
        let mut by_line = Vec::new();
        let mut by_kind: BTreeMap<SpendingKind, (Yuan, Yuan, Yuan)> = BTreeMap::new();
        let mut by_class: BTreeMap<String, (Yuan, Yuan, Yuan)> = BTreeMap::new();
        let mut by_project: BTreeMap<String, (Yuan, Yuan, Yuan)> = BTreeMap::new();
        for l in &budget.lines {
            let amounts = (
                l.line.initial_yuan,
                l.adjusted_yuan(as_of),
                paid_of_line(&l.line.line_id),
            );
            by_line.push(self.execution_row(
                l.line.line_id.0.clone(),
                l.line.name.clone(),
                amounts,
                progress,
                profile,
            ));
            let add = |acc: &mut (Yuan, Yuan, Yuan), paid: bool| {
                acc.0 += amounts.0;
                acc.1 += amounts.1;
                if paid {
                    acc.2 += amounts.2;
                }
            };
            add(by_kind.entry(l.line.kind).or_default(), true);
            // Budget goes to the line's class; payments to their own class (added below).
            add(
                by_class
                    .entry(l.line.economic_code.class().to_string())
                    .or_default(),
                false,
            );
            if let Some(code) = &l.line.project_code {
                add(by_project.entry(code.0.clone()).or_default(), true);
            }
        }
        for (class, days) in self.totals.classes() {
            by_class.entry(class.clone()).or_default().2 += days.as_of(as_of);
        }
        let total_amounts = by_line
            .iter()
            .fold((Yuan::ZERO, Yuan::ZERO, Yuan::ZERO), |acc, r| {
                (
                    acc.0 + r.initial_yuan,
                    acc.1 + r.adjusted_yuan,
                    acc.2 + r.paid_yuan,
                )
            });
        let total = self.execution_row(
            "total".into(),
            budget.unit.name.clone(),
            total_amounts,
            progress,
            profile,
        );
        let by_project = budget
            .projects
            .iter()
            .map(|p| {
                let amounts = by_project.get(&p.code.0).copied().unwrap_or_default();
                self.execution_row(p.code.0.clone(), p.name.clone(), amounts, progress, profile)
            })
            .collect();
        let by_kind = by_kind
            .into_iter()
            .map(|(k, a)| {
                let key = serde_json::to_value(k)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                self.execution_row(key, k.name().to_string(), a, progress, profile)
            })
            .collect();
        let by_economic_class = by_class
            .into_iter()
            .map(|(class, a)| {
                let name = crate::codes::EconomicCode::parse(&format!("{class}01"))
                    .ok()
                    .and_then(|c| c.class_name())
                    .unwrap_or_default()
                    .to_string();
                self.execution_row(class, name, a, progress, profile)
            })
            .collect();
        let monthly = measure::paid_by_month(self, &Scope::Unit, Some(date));
        let mut cumulative = Yuan::ZERO;
        let by_month = monthly
            .iter()
            .enumerate()
            .map(|(i, paid)| {
                cumulative += *paid;
                MonthRow {
                    month: i as u32 + 1,
                    paid_yuan: *paid,
                    cumulative_yuan: cumulative,
                    cumulative_rate_percent: ratio_percent(
                        cumulative.yuan(),
                        total_amounts.1.yuan(),
                    ),
                }
            })
            .collect();
        Some(ExecutionSummary {
            fiscal_year: fy,
            as_of: date,
            schedule_progress_percent: monitoring::progress_percent(progress),
            total,
            by_line,
            by_project,
            by_kind,
            by_economic_class,
            by_month,
        })
    }

    /// Every indicator of every scope (or of one scope), as approved or adjusted by `as_of`.
    pub fn indicators_as_of(
        &self,
        scope: Option<&Scope>,
        as_of: Option<NaiveDate>,
    ) -> Vec<(Scope, Indicator)> {
        self.targets
            .iter()
            .filter(|(s, _)| scope.is_none_or(|want| want == *s))
            .flat_map(|(s, set)| {
                set.indicators
                    .iter()
                    .map(move |i| (s.clone(), i.as_of(as_of)))
            })
            .collect()
    }

    /// Where each indicator stands as of a date (everything recorded when None), with every
    /// source of each value: the values and sources are computed from the year's facts by
    /// [`measure::measure`] (a pass over the payments behind payment measures). Views served
    /// per request use [`UnitYear::indicator_status_summarised`].
    pub fn indicator_status(
        &self,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Vec<IndicatorStatus> {
        self.indicator_rows(as_of, profile, |scope, ind| {
            let Measured { value, sources } = measure::measure(self, scope, ind, as_of);
            (value, sources, 0)
        })
        .into_iter()
        .map(|(status, _)| status)
        .collect()
    }

    /// Where each indicator stands as of a date, each with how many facts its value came from
    /// and only the last `max_sources` of them in `sources` (the order of
    /// [`UnitYear::indicator_status`]). Payment measures are read from the totals maintained
    /// as events are folded in: the cost does not grow with the year's payments.
    pub fn indicator_status_summarised(
        &self,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
        max_sources: usize,
    ) -> Vec<(IndicatorStatus, usize)> {
        self.indicator_rows(as_of, profile, |scope, ind| {
            let (value, summary) =
                measure::measure_summarised(self, scope, ind, as_of, max_sources);
            (value, summary.latest, summary.count)
        })
    }

    fn indicator_rows(
        &self,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
        measured: impl Fn(&Scope, &Indicator) -> (MeasureValue, Vec<Source>, usize),
    ) -> Vec<(IndicatorStatus, usize)> {
        let fy = self.fiscal_year().unwrap_or_default();
        let date = self.view_date(as_of);
        let progress = monitoring::schedule_progress(date, fy, profile.schedule_basis);
        let scores = self.projected_scores(as_of, profile);
        self.indicators_as_of(None, as_of)
            .into_iter()
            .map(|(scope, ind)| {
                let (value, sources, count) = measured(&scope, &ind);
                let unit = ind.target.unit().map(|u| u.0.clone()).unwrap_or_default();
                let number = value.number();
                let completion_percent = match (number, ind.target.threshold()) {
                    // 反向 (≤, <): staying under the cap is complete (100%); above it, T / A —
                    // A / T would read a miss as over-achievement.
                    (Some(a), Some((Comparator::Le | Comparator::Lt, t))) => {
                        if a <= t {
                            Some(Decimal::ONE_HUNDRED)
                        } else {
                            ratio_percent(t, a)
                        }
                    }
                    (Some(a), Some((_, t))) => ratio_percent(a, t),
                    _ => None,
                };
                let progress = monitoring::indicator_progress(
                    ind.target.value(),
                    &ind.measure,
                    number,
                    progress,
                    profile,
                );
                let (weight, projected_score) = scores
                    .get(&(scope.clone(), ind.id.clone()))
                    .copied()
                    .unwrap_or((Decimal::ZERO, None));
                let status = IndicatorStatus {
                    actual_text: value.display(&unit),
                    scope,
                    indicator_id: ind.id.clone(),
                    level1: ind.level1,
                    level2: ind.level2.clone(),
                    name: ind.name.clone(),
                    target_text: ind.target.text().to_string(),
                    actual: value,
                    completion_percent,
                    progress,
                    weight,
                    projected_score,
                    sources,
                };
                (status, count)
            })
            .collect()
    }

    /// What monitoring reads for one indicator: per-month increments for cumulative measures,
    /// the current value for ratios, the assessment for assessed ones.
    fn so_far(&self, scope: &Scope, ind: &Indicator, as_of: NaiveDate) -> SoFar {
        let fy = self.fiscal_year().unwrap_or_default();
        if ind.measure.is_cumulative() {
            let months = if as_of.year() < fy {
                0
            } else if as_of.year() > fy {
                12
            } else {
                as_of.month()
            };
            let mut previous = Decimal::ZERO;
            let mut increments = Vec::new();
            for m in 1..=months {
                let end = measure::month_end(fy, m).map_or(as_of, |e| e.min(as_of));
                let now = measure::measured_value(self, scope, ind, Some(end))
                    .number()
                    .unwrap_or_default();
                increments.push(now - previous);
                previous = now;
            }
            return SoFar::Monthly { months: increments };
        }
        match measure::measured_value(self, scope, ind, Some(as_of)) {
            MeasureValue::Number { value } => SoFar::Current { value },
            MeasureValue::Assessed { text, value, .. } => SoFar::Assessed { text, value },
            MeasureValue::Met { met } => SoFar::Assessed {
                text: if met {
                    measure::TIMELY_MET_ZH
                } else {
                    measure::TIMELY_NOT_MET_ZH
                }
                .to_string(),
                value: None,
            },
            MeasureValue::NotApplicable | MeasureValue::Unbounded | MeasureValue::NoData => {
                SoFar::Nothing
            }
        }
    }

    /// The 1-7月 绩效监控 draft of one scope (the unit's funds and 预算14 indicators, or one
    /// project's) on `as_of`.
    pub fn monitoring_draft(
        &self,
        scope: &Scope,
        as_of: NaiveDate,
        profile: &ScoringProfile,
    ) -> Result<Option<MonitoringReportDraft>, MonitoringError> {
        let Some(fy) = self.fiscal_year() else {
            return Ok(None);
        };
        let funds = FundsInput {
            initial_yuan: measure::initial_budget_yuan(self, scope),
            adjusted_yuan: measure::adjusted_budget_yuan(self, scope, Some(as_of)).0,
            monthly_paid_yuan: measure::paid_by_month(self, scope, Some(as_of)),
        };
        let indicators: Vec<IndicatorMonitoringInput> = self
            .indicators_as_of(Some(scope), Some(as_of))
            .into_iter()
            .map(|(s, ind)| IndicatorMonitoringInput {
                so_far: self.so_far(&s, &ind, as_of),
                scope: s,
                indicator: ind,
            })
            .collect();
        monitoring::monitoring_draft(as_of, fy, &funds, &indicators, profile).map(Some)
    }

    /// The actual value the scoring reads for an indicator: a person's grade when there is one
    /// (定性, or a 时效 / any indicator an assessor graded), otherwise the measured value.
    ///
    /// A measured value that cannot score the target in force (a number for a qualitative or
    /// time target — e.g. after a target adjustment changed its kind — or a met/not-met fact
    /// for a quantitative one) is read as not yet assessed: the indicator then waits for a
    /// person's grade instead of making the whole scope's evaluation fail.
    pub fn actual_for_scoring(
        &self,
        scope: &Scope,
        ind: &Indicator,
        as_of: Option<NaiveDate>,
    ) -> Actual {
        if let Some(a) = measure::latest_assessment(self, scope, &ind.id, as_of)
            && let Some(grade) = a.grade
        {
            return Actual::Assessed {
                grade,
                score: a.score,
                text: a.actual_text.clone(),
                position: a.band_position,
            };
        }
        let quantitative = matches!(ind.target.value(), TargetValue::Quantitative { .. });
        let timely = matches!(ind.target.value(), TargetValue::Time(_));
        match measure::measured_value(self, scope, ind, as_of) {
            MeasureValue::Number { value } if quantitative => Actual::Value(value),
            MeasureValue::Met { met } if timely => Actual::Timeliness { met },
            MeasureValue::NotApplicable => Actual::NotApplicable,
            MeasureValue::Unbounded if quantitative => Actual::Value(UNBOUNDED_PERCENT),
            MeasureValue::Assessed { value: Some(v), .. } if quantitative => Actual::Value(v),
            MeasureValue::Number { .. }
            | MeasureValue::Met { .. }
            | MeasureValue::Unbounded
            | MeasureValue::Assessed { .. }
            | MeasureValue::NoData => Actual::Missing,
        }
    }

    fn evaluation_inputs(
        &self,
        scope: &Scope,
        as_of: Option<NaiveDate>,
    ) -> (EvaluationKind, ExecutionInput, Vec<IndicatorInput>) {
        let explanation =
            |id: Option<&IndicatorId>| self.deviation(scope, id).map(|d| d.explanation.clone());
        let execution = ExecutionInput {
            initial_yuan: measure::initial_budget_yuan(self, scope),
            adjusted_yuan: measure::adjusted_budget_yuan(self, scope, as_of).0,
            executed_yuan: measure::paid_net_yuan(self, scope, as_of),
            explanation: explanation(None),
        };
        let inputs = self
            .indicators_as_of(Some(scope), as_of)
            .into_iter()
            .map(|(s, ind)| IndicatorInput {
                actual: self.actual_for_scoring(&s, &ind, as_of),
                explanation: explanation(Some(&ind.id)),
                indicator: ind,
            })
            .collect();
        let kind = match scope {
            Scope::Unit => EvaluationKind::Unit,
            Scope::Project(_) => EvaluationKind::Project,
        };
        (kind, execution, inputs)
    }

    /// The self-evaluation of a scope as of a date (everything recorded when None).
    pub fn evaluation(
        &self,
        scope: &Scope,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Result<Evaluation, EvaluationError> {
        let (kind, execution, inputs) = self.evaluation_inputs(scope, as_of);
        evaluation::evaluate(kind, &execution, &inputs, profile)
    }

    /// 项目支出绩效自评 of one project.
    pub fn project_evaluation(
        &self,
        code: &ProjectCode,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Result<Evaluation, EvaluationError> {
        self.evaluation(&Scope::Project(code.clone()), as_of, profile)
    }

    /// 部门整体支出绩效自评.
    pub fn unit_evaluation(
        &self,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Result<Evaluation, EvaluationError> {
        self.evaluation(&Scope::Unit, as_of, profile)
    }

    /// The weight (分值) of an indicator under the profile: its weight in the scope's
    /// evaluation with every grade left out (a weight never depends on a grade).
    pub fn indicator_weight(
        &self,
        scope: &Scope,
        id: &IndicatorId,
        profile: &ScoringProfile,
    ) -> Option<Decimal> {
        self.weights_of(scope, None, profile)
            .into_iter()
            .find(|(i, _)| i == id)
            .map(|(_, w)| w)
    }

    /// The weight (分值) of every indicator of a scope under the profile, with every grade left
    /// out (empty when the scope cannot be weighed at all).
    fn weights_of(
        &self,
        scope: &Scope,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Vec<(IndicatorId, Decimal)> {
        let (kind, execution, mut inputs) = self.evaluation_inputs(scope, as_of);
        for input in &mut inputs {
            if matches!(input.actual, Actual::Assessed { .. }) {
                input.actual = Actual::Missing;
            }
        }
        evaluation::evaluate(kind, &execution, &inputs, profile)
            .map(|e| e.indicators.into_iter().map(|r| (r.id, r.weight)).collect())
            .unwrap_or_default()
    }

    /// Where an assessment's score lies in its grade's band under `profile` (the weight that
    /// profile gives the indicator); None without a grade or a score, or with no weight.
    pub fn band_position_of(
        &self,
        e: &crate::event::IndicatorAssessed,
        profile: &ScoringProfile,
    ) -> Option<Decimal> {
        let (grade, score) = (e.grade?, e.score?);
        let weight = self.indicator_weight(&e.scope, &e.indicator_id, profile)?;
        evaluation::rules::band_position(weight, grade, score, profile)
    }

    /// How an item still needing 偏差原因分析 is named for people: the scope and the row
    /// ("部门整体：预算执行率（资金执行）" for the execution row, the indicator's name otherwise).
    pub fn deviation_item_label(&self, scope: &Scope, item: &DeviationItem) -> String {
        deviation_label(self, scope, item)
    }

    /// Every scope's self-evaluation as it would be submitted on `as_of` under `profile`, in
    /// scope order (the unit first): the scores a submission records and a recheck compares.
    pub fn submitted_evaluations(
        &self,
        profile: &ScoringProfile,
        as_of: NaiveDate,
    ) -> Result<Vec<crate::event::SubmittedEvaluation>, super::DomainError> {
        Ok(self
            .evaluations_for_submission(profile, as_of)?
            .into_iter()
            .map(|(scope, e)| e.as_submitted(scope))
            .collect())
    }

    /// (weight, projected score) of every indicator of every scope that can be evaluated.
    fn projected_scores(
        &self,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> BTreeMap<(Scope, IndicatorId), (Decimal, Option<Decimal>)> {
        let mut out = BTreeMap::new();
        for scope in self.target_scopes() {
            match self.evaluation(scope, as_of, profile) {
                Ok(e) => {
                    for r in e.indicators {
                        out.insert((scope.clone(), r.id), (r.weight, Some(r.score)));
                    }
                }
                // A scope that cannot be scored still shows each indicator's weight (a weight
                // never depends on a grade): no projected score, never a silent weight 0.
                Err(_) => {
                    for (id, weight) in self.weights_of(scope, as_of, profile) {
                        out.insert((scope.clone(), id), (weight, None));
                    }
                }
            }
        }
        out
    }

    /// Evaluate every scope with targets for submission: (scope, evaluation) in scope order.
    pub(crate) fn evaluations_for_submission(
        &self,
        profile: &ScoringProfile,
        as_of: NaiveDate,
    ) -> Result<Vec<(Scope, Evaluation)>, super::DomainError> {
        self.target_scopes()
            .map(|s| {
                self.evaluation(s, Some(as_of), profile)
                    .map(|e| (s.clone(), e))
                    .map_err(|err| super::DomainError::EvaluationFailed {
                        scope: super::error::scope_label(s),
                        message: err.to_string(),
                    })
            })
            .collect()
    }
}

/// How a ratio with a positive numerator over a zero denominator (三公 spending with no 三公
/// budget) is scored: as this percentage, far above any target, so a ≤ target scores ~0 and
/// a ≥ target is met (and flagged over-achieved for review).
pub const UNBOUNDED_PERCENT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// The label of an unexplained deviation in a refusal message.
pub(crate) fn deviation_label(year: &UnitYear, scope: &Scope, item: &DeviationItem) -> String {
    let scope_name = super::error::scope_label(scope);
    match item {
        DeviationItem::ExecutionRate => {
            format!("{scope_name}：{}", evaluation::EXECUTION_ROW_ZH)
        }
        DeviationItem::Indicator(id) => {
            let name = year
                .targets(scope)
                .and_then(|t| t.indicator(id))
                .map_or_else(|| id.0.clone(), |i| i.indicator.name.clone());
            format!("{scope_name}：{name}")
        }
    }
}

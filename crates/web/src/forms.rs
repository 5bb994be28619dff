//! Forms: what a person typed, read field by field into typed values with a Chinese message
//! beside each field that cannot be read, and the application's refusals mapped back onto the
//! fields they name. A form re-renders with the values as entered; its hidden event id (made
//! when the form was first shown) makes a double submit a harmless replay.

use chrono::NaiveDate;
use jixiao_app::AppError;
use jixiao_domain::money::Yuan;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Longest text accepted in one form field, in characters.
pub const MAX_FIELD_CHARS: usize = 2_000;

/// One form as shown: its values, the error beside each field, and a summary above it.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    /// The message above the form (what the application said), if any.
    pub summary: Option<String>,
}

impl FormState {
    /// A fresh form with a new event id.
    pub fn fresh() -> Self {
        let mut form = FormState::default();
        form.set("event_id", Uuid::new_v4().to_string());
        form
    }

    /// A fresh form with some values filled in.
    pub fn with(values: &[(&str, String)]) -> Self {
        let mut form = FormState::fresh();
        for (k, v) in values {
            form.set(k, v.clone());
        }
        form
    }

    /// The form as submitted (the CSRF token left out: it is never echoed).
    pub fn submitted(values: HashMap<String, String>) -> Self {
        FormState {
            values: values
                .into_iter()
                .filter(|(k, _)| k != "csrf")
                .map(|(k, v)| (k, v.chars().take(MAX_FIELD_CHARS).collect()))
                .collect(),
            ..FormState::default()
        }
    }

    /// Sets a value.
    pub fn set(&mut self, name: &str, value: String) {
        self.values.insert(name.to_string(), value);
    }

    /// The value of a field as entered ("" when absent).
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// Whether the select option `value` of field `name` is the chosen one.
    pub fn selected(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }

    /// The error beside a field, if any.
    pub fn e(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    /// Whether any field or the form has an error.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.summary.is_some()
    }

    /// Puts an error beside a field (the first one stays).
    pub fn error(&mut self, name: &str, message: impl Into<String>) {
        self.errors
            .entry(name.to_string())
            .or_insert_with(|| message.into());
    }

    /// The application's refusal: each field error beside its field (or in the summary when the
    /// form has no such field), the detail above the form.
    pub fn refused(&mut self, e: &AppError) {
        for f in &e.errors {
            let name = field_key(&f.field);
            if self.values.contains_key(&name) {
                self.error(&name, f.message_zh.clone());
            }
        }
        self.summary = Some(e.detail.clone());
    }

    /// A required text field, trimmed.
    pub fn text(&mut self, name: &str, label: &str) -> Option<String> {
        let value = self.v(name).trim().to_string();
        if value.is_empty() {
            self.error(name, format!("请填写{label}"));
            return None;
        }
        Some(value)
    }

    /// An optional text field, trimmed (None when empty).
    pub fn optional_text(&self, name: &str) -> Option<String> {
        let value = self.v(name).trim();
        (!value.is_empty()).then(|| value.to_string())
    }

    /// A required date (YYYY-MM-DD).
    pub fn date(&mut self, name: &str, label: &str) -> Option<NaiveDate> {
        let text = self.v(name).trim().to_string();
        if text.is_empty() {
            self.error(name, format!("请填写{label}"));
            return None;
        }
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(
                    name,
                    format!("{label}“{text}”不是有效日期，应为 年-月-日，如 2024-03-15"),
                );
                None
            }
        }
    }

    /// A required whole number ≥ 0.
    pub fn count(&mut self, name: &str, label: &str) -> Option<u32> {
        let text = self.v(name).trim().to_string();
        if text.is_empty() {
            self.error(name, format!("请填写{label}"));
            return None;
        }
        match text.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(name, format!("{label}“{text}”应为不小于 0 的整数"));
                None
            }
        }
    }

    /// A required amount in 元 (at most 2 decimals, "1,234.50" accepted).
    pub fn yuan(&mut self, name: &str, label: &str) -> Option<Yuan> {
        let text = self.v(name).trim().to_string();
        if text.is_empty() {
            self.error(name, format!("请填写{label}"));
            return None;
        }
        match Yuan::parse_yuan(&text) {
            Ok(y) => Some(y),
            Err(e) => {
                self.error(name, format!("{label}有误：{e}"));
                None
            }
        }
    }

    /// A required id chosen from a list (a hidden or select value).
    pub fn uuid(&mut self, name: &str, label: &str) -> Option<Uuid> {
        match Uuid::parse_str(self.v(name).trim()) {
            Ok(id) => Some(id),
            Err(_) => {
                self.error(name, format!("请选择{label}"));
                None
            }
        }
    }

    /// The form's event id (made when it was shown); a form without one is refused.
    pub fn event_id(&mut self) -> Option<Uuid> {
        match Uuid::parse_str(self.v("event_id").trim()) {
            Ok(id) => Some(id),
            Err(_) => {
                self.summary = Some("表单缺少编号，请刷新页面后重新填写。".to_string());
                None
            }
        }
    }
}

/// The form key of an application field name: `amount_yuan` stays, a row's field
/// `rows[3].explanation` becomes `explanation_3` (how forms with rows name their fields).
pub fn field_key(field: &str) -> String {
    let last = field.rsplit('.').next().unwrap_or(field);
    let row = field
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(n, _)| n)
        .filter(|n| n.parse::<usize>().is_ok());
    match row {
        Some(n) if last != field => format!("{last}_{n}"),
        _ => last.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jixiao_app::FieldError;

    fn form(pairs: &[(&str, &str)]) -> FormState {
        FormState::submitted(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn an_unreadable_field_gets_a_chinese_message_beside_it_and_keeps_its_value() {
        let mut f = form(&[("held_on", "2024-13-01"), ("invited", "十"), ("csrf", "x")]);
        assert_eq!(f.date("held_on", "活动日期"), None);
        assert_eq!(f.count("invited", "邀请人数"), None);
        assert!(f.e("held_on").unwrap().contains("不是有效日期"));
        assert!(f.e("invited").unwrap().contains("整数"));
        assert_eq!(f.v("invited"), "十");
        assert_eq!(f.v("csrf"), "", "the CSRF token is never echoed");
    }

    #[test]
    fn an_amount_with_more_than_two_decimals_is_refused_not_rounded() {
        let mut f = form(&[("amount_yuan", "12.345")]);
        assert_eq!(f.yuan("amount_yuan", "金额"), None);
        assert!(f.e("amount_yuan").is_some());
        let mut ok = form(&[("amount_yuan", "1,234.50")]);
        assert_eq!(
            ok.yuan("amount_yuan", "金额").unwrap().to_string(),
            "1234.50"
        );
    }

    #[test]
    fn the_applications_field_errors_land_beside_the_fields_they_name() {
        let mut f = form(&[("participants", "30"), ("invited", "20")]);
        let refusal = AppError::rejected(
            "participants_exceed_invited",
            "参加人数 30 超过邀请人数 20",
            vec![FieldError::new(
                "participants",
                "参加人数不能超过邀请人数",
                "too many",
            )],
        );
        f.refused(&refusal);
        assert_eq!(f.e("participants"), Some("参加人数不能超过邀请人数"));
        assert_eq!(f.e("invited"), None);
        assert!(f.summary.as_deref().unwrap().contains("超过邀请人数"));
    }

    #[test]
    fn a_rows_field_is_named_by_its_row_in_the_form() {
        assert_eq!(field_key("rows[3].explanation"), "explanation_3");
        assert_eq!(field_key("amount_yuan"), "amount_yuan");
        assert_eq!(field_key("budget.line_id"), "line_id");
    }

    #[test]
    fn a_fresh_form_carries_a_new_event_id_each_time() {
        let (a, b) = (FormState::fresh(), FormState::fresh());
        assert_ne!(a.v("event_id"), b.v("event_id"));
        assert!(Uuid::parse_str(a.v("event_id")).is_ok());
    }
}

//! Classification codes: 功能分类 (7-digit 类款项), 部门预算支出经济分类 (5-digit 类款), and the
//! 政府预算支出经济分类 each 部门 code maps to; 三公经费 and 机关运行经费 membership.
//!
//! CONTRACT (filled in by the domain-foundation work): the public types and signatures below
//! are what other modules rely on; keep them, add what is missing.

use serde::{Deserialize, Serialize};

/// Why a text is not a valid classification code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// 功能分类 must be 7 digits (类3 款2 项2).
    #[error("功能分类科目编码“{0}”应为7位数字（类3位、款2位、项2位） (function code must be 7 digits)")]
    BadFunctionCode(String),
    /// 经济分类 must be 5 digits (类3 款2).
    #[error("经济分类科目编码“{0}”应为5位数字（类3位、款2位） (economic code must be 5 digits)")]
    BadEconomicCode(String),
}

/// 功能分类科目 (e.g. 2060401 机构运行). Accepts "2060401" or "206 04 01".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FunctionCode(String);

/// 部门预算支出经济分类科目 (e.g. 30201 办公费). Accepts "30201" or "302 01".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EconomicCode(String);

/// 政府预算支出经济分类科目 (e.g. 50501 工资福利支出).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GovEconomicCode(pub String);

/// What kind of budget unit: decides the 政府经济分类 mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 行政单位 (机关): maps to 501/502/503/509.
    Administrative,
    /// 事业单位: maps to 505/506/509.
    #[default]
    Institution,
}

fn digits_only(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

impl FunctionCode {
    /// Parse "2060401" or "206 04 01".
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let d = digits_only(text);
        if d.len() == 7 && d.chars().all(|c| c.is_ascii_digit()) {
            Ok(FunctionCode(d))
        } else {
            Err(CodeError::BadFunctionCode(text.to_string()))
        }
    }
    /// The 7 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// 类 (3 digits).
    pub fn class(&self) -> &str {
        &self.0[..3]
    }
    /// 款 (类+款, 5 digits).
    pub fn section(&self) -> &str {
        &self.0[..5]
    }
}

impl EconomicCode {
    /// Parse "30201" or "302 01".
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let d = digits_only(text);
        if d.len() == 5 && d.chars().all(|c| c.is_ascii_digit()) {
            Ok(EconomicCode(d))
        } else {
            Err(CodeError::BadEconomicCode(text.to_string()))
        }
    }
    /// The 5 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// 类 (3 digits: 301 工资福利支出, 302 商品和服务支出, 303 对个人和家庭的补助, 310 资本性支出).
    pub fn class(&self) -> &str {
        &self.0[..3]
    }
}

impl TryFrom<String> for FunctionCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        FunctionCode::parse(&s)
    }
}
impl From<FunctionCode> for String {
    fn from(c: FunctionCode) -> String {
        c.0
    }
}
impl TryFrom<String> for EconomicCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        EconomicCode::parse(&s)
    }
}
impl From<EconomicCode> for String {
    fn from(c: EconomicCode) -> String {
        c.0
    }
}
impl std::fmt::Display for FunctionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::fmt::Display for EconomicCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

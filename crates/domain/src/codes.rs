//! Classification codes: 功能分类 (7-digit 类款项), 部门预算支出经济分类 (5-digit 类款), and the
//! 政府预算支出经济分类 each 部门 code maps to; 三公经费 and 机关运行经费 membership.
//!
//! Codes are parsed, never trusted: a [`FunctionCode`] is always 7 digits and an
//! [`EconomicCode`] always 5. Names come from built-in tables of the common 科目 (every code
//! the 焦作 2024 disclosure uses, and the usual neighbours); a well-formed code that is not in
//! the tables is still valid, it just has no name (`name()` returns `None`) — the 科目 list
//! changes a little every year and an unknown code must not block an import.
//!
//! The 部门 → 政府 economic mapping follows the published correspondence table of the two
//! economic classifications (两套支出经济分类科目对照表, 财预〔2017〕98号, in force since 2018);
//! see [`EconomicCode::gov_code`] for the exact rules and where we simplified.

use serde::{Deserialize, Serialize};

/// Why a text is not a valid classification code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// 功能分类 must be 7 digits (类3 款2 项2).
    #[error(
        "功能分类科目编码“{0}”应为7位数字（类3位、款2位、项2位） (function code must be 7 digits)"
    )]
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

/// Look a code up in a table sorted by code (checked by a test).
fn lookup(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| table[i].1)
}

/// 功能分类 类 (3 digits), as in the 2024 政府收支分类科目.
const FUNCTION_CLASS_NAMES: &[(&str, &str)] = &[
    ("201", "一般公共服务支出"),
    ("202", "外交支出"),
    ("203", "国防支出"),
    ("204", "公共安全支出"),
    ("205", "教育支出"),
    ("206", "科学技术支出"),
    ("207", "文化旅游体育与传媒支出"),
    ("208", "社会保障和就业支出"),
    ("209", "社会保险基金支出"),
    ("210", "卫生健康支出"),
    ("211", "节能环保支出"),
    ("212", "城乡社区支出"),
    ("213", "农林水支出"),
    ("214", "交通运输支出"),
    ("215", "资源勘探工业信息等支出"),
    ("216", "商业服务业等支出"),
    ("217", "金融支出"),
    ("219", "援助其他地区支出"),
    ("220", "自然资源海洋气象等支出"),
    ("221", "住房保障支出"),
    ("222", "粮油物资储备支出"),
    ("223", "国有资本经营预算支出"),
    ("224", "灾害防治及应急管理支出"),
    ("227", "预备费"),
    ("229", "其他支出"),
    ("230", "转移性支出"),
    ("231", "债务还本支出"),
    ("232", "债务付息支出"),
    ("233", "债务发行费用支出"),
    ("234", "抗疫特别国债安排的支出"),
];

/// 功能分类 款 (5 digits): the sections the common 项 below belong to.
const FUNCTION_SECTION_NAMES: &[(&str, &str)] = &[
    ("20101", "人大事务"),
    ("20103", "政府办公厅（室）及相关机构事务"),
    ("20106", "财政事务"),
    ("20131", "党委办公厅（室）及相关机构事务"),
    ("20132", "组织事务"),
    ("20508", "进修及培训"),
    ("20601", "科学技术管理事务"),
    ("20602", "基础研究"),
    ("20603", "应用研究"),
    ("20604", "技术研究与开发"),
    ("20605", "科技条件与服务"),
    ("20607", "科学技术普及"),
    ("20608", "科技交流与合作"),
    ("20699", "其他科学技术支出"),
    ("20805", "行政事业单位养老支出"),
    ("20899", "其他社会保障和就业支出"),
    ("21011", "行政事业单位医疗"),
    ("22102", "住房改革支出"),
];

/// 功能分类 项 (7 digits): every code of the 焦作 2024 disclosure and the usual neighbours.
const FUNCTION_ITEM_NAMES: &[(&str, &str)] = &[
    ("2010101", "行政运行"),
    ("2010102", "一般行政管理事务"),
    ("2010103", "机关服务"),
    ("2010301", "行政运行"),
    ("2010302", "一般行政管理事务"),
    ("2010350", "事业运行"),
    ("2010601", "行政运行"),
    ("2013101", "行政运行"),
    ("2013102", "一般行政管理事务"),
    ("2013150", "事业运行"),
    ("2013199", "其他党委办公厅（室）及相关机构事务支出"),
    ("2013201", "行政运行"),
    ("2013202", "一般行政管理事务"),
    ("2013250", "事业运行"),
    ("2013299", "其他组织事务支出"),
    ("2050801", "教师进修"),
    ("2050802", "干部教育"),
    ("2050803", "培训支出"),
    ("2050899", "其他进修及培训"),
    ("2060101", "行政运行"),
    ("2060102", "一般行政管理事务"),
    ("2060103", "机关服务"),
    ("2060199", "其他科学技术管理事务支出"),
    ("2060201", "机构运行"),
    ("2060301", "机构运行"),
    ("2060401", "机构运行"),
    ("2060404", "科技成果转化与扩散"),
    ("2060405", "共性技术研究与开发"),
    ("2060499", "其他技术研究与开发支出"),
    ("2060501", "机构运行"),
    ("2060503", "科技条件专项"),
    ("2060599", "其他科技条件与服务支出"),
    ("2060701", "机构运行"),
    ("2060799", "其他科学技术普及支出"),
    ("2060801", "国际交流与合作"),
    ("2060802", "重大科技合作项目"),
    ("2060899", "其他科技交流与合作支出"),
    ("2069999", "其他科学技术支出"),
    ("2080501", "行政单位离退休"),
    ("2080502", "事业单位离退休"),
    ("2080503", "离退休人员管理机构"),
    ("2080505", "机关事业单位基本养老保险缴费支出"),
    ("2080506", "机关事业单位职业年金缴费支出"),
    ("2080599", "其他行政事业单位养老支出"),
    ("2101101", "行政单位医疗"),
    ("2101102", "事业单位医疗"),
    ("2101103", "公务员医疗补助"),
    ("2101199", "其他行政事业单位医疗支出"),
    ("2210201", "住房公积金"),
    ("2210202", "提租补贴"),
    ("2210203", "购房补贴"),
];

/// 部门预算支出经济分类 类 (3 digits).
const ECONOMIC_CLASS_NAMES: &[(&str, &str)] = &[
    ("301", "工资福利支出"),
    ("302", "商品和服务支出"),
    ("303", "对个人和家庭的补助"),
    ("307", "债务利息及费用支出"),
    ("309", "资本性支出（基本建设）"),
    ("310", "资本性支出"),
    ("311", "对企业补助（基本建设）"),
    ("312", "对企业补助"),
    ("313", "对社会保障基金补助"),
    ("399", "其他支出"),
];

/// 部门预算支出经济分类 款 (5 digits): the common 301/302/303/310 codes.
const ECONOMIC_NAMES: &[(&str, &str)] = &[
    ("30101", "基本工资"),
    ("30102", "津贴补贴"),
    ("30103", "奖金"),
    ("30106", "伙食补助费"),
    ("30107", "绩效工资"),
    ("30108", "机关事业单位基本养老保险缴费"),
    ("30109", "职业年金缴费"),
    ("30110", "职工基本医疗保险缴费"),
    ("30111", "公务员医疗补助缴费"),
    ("30112", "其他社会保障缴费"),
    ("30113", "住房公积金"),
    ("30114", "医疗费"),
    ("30199", "其他工资福利支出"),
    ("30201", "办公费"),
    ("30202", "印刷费"),
    ("30203", "咨询费"),
    ("30204", "手续费"),
    ("30205", "水费"),
    ("30206", "电费"),
    ("30207", "邮电费"),
    ("30208", "取暖费"),
    ("30209", "物业管理费"),
    ("30211", "差旅费"),
    ("30212", "因公出国（境）费用"),
    ("30213", "维修（护）费"),
    ("30214", "租赁费"),
    ("30215", "会议费"),
    ("30216", "培训费"),
    ("30217", "公务接待费"),
    ("30218", "专用材料费"),
    ("30224", "被装购置费"),
    ("30225", "专用燃料费"),
    ("30226", "劳务费"),
    ("30227", "委托业务费"),
    ("30228", "工会经费"),
    ("30229", "福利费"),
    ("30231", "公务用车运行维护费"),
    ("30239", "其他交通费用"),
    ("30240", "税金及附加费用"),
    ("30299", "其他商品和服务支出"),
    ("30301", "离休费"),
    ("30302", "退休费"),
    ("30303", "退职（役）费"),
    ("30304", "抚恤金"),
    ("30305", "生活补助"),
    ("30306", "救济费"),
    ("30307", "医疗费补助"),
    ("30308", "助学金"),
    ("30309", "奖励金"),
    ("30310", "个人农业生产补贴"),
    ("30311", "代缴社会保险费"),
    ("30399", "其他对个人和家庭的补助"),
    ("31001", "房屋建筑物购建"),
    ("31002", "办公设备购置"),
    ("31003", "专用设备购置"),
    ("31005", "基础设施建设"),
    ("31006", "大型修缮"),
    ("31007", "信息网络及软件购置更新"),
    ("31008", "物资储备"),
    ("31009", "土地征迁补偿和安置支出"),
    ("31010", "安置补助"),
    ("31011", "地上附着物和青苗补偿"),
    ("31012", "拆迁补偿"),
    ("31013", "公务用车购置"),
    ("31019", "其他交通工具购置"),
    ("31021", "文物和陈列品购置"),
    ("31022", "无形资产购置"),
    ("31099", "其他资本性支出"),
];

/// 政府预算支出经济分类 款 (5 digits) that [`EconomicCode::gov_code`] can produce.
const GOV_ECONOMIC_NAMES: &[(&str, &str)] = &[
    ("50101", "工资奖金津补贴"),
    ("50102", "社会保障缴费"),
    ("50103", "住房公积金"),
    ("50199", "其他工资福利支出"),
    ("50201", "办公经费"),
    ("50202", "会议费"),
    ("50203", "培训费"),
    ("50204", "专用材料购置费"),
    ("50205", "委托业务费"),
    ("50206", "公务接待费"),
    ("50207", "因公出国（境）费用"),
    ("50208", "公务用车运行维护费"),
    ("50209", "维修（护）费"),
    ("50299", "其他商品和服务支出"),
    ("50301", "房屋建筑物购建"),
    ("50302", "基础设施建设"),
    ("50303", "公务用车购置"),
    ("50305", "土地征迁补偿和安置支出"),
    ("50306", "设备购置"),
    ("50307", "大型修缮"),
    ("50399", "其他资本性支出"),
    ("50401", "房屋建筑物购建"),
    ("50402", "基础设施建设"),
    ("50403", "公务用车购置"),
    ("50404", "设备购置"),
    ("50405", "大型修缮"),
    ("50499", "其他资本性支出"),
    ("50501", "工资福利支出"),
    ("50502", "商品和服务支出"),
    ("50599", "其他对事业单位补助"),
    ("50601", "资本性支出（一）"),
    ("50602", "资本性支出（二）"),
    ("50701", "费用补贴"),
    ("50702", "利息补贴"),
    ("50799", "其他对企业补助"),
    ("50901", "社会福利和救助"),
    ("50902", "助学金"),
    ("50903", "个人农业生产补贴"),
    ("50905", "离退休费"),
    ("50999", "其他对个人和家庭补助"),
    ("51101", "国内债务付息"),
    ("59999", "其他支出"),
];

/// 政府预算支出经济分类 类 (3 digits).
const GOV_ECONOMIC_CLASS_NAMES: &[(&str, &str)] = &[
    ("501", "机关工资福利支出"),
    ("502", "机关商品和服务支出"),
    ("503", "机关资本性支出（一）"),
    ("504", "机关资本性支出（二）"),
    ("505", "对事业单位经常性补助"),
    ("506", "对事业单位资本性补助"),
    ("507", "对企业补助"),
    ("509", "对个人和家庭的补助"),
    ("511", "债务利息及费用支出"),
    ("599", "其他支出"),
];

impl FunctionCode {
    /// 科目名称 of the 项 (e.g. 2060401 → 机构运行); `None` for a code not in the built-in table.
    pub fn name(&self) -> Option<&'static str> {
        lookup(FUNCTION_ITEM_NAMES, &self.0)
    }
    /// Name of the 类 (e.g. 206 → 科学技术支出).
    pub fn class_name(&self) -> Option<&'static str> {
        lookup(FUNCTION_CLASS_NAMES, self.class())
    }
    /// Name of the 款 (e.g. 20604 → 技术研究与开发).
    pub fn section_name(&self) -> Option<&'static str> {
        lookup(FUNCTION_SECTION_NAMES, self.section())
    }
}

/// Name of a 功能分类 类 given as its 3 digits (the rows of 预算01/04), if known.
pub fn function_class_name(class: &str) -> Option<&'static str> {
    lookup(FUNCTION_CLASS_NAMES, class)
}

/// The parts of the 三公经费 as 预算09 splits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SangongPart {
    /// 因公出国（境）费 (30212).
    OverseasTravel,
    /// 公务用车购置费 (31013).
    VehiclePurchase,
    /// 公务用车运行维护费 (30231).
    VehicleOperation,
    /// 公务接待费 (30217).
    Reception,
}

impl SangongPart {
    /// Every part, in the column order of 预算09.
    pub const ALL: [SangongPart; 4] = [
        SangongPart::OverseasTravel,
        SangongPart::VehiclePurchase,
        SangongPart::VehicleOperation,
        SangongPart::Reception,
    ];

    /// The published name of the part.
    pub fn name(self) -> &'static str {
        match self {
            SangongPart::OverseasTravel => "因公出国（境）费",
            SangongPart::VehiclePurchase => "公务用车购置费",
            SangongPart::VehicleOperation => "公务用车运行费",
            SangongPart::Reception => "公务接待费",
        }
    }

    /// True for the two parts the tables add up as 公务用车购置及运行费.
    pub fn is_vehicle(self) -> bool {
        matches!(
            self,
            SangongPart::VehiclePurchase | SangongPart::VehicleOperation
        )
    }
}

impl EconomicCode {
    /// 款 (the last 2 digits).
    pub fn item(&self) -> &str {
        &self.0[3..]
    }

    /// 科目名称 (e.g. 30201 → 办公费); `None` for a code not in the built-in table.
    pub fn name(&self) -> Option<&'static str> {
        lookup(ECONOMIC_NAMES, &self.0)
    }

    /// Name of the 类 (e.g. 302 → 商品和服务支出).
    pub fn class_name(&self) -> Option<&'static str> {
        lookup(ECONOMIC_CLASS_NAMES, self.class())
    }

    /// The 政府预算支出经济分类 code this 部门 code maps to for a unit of the given kind.
    ///
    /// 事业单位 (as the 焦作 disclosure's 预算06/08 show): 301 → 50501 工资福利支出,
    /// 302 → 50502 商品和服务支出, 309 → 50601 资本性支出（一）, 310 → 50602 资本性支出（二）.
    ///
    /// 行政单位: 301 → 50101 (基本工资, 津贴补贴, 奖金, 绩效工资), 50102 (社会保障缴费
    /// 30108–30112), 50103 (住房公积金), else 50199; 302 → the 502 款 the correspondence table
    /// gives (会议费 50202, 培训费 50203, 专用材料 50204, 委托业务 50205, 公务接待 50206,
    /// 因公出国 50207, 公务用车运行维护 50208, 维修（护） 50209, 其他商品和服务 50299, the
    /// office-running rest 50201 办公经费); 309 → 503xx and 310 → 504xx by the kind of asset.
    ///
    /// Both kinds: 303 → 509 (离休/退休/退职 50905, 抚恤/生活补助/救济/医疗费补助 50901,
    /// 助学金 50902, 个人农业生产补贴 50903, else 50999); 307 → 51101; 312 → 50799; anything
    /// else → 59999 其他支出. Uncommon 款 fall back to the class's "其他" code rather than
    /// failing: the mapping is used for display and cross-checks, never to reject spending.
    pub fn gov_code(&self, kind: UnitKind) -> GovEconomicCode {
        let code = match (self.class(), kind) {
            ("301", UnitKind::Institution) => "50501",
            ("302", UnitKind::Institution) => "50502",
            ("309", UnitKind::Institution) => "50601",
            ("310", UnitKind::Institution) => "50602",
            ("301", UnitKind::Administrative) => match self.item() {
                "01" | "02" | "03" | "07" => "50101",
                "08" | "09" | "10" | "11" | "12" => "50102",
                "13" => "50103",
                _ => "50199",
            },
            ("302", UnitKind::Administrative) => match self.item() {
                "15" => "50202",
                "16" => "50203",
                "18" | "24" | "25" => "50204",
                "03" | "26" | "27" => "50205",
                "17" => "50206",
                "12" => "50207",
                "31" => "50208",
                "13" => "50209",
                "01" | "02" | "04" | "05" | "06" | "07" | "08" | "09" | "11" | "14" | "28"
                | "29" | "39" | "40" => "50201",
                _ => "50299",
            },
            ("309", UnitKind::Administrative) => match self.item() {
                "01" => "50301",
                "05" => "50302",
                "13" => "50303",
                "02" | "03" | "07" => "50306",
                "06" => "50307",
                "09" | "10" | "11" | "12" => "50305",
                _ => "50399",
            },
            ("310", UnitKind::Administrative) => match self.item() {
                "01" => "50401",
                "05" => "50402",
                "13" => "50403",
                "02" | "03" | "07" => "50404",
                "06" => "50405",
                _ => "50499",
            },
            ("303", _) => match self.item() {
                "01" | "02" | "03" => "50905",
                "04" | "05" | "06" | "07" => "50901",
                "08" => "50902",
                "10" => "50903",
                _ => "50999",
            },
            ("307", _) => "51101",
            ("312", _) => "50799",
            _ => "59999",
        };
        GovEconomicCode(code.to_string())
    }

    /// True for the 三公经费 codes: 30212 因公出国（境）, 31013 公务用车购置, 30231 公务用车
    /// 运行维护, 30217 公务接待.
    pub fn is_sangong(&self) -> bool {
        self.sangong_part().is_some()
    }

    /// Which part of the 三公经费 this code is, if any.
    pub fn sangong_part(&self) -> Option<SangongPart> {
        match self.as_str() {
            "30212" => Some(SangongPart::OverseasTravel),
            "31013" => Some(SangongPart::VehiclePurchase),
            "30231" => Some(SangongPart::VehicleOperation),
            "30217" => Some(SangongPart::Reception),
            _ => None,
        }
    }

    /// True for the 公用经费 codes counted as 机关（机构）运行经费 (预算13) when spent under
    /// 基本支出: 办公 30201, 印刷 30202, 水 30205, 电 30206, 邮电 30207, 取暖 30208, 物业
    /// 30209, 差旅 30211, 维修（护） 30213, 租赁 30214, 会议 30215, 培训 30216, 公务用车运行
    /// 维护 30231 — the definition's "办公费、水电费、物业费、维修费、差旅费、公务用车运行维护费".
    ///
    /// Not 30228 工会经费 nor 30229 福利费: they are 公用经费 paid to staff bodies, not running
    /// the office, and the 焦作 disclosure confirms it — 公用 2.78 − 0.56 − 0.70 = 1.52 in 预算13.
    /// Whether a line is 基本支出 is the caller's concern (project spending is never 运行经费).
    pub fn is_running_cost(&self) -> bool {
        matches!(
            self.as_str(),
            "30201"
                | "30202"
                | "30205"
                | "30206"
                | "30207"
                | "30208"
                | "30209"
                | "30211"
                | "30213"
                | "30214"
                | "30215"
                | "30216"
                | "30231"
        )
    }
}

impl GovEconomicCode {
    /// 科目名称 (e.g. 50501 → 工资福利支出); `None` for a code not in the built-in table.
    pub fn name(&self) -> Option<&'static str> {
        lookup(GOV_ECONOMIC_NAMES, &self.0)
    }

    /// Name of the 类 (e.g. 505 → 对事业单位经常性补助).
    pub fn class_name(&self) -> Option<&'static str> {
        self.0
            .get(..3)
            .and_then(|class| lookup(GOV_ECONOMIC_CLASS_NAMES, class))
    }

    /// The 5 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for GovEconomicCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl UnitKind {
    /// "事业单位" or "行政单位".
    pub fn name(self) -> &'static str {
        match self {
            UnitKind::Administrative => "行政单位",
            UnitKind::Institution => "事业单位",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn econ(code: &str) -> EconomicCode {
        EconomicCode::parse(code).unwrap()
    }

    fn func(code: &str) -> FunctionCode {
        FunctionCode::parse(code).unwrap()
    }

    #[test]
    fn codes_are_accepted_with_or_without_the_published_spaces() {
        assert_eq!(func("206 04 01"), func("2060401"));
        assert_eq!(econ("302 01"), econ("30201"));
        assert_eq!(func("206 04 01").section(), "20604");
        assert_eq!(econ("30201").class(), "302");
        assert_eq!(econ("30201").item(), "01");
    }

    #[test]
    fn malformed_codes_are_rejected_with_the_text_in_the_message() {
        for bad in ["206040", "20604011", "20604a1", ""] {
            let err = FunctionCode::parse(bad).unwrap_err();
            assert_eq!(err, CodeError::BadFunctionCode(bad.to_string()));
        }
        let err = EconomicCode::parse("3020").unwrap_err();
        assert!(err.to_string().contains("3020"), "{err}");
        assert!(EconomicCode::parse("302011").is_err());
    }

    #[test]
    fn every_code_of_the_seed_disclosure_has_its_published_name() {
        // (code, name) exactly as printed in 预算03/05 and 预算06/08/13 of the 焦作 2024 disclosure.
        let functions = [
            ("2050803", "培训支出"),
            ("2060401", "机构运行"),
            ("2080505", "机关事业单位基本养老保险缴费支出"),
            ("2101102", "事业单位医疗"),
            ("2101103", "公务员医疗补助"),
            ("2210201", "住房公积金"),
        ];
        for (code, name) in functions {
            assert_eq!(func(code).name(), Some(name), "{code}");
        }
        let economics = [
            ("30101", "基本工资"),
            ("30102", "津贴补贴"),
            ("30103", "奖金"),
            ("30107", "绩效工资"),
            ("30108", "机关事业单位基本养老保险缴费"),
            ("30110", "职工基本医疗保险缴费"),
            ("30111", "公务员医疗补助缴费"),
            ("30112", "其他社会保障缴费"),
            ("30113", "住房公积金"),
            ("30201", "办公费"),
            ("30205", "水费"),
            ("30206", "电费"),
            ("30207", "邮电费"),
            ("30211", "差旅费"),
            ("30216", "培训费"),
            ("30228", "工会经费"),
            ("30229", "福利费"),
        ];
        for (code, name) in economics {
            assert_eq!(econ(code).name(), Some(name), "{code}");
        }
    }

    #[test]
    fn the_domain_notes_codes_have_names() {
        for code in ["30212", "30217", "30231", "31013"] {
            assert!(econ(code).name().is_some(), "{code}");
        }
        assert_eq!(func("2060401").class_name(), Some("科学技术支出"));
        assert_eq!(func("2060401").section_name(), Some("技术研究与开发"));
        assert_eq!(function_class_name("221"), Some("住房保障支出"));
        assert_eq!(econ("30201").class_name(), Some("商品和服务支出"));
    }

    #[test]
    fn unknown_but_well_formed_codes_are_valid_and_nameless() {
        assert_eq!(func("2999999").name(), None);
        assert_eq!(econ("30298").name(), None);
        assert_eq!(econ("30298").class_name(), Some("商品和服务支出"));
    }

    #[test]
    fn name_tables_are_sorted_unique_and_well_formed() {
        // Lookups binary-search the tables: an unsorted or duplicated entry would hide names.
        let tables: [(&[(&str, &str)], usize); 7] = [
            (FUNCTION_CLASS_NAMES, 3),
            (FUNCTION_SECTION_NAMES, 5),
            (FUNCTION_ITEM_NAMES, 7),
            (ECONOMIC_CLASS_NAMES, 3),
            (ECONOMIC_NAMES, 5),
            (GOV_ECONOMIC_NAMES, 5),
            (GOV_ECONOMIC_CLASS_NAMES, 3),
        ];
        for (table, width) in tables {
            for pair in table.windows(2) {
                assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
            }
            for (code, name) in table {
                assert_eq!(code.len(), width, "{code}");
                assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
                assert!(!name.is_empty(), "{code}");
            }
        }
    }

    #[test]
    fn an_institution_maps_to_the_505_codes_the_disclosure_prints() {
        // 预算06/08 of the 焦作 disclosure: every 301 code → 50501, every 302 code → 50502.
        for code in ["30101", "30103", "30108", "30113"] {
            let gov = econ(code).gov_code(UnitKind::Institution);
            assert_eq!(gov.as_str(), "50501", "{code}");
            assert_eq!(gov.name(), Some("工资福利支出"));
        }
        for code in ["30201", "30216", "30228", "30229"] {
            let gov = econ(code).gov_code(UnitKind::Institution);
            assert_eq!(gov.as_str(), "50502", "{code}");
            assert_eq!(gov.name(), Some("商品和服务支出"));
        }
        assert_eq!(
            econ("30302").gov_code(UnitKind::Institution).as_str(),
            "50905"
        );
        assert_eq!(
            econ("30305").gov_code(UnitKind::Institution).as_str(),
            "50901"
        );
        assert_eq!(
            econ("31002").gov_code(UnitKind::Institution).as_str(),
            "50602"
        );
        assert_eq!(
            econ("30101").gov_code(UnitKind::Institution).class_name(),
            Some("对事业单位经常性补助")
        );
    }

    #[test]
    fn an_administrative_unit_maps_to_the_501_502_503_504_509_codes() {
        let cases = [
            ("30101", "50101"),
            ("30107", "50101"),
            ("30108", "50102"),
            ("30113", "50103"),
            ("30199", "50199"),
            ("30201", "50201"),
            ("30228", "50201"),
            ("30215", "50202"),
            ("30216", "50203"),
            ("30227", "50205"),
            ("30217", "50206"),
            ("30212", "50207"),
            ("30231", "50208"),
            ("30213", "50209"),
            ("30299", "50299"),
            ("30302", "50905"),
            ("31013", "50403"),
            ("31002", "50404"),
            ("31099", "50499"),
        ];
        for (code, gov) in cases {
            let mapped = econ(code).gov_code(UnitKind::Administrative);
            assert_eq!(mapped.as_str(), gov, "{code}");
            assert!(mapped.name().is_some(), "{gov} has a name");
        }
    }

    #[test]
    fn every_common_code_maps_to_a_named_government_code() {
        for kind in [UnitKind::Institution, UnitKind::Administrative] {
            for (code, _) in ECONOMIC_NAMES {
                let gov = econ(code).gov_code(kind);
                assert!(gov.name().is_some(), "{code} → {gov} ({kind:?})");
                assert!(gov.class_name().is_some(), "{code} → {gov} ({kind:?})");
            }
        }
    }

    #[test]
    fn the_four_sangong_codes_are_sangong_and_nothing_else_is() {
        assert_eq!(
            econ("30212").sangong_part(),
            Some(SangongPart::OverseasTravel)
        );
        assert_eq!(
            econ("31013").sangong_part(),
            Some(SangongPart::VehiclePurchase)
        );
        assert_eq!(
            econ("30231").sangong_part(),
            Some(SangongPart::VehicleOperation)
        );
        assert_eq!(econ("30217").sangong_part(), Some(SangongPart::Reception));
        let sangong: Vec<&str> = ECONOMIC_NAMES
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| econ(c).is_sangong())
            .collect();
        assert_eq!(sangong, ["30212", "30217", "30231", "31013"]);
        assert!(SangongPart::VehiclePurchase.is_vehicle());
        assert!(!SangongPart::Reception.is_vehicle());
    }

    #[test]
    fn running_cost_excludes_union_and_welfare_funds_as_the_disclosure_does() {
        // 预算06 公用经费 lines of the 焦作 disclosure (万元 × 100) and 预算13's total 1.52.
        let public_lines = [
            ("30216", 26),
            ("30206", 12),
            ("30211", 41),
            ("30201", 30),
            ("30207", 8),
            ("30205", 35),
            ("30228", 56),
            ("30229", 70),
        ];
        let running: i64 = public_lines
            .iter()
            .filter(|(c, _)| econ(c).is_running_cost())
            .map(|(_, cents)| cents)
            .sum();
        assert_eq!(running, 152);
        assert!(!econ("30228").is_running_cost());
        assert!(!econ("30229").is_running_cost());
        assert!(econ("30231").is_running_cost());
        assert!(!econ("30101").is_running_cost());
    }
}

//! The public holidays that 全国年节及纪念日放假办法 itself fixes (国务院令第795号, in force from
//! 2025), computed for any year: what a year's calendar provisionally is before the State
//! Council General Office announces its adjusted working days (调休).
//!
//! The lunar holidays follow the rules of GB/T 33661-2017 (农历的编算和颁行): a month begins on
//! the Beijing date of a new moon; the month holding the winter solstice is the eleventh; when
//! twelve months do not reach the next eleventh, the first month holding no principal solar
//! term (中气) is a leap month and repeats the number before it.

use super::astronomy::{beijing_date, julian_day, lunation_before, new_moon, solar_term_in};
use jiff::ToSpan;
use jiff::civil::Date;

/// The document the statutory holidays come from.
pub const SOURCE: &str = "全国年节及纪念日放假办法（国务院令第795号）";

/// The Gregorian dates of a lunar year's festivals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarFestivals {
    /// 春节: the first day of the first month.
    pub spring_festival: Date,
    /// 端午: the fifth day of the fifth month.
    pub dragon_boat: Date,
    /// 中秋: the fifteenth day of the eighth month.
    pub mid_autumn: Date,
}

/// A month of the Chinese calendar: its first day and number, leap or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LunarMonth {
    first: Date,
    number: u8,
    leap: bool,
}

/// The Beijing date of the winter solstice of Gregorian `year` (in December).
fn winter_solstice(year: i16) -> Date {
    beijing_date(solar_term_in(year, 270.0))
}

/// The first day of the lunar month that holds `date`, and its lunation index.
fn month_holding(date: Date) -> (f64, Date) {
    let jd = julian_day(date);
    // The true new moon strays up to about 14 hours from the mean one: start two ahead.
    let mut k = lunation_before(jd) + 2.0;
    while beijing_date(new_moon(k)) > date {
        k -= 1.0;
    }
    (k, beijing_date(new_moon(k)))
}

/// The months from the eleventh month of `year − 1` (the one holding that December's winter
/// solstice) up to, not including, the eleventh month of `year`, numbered.
fn months_of_sui(year: i16) -> Vec<LunarMonth> {
    let (k_start, _) = month_holding(winter_solstice(year - 1));
    let (k_end, _) = month_holding(winter_solstice(year));
    let firsts: Vec<Date> = (0..=(k_end - k_start) as i32).map(|i| beijing_date(new_moon(k_start + f64::from(i)))).collect();
    // The principal terms (中气, multiples of 30°) of the span, as Beijing dates.
    let principal: Vec<Date> = (0..12)
        .map(|i| {
            let degrees = f64::from(270 + 30 * i) % 360.0;
            // 270° is the solstice of `year − 1`; 300° to 330° fall in January–February of
            // `year`, the rest after its March equinox.
            let in_year = if i == 0 { year - 1 } else { year };
            beijing_date(solar_term_in(in_year, degrees))
        })
        .chain(std::iter::once(winter_solstice(year)))
        .collect();
    let months = firsts.len() - 1;
    let holds_principal = |i: usize| principal.iter().any(|&d| firsts[i] <= d && d < firsts[i + 1]);
    let leap_index = if months == 13 { (1..months).find(|&i| !holds_principal(i)) } else { None };
    let mut number = 11u8;
    let mut out = Vec::with_capacity(months);
    for (i, &first) in firsts.iter().take(months).enumerate() {
        let leap = Some(i) == leap_index;
        if i > 0 && !leap {
            number = number % 12 + 1;
        }
        out.push(LunarMonth { first, number, leap });
    }
    out
}

/// 春节, 端午 and 中秋 of Gregorian `year` (1901–2099).
pub fn lunar_festivals(year: i16) -> LunarFestivals {
    let months = months_of_sui(year);
    let day = |number: u8, nth: i64| {
        let month = months.iter().find(|m| m.number == number && !m.leap).expect("every sui has months 1 to 10");
        month.first.checked_add((nth - 1).days()).expect("a date in range")
    };
    LunarFestivals { spring_festival: day(1, 1), dragon_boat: day(5, 5), mid_autumn: day(8, 15) }
}

/// 清明: the Beijing date on which the Sun reaches 15°.
pub fn qingming(year: i16) -> Date {
    beijing_date(solar_term_in(year, 15.0))
}

/// The days off that 第795号令 gives in `year`, before any adjustment: 元旦 (1 day), 春节
/// (4: 除夕 and the first three days), 清明 (1), 劳动节 (2), 端午 (1), 中秋 (1), 国庆 (3), in
/// date order; a day that two festivals share is listed once, under the first.
pub fn holidays(year: i16) -> Vec<(Date, &'static str)> {
    let lunar = lunar_festivals(year);
    let after = |d: Date, n: i64| d.checked_add(n.days()).expect("a date in range");
    let gregorian = |month: i8, day: i8| Date::new(year, month, day).expect("a valid date");
    let mut days = vec![
        (gregorian(1, 1), "元旦"),
        (after(lunar.spring_festival, -1), "春节"),
        (lunar.spring_festival, "春节"),
        (after(lunar.spring_festival, 1), "春节"),
        (after(lunar.spring_festival, 2), "春节"),
        (qingming(year), "清明节"),
        (gregorian(5, 1), "劳动节"),
        (gregorian(5, 2), "劳动节"),
        (lunar.dragon_boat, "端午节"),
        (lunar.mid_autumn, "中秋节"),
        (gregorian(10, 1), "国庆节"),
        (gregorian(10, 2), "国庆节"),
        (gregorian(10, 3), "国庆节"),
    ];
    days.sort_by_key(|&(d, _)| d);
    days.dedup_by_key(|&mut (d, _)| d);
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Calendar, DayKind};
    use jiff::civil::date;

    /// 春节, 端午, 中秋 and 清明 as the State Council's notices of 2018–2026 name them.
    const NOTICED: [(i16, Date, Date, Date, Date); 9] = [
        (2018, date(2018, 2, 16), date(2018, 6, 18), date(2018, 9, 24), date(2018, 4, 5)),
        (2019, date(2019, 2, 5), date(2019, 6, 7), date(2019, 9, 13), date(2019, 4, 5)),
        (2020, date(2020, 1, 25), date(2020, 6, 25), date(2020, 10, 1), date(2020, 4, 4)),
        (2021, date(2021, 2, 12), date(2021, 6, 14), date(2021, 9, 21), date(2021, 4, 4)),
        (2022, date(2022, 2, 1), date(2022, 6, 3), date(2022, 9, 10), date(2022, 4, 5)),
        (2023, date(2023, 1, 22), date(2023, 6, 22), date(2023, 9, 29), date(2023, 4, 5)),
        (2024, date(2024, 2, 10), date(2024, 6, 10), date(2024, 9, 17), date(2024, 4, 4)),
        (2025, date(2025, 1, 29), date(2025, 5, 31), date(2025, 10, 6), date(2025, 4, 4)),
        (2026, date(2026, 2, 17), date(2026, 6, 19), date(2026, 9, 25), date(2026, 4, 5)),
    ];

    #[test]
    fn the_festivals_of_2018_to_2026_are_those_of_the_notices() {
        for (year, spring, dragon, autumn, qm) in NOTICED {
            let f = lunar_festivals(year);
            assert_eq!((f.spring_festival, f.dragon_boat, f.mid_autumn, qingming(year)), (spring, dragon, autumn, qm), "{year}");
        }
    }

    #[test]
    fn every_statutory_day_of_2025_and_2026_is_off_in_the_published_schedule() {
        let calendar = Calendar::china();
        for year in [2025, 2026] {
            let days = holidays(year);
            assert_eq!(days.len(), 13, "{year}: {days:?}");
            for (d, name) in days {
                let info = calendar.day(d);
                assert_eq!(info.kind, DayKind::Holiday, "{d} {name}");
                assert!(info.name.is_some_and(|n| n.contains(name.trim_end_matches('节'))), "{d}: {name} vs {:?}", info.name);
            }
        }
    }

    #[test]
    fn the_spring_festivals_of_the_coming_years() {
        // Hong Kong Observatory's Gregorian–lunar conversion tables; 2034 comes after the leap
        // eleventh month of 2033 (the "2033 problem").
        let expected = [
            (2027, date(2027, 2, 6)),
            (2028, date(2028, 1, 26)),
            (2029, date(2029, 2, 13)),
            (2030, date(2030, 2, 3)),
            (2031, date(2031, 1, 23)),
            (2032, date(2032, 2, 11)),
            (2033, date(2033, 1, 31)),
            (2034, date(2034, 2, 19)),
            (2035, date(2035, 2, 8)),
        ];
        for (year, spring) in expected {
            assert_eq!(lunar_festivals(year).spring_festival, spring, "{year}");
        }
    }

    #[test]
    fn the_festivals_of_2027() {
        let f = lunar_festivals(2027);
        assert_eq!((f.dragon_boat, f.mid_autumn, qingming(2027)), (date(2027, 6, 9), date(2027, 9, 15), date(2027, 4, 5)));
        let days: Vec<Date> = holidays(2027).into_iter().map(|(d, _)| d).collect();
        assert_eq!(days.first(), Some(&date(2027, 1, 1)));
        assert!(days.contains(&date(2027, 2, 5)), "除夕");
        assert!(days.contains(&date(2027, 2, 8)), "正月初三");
    }

    #[test]
    fn a_year_has_thirteen_days_off_unless_festivals_meet() {
        for year in 2025..2100 {
            let days = holidays(year);
            assert!((11..=13).contains(&days.len()), "{year}: {days:?}");
            assert!(days.windows(2).all(|w| w[0].0 < w[1].0));
            assert!(days.iter().all(|(d, _)| d.year() == year));
            let months = months_of_sui(year);
            assert!(months.len() == 12 || months.len() == 13, "{year}");
            assert_eq!(months.iter().filter(|m| m.leap).count(), months.len() - 12, "{year}");
        }
    }
}

//! The two astronomical events the Chinese calendar is made of — new moons and the Sun's
//! apparent longitude — and the Beijing date on which each falls, after Jean Meeus,
//! *Astronomical Algorithms* (2nd ed., 1998), chapters 25 and 49. Good to a minute or two for
//! 1900–2100, which is what the dates of 春节, 端午, 中秋 and 清明 need; the tests check them
//! against every State Council notice since 2018.

use jiff::ToSpan;
use jiff::civil::Date;

/// Julian Ephemeris Day (Terrestrial Time).
pub type Jde = f64;

const J2000: Jde = 2_451_545.0;
const SYNODIC_MONTH: f64 = 29.530_588_861;
const TROPICAL_YEAR: f64 = 365.242_189;

fn sin_deg(degrees: f64) -> f64 {
    degrees.to_radians().sin()
}

/// ΔT = TT − UT in seconds, by Espenak and Meeus's polynomials (NASA, 2006).
fn delta_t_seconds(year: f64) -> f64 {
    if year < 2005.0 {
        let t = year - 2000.0;
        63.86 + 0.3345 * t - 0.060374 * t.powi(2) + 0.0017275 * t.powi(3) + 0.000651814 * t.powi(4) + 0.00002373599 * t.powi(5)
    } else if year < 2050.0 {
        let t = year - 2000.0;
        62.92 + 0.32217 * t + 0.005589 * t.powi(2)
    } else {
        let u = (year - 1820.0) / 100.0;
        -20.0 + 32.0 * u.powi(2) - 0.5628 * (2150.0 - year)
    }
}

/// Julian day number of 1970-01-01 (a Julian day starts at noon).
const JDN_1970: i64 = 2_440_588;
const EPOCH_1970: Date = Date::constant(1970, 1, 1);

/// The calendar date in Beijing (UTC+8) of an instant given in TT.
pub fn beijing_date(jde: Jde) -> Date {
    let year = 2000.0 + (jde - J2000) / 365.25;
    let jd_beijing = jde - delta_t_seconds(year) / 86_400.0 + 8.0 / 24.0;
    let days = (jd_beijing + 0.5).floor() as i64 - JDN_1970;
    EPOCH_1970.checked_add(days.days()).expect("a date between 1900 and 2100")
}

/// The Julian day of `date`'s noon: the inverse of [`beijing_date`] to within a day, enough
/// to start a search for a lunation or a solar term.
pub fn julian_day(date: Date) -> f64 {
    let days = date.since(EPOCH_1970).map(|span| span.get_days()).unwrap_or(0);
    JDN_1970 as f64 + f64::from(days)
}

/// The mean new moon of lunation `k` (k = 0 is 2000-01-06) corrected by Meeus's periodic terms
/// (table 49.A, the new-moon column, and the fourteen planetary arguments).
pub fn new_moon(k: f64) -> Jde {
    let t = k / 1236.85;
    let jde = 2_451_550.097_66 + SYNODIC_MONTH * k + 0.000_154_37 * t.powi(2) - 0.000_000_150 * t.powi(3) + 0.000_000_000_73 * t.powi(4);
    let e = 1.0 - 0.002_516 * t - 0.000_007_4 * t.powi(2);
    let m = 2.5534 + 29.105_356_70 * k - 0.000_001_4 * t.powi(2) - 0.000_000_11 * t.powi(3);
    let mp = 201.5643 + 385.816_935_28 * k + 0.010_758_2 * t.powi(2) + 0.000_012_38 * t.powi(3) - 0.000_000_058 * t.powi(4);
    let f = 160.7108 + 390.670_502_84 * k - 0.001_611_8 * t.powi(2) - 0.000_002_27 * t.powi(3) + 0.000_000_011 * t.powi(4);
    let omega = 124.7746 - 1.563_755_88 * k + 0.002_067_2 * t.powi(2) + 0.000_002_15 * t.powi(3);
    let periodic = -0.40720 * sin_deg(mp)
        + 0.17241 * e * sin_deg(m)
        + 0.01608 * sin_deg(2.0 * mp)
        + 0.01039 * sin_deg(2.0 * f)
        + 0.00739 * e * sin_deg(mp - m)
        - 0.00514 * e * sin_deg(mp + m)
        + 0.00208 * e * e * sin_deg(2.0 * m)
        - 0.00111 * sin_deg(mp - 2.0 * f)
        - 0.00057 * sin_deg(mp + 2.0 * f)
        + 0.00056 * e * sin_deg(2.0 * mp + m)
        - 0.00042 * sin_deg(3.0 * mp)
        + 0.00042 * e * sin_deg(m + 2.0 * f)
        + 0.00038 * e * sin_deg(m - 2.0 * f)
        - 0.00024 * e * sin_deg(2.0 * mp - m)
        - 0.00017 * sin_deg(omega)
        - 0.00007 * sin_deg(mp + 2.0 * m)
        + 0.00004 * sin_deg(2.0 * mp - 2.0 * f)
        + 0.00004 * sin_deg(3.0 * m)
        + 0.00003 * sin_deg(mp + m - 2.0 * f)
        + 0.00003 * sin_deg(2.0 * mp + 2.0 * f)
        - 0.00003 * sin_deg(mp + m + 2.0 * f)
        + 0.00003 * sin_deg(mp - m + 2.0 * f)
        - 0.00002 * sin_deg(mp - m - 2.0 * f)
        - 0.00002 * sin_deg(3.0 * mp + m)
        + 0.00002 * sin_deg(4.0 * mp);
    let planetary: [(f64, f64, f64); 14] = [
        (0.000_325, 299.77, 0.107_408),
        (0.000_165, 251.88, 0.016_321),
        (0.000_164, 251.83, 26.651_886),
        (0.000_126, 349.42, 36.412_478),
        (0.000_110, 84.66, 18.206_239),
        (0.000_062, 141.74, 53.303_771),
        (0.000_060, 207.14, 2.453_732),
        (0.000_056, 154.84, 7.306_860),
        (0.000_047, 34.52, 27.261_239),
        (0.000_042, 207.19, 0.121_824),
        (0.000_040, 291.34, 1.844_379),
        (0.000_037, 161.72, 24.198_154),
        (0.000_035, 239.56, 25.513_099),
        (0.000_023, 331.55, 3.592_518),
    ];
    let additional: f64 = planetary
        .iter()
        .enumerate()
        .map(|(i, &(coefficient, base, rate))| {
            // A1 alone has a T² term.
            let argument = base + rate * k - if i == 0 { 0.009_173 * t.powi(2) } else { 0.0 };
            coefficient * sin_deg(argument)
        })
        .sum();
    jde + periodic + additional
}

/// The lunation index of the last new moon at or before `jde` (within a day or so: callers
/// compare the Beijing dates of neighbouring lunations).
pub fn lunation_before(jde: Jde) -> f64 {
    ((jde - 2_451_550.097_66) / SYNODIC_MONTH).floor()
}

/// The Sun's apparent geocentric longitude in degrees, [0, 360), by Meeus chapter 25 (low
/// accuracy: about 0.001°, a minute and a half of the Sun's motion).
pub fn sun_longitude(jde: Jde) -> f64 {
    let t = (jde - J2000) / 36_525.0;
    let l0 = 280.466_46 + 36_000.769_83 * t + 0.000_303_2 * t * t;
    let m = 357.529_11 + 35_999.050_29 * t - 0.000_153_7 * t * t;
    let c = (1.914_602 - 0.004_817 * t - 0.000_014 * t * t) * sin_deg(m)
        + (0.019_993 - 0.000_101 * t) * sin_deg(2.0 * m)
        + 0.000_289 * sin_deg(3.0 * m);
    let omega = 125.04 - 1_934.136 * t;
    (l0 + c - 0.005_69 - 0.004_78 * sin_deg(omega)).rem_euclid(360.0)
}

/// The instant near `guess` (within a few weeks) at which the Sun's apparent longitude is
/// `degrees`: a solar term (节气) for multiples of 15°.
pub fn solar_term(degrees: f64, guess: Jde) -> Jde {
    let mut jde = guess;
    for _ in 0..50 {
        // The signed angle still to go, in (−180°, 180°].
        let behind = (degrees - sun_longitude(jde) + 180.0).rem_euclid(360.0) - 180.0;
        if behind.abs() < 1e-7 {
            break;
        }
        jde += behind * TROPICAL_YEAR / 360.0;
    }
    jde
}

/// A first guess at the instant of longitude `degrees` in Gregorian `year`: the mean Sun,
/// measured from the March equinox.
pub fn solar_term_in(year: i16, degrees: f64) -> Jde {
    let march_equinox = 2_451_623.809_84 + TROPICAL_YEAR * f64::from(year - 2000);
    let guess = march_equinox + degrees.rem_euclid(360.0) / 360.0 * TROPICAL_YEAR;
    // Longitudes of 0°–270° fall after the equinox of `year`, 285°–345° in January–March of
    // the same year, before it.
    let guess = if degrees.rem_euclid(360.0) > 280.0 { guess - TROPICAL_YEAR } else { guess };
    solar_term(degrees, guess)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn meeus_example_49a_the_new_moon_of_february_1977() {
        // JDE 2443192.65118 = 1977-02-18 03:37:42 TD.
        assert!((new_moon(-283.0) - 2_443_192.651_18).abs() < 0.000_02);
    }

    #[test]
    fn meeus_example_25a_the_sun_on_1992_october_13() {
        // Apparent longitude 199°.90895 by the same method (199°.90988 by VSOP87).
        assert!((sun_longitude(2_448_908.5) - 199.908_95).abs() < 0.000_1);
    }

    #[test]
    fn solstices_and_equinoxes_fall_on_their_published_beijing_dates() {
        // Purple Mountain Observatory's almanac dates (Beijing time).
        let cases = [
            (2024, 270.0, date(2024, 12, 21)),
            (2025, 0.0, date(2025, 3, 20)),
            (2025, 90.0, date(2025, 6, 21)),
            (2026, 15.0, date(2026, 4, 5)),
            (2027, 15.0, date(2027, 4, 5)),
            (2028, 15.0, date(2028, 4, 4)),
            (2026, 270.0, date(2026, 12, 22)),
        ];
        for (year, degrees, expected) in cases {
            assert_eq!(beijing_date(solar_term_in(year, degrees)), expected, "{year} {degrees}°");
        }
    }

    #[test]
    fn new_moons_follow_each_other_by_29_to_30_days() {
        for k in -300..1300 {
            let gap = new_moon(f64::from(k + 1)) - new_moon(f64::from(k));
            assert!((29.2..29.9).contains(&gap), "lunation {k}: {gap}");
        }
    }
}

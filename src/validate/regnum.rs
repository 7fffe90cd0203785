//! Check digits of registration numbers: Russian ИНН and ОГРН, Kazakh БИН.
//! Each function returns `Err` with a sentence saying what is wrong.

fn digits(s: &str, what: &str, lens: &[usize]) -> Result<Vec<u32>, String> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} «{s}» must consist of digits only"));
    }
    if !lens.contains(&s.len()) {
        let lens: Vec<String> = lens.iter().map(usize::to_string).collect();
        return Err(format!(
            "{what} «{s}» has {} digits; it must have {}",
            s.len(),
            lens.join(" or ")
        ));
    }
    Ok(s.bytes().map(|b| u32::from(b - b'0')).collect())
}

fn weighted(d: &[u32], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(a, b)| a * b).sum()
}

/// ИНН: 10 digits for an organization, 12 for an individual (or an
/// individual entrepreneur), with one or two check digits.
pub fn check_inn(s: &str) -> Result<(), String> {
    let d = digits(s, "ИНН", &[10, 12])?;
    let control = |n: usize, weights: &[u32]| weighted(&d[..n], weights) % 11 % 10;
    let ok = if d.len() == 10 {
        control(9, &[2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[9]
    } else {
        control(10, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[10]
            && control(11, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[11]
    };
    if ok {
        Ok(())
    } else {
        Err(format!("ИНН «{s}» has a wrong check digit"))
    }
}

/// ОГРН (13 digits, organizations) or ОГРНИП (15 digits, entrepreneurs): the
/// last digit is the remainder of the rest modulo 11 (13), modulo 10.
pub fn check_ogrn(s: &str) -> Result<(), String> {
    digits(s, "ОГРН", &[13, 15])?;
    let (body, last) = s.split_at(s.len() - 1);
    let modulus = if s.len() == 13 { 11 } else { 13 };
    let body: u64 = body
        .parse()
        .map_err(|_| format!("ОГРН «{s}» is not a number"))?;
    let expected = body % modulus % 10;
    if last.parse::<u64>() == Ok(expected) {
        Ok(())
    } else {
        Err(format!("ОГРН «{s}» has a wrong check digit"))
    }
}

/// БИН (Kazakhstan, 12 digits): digits 3–4 are the month of registration;
/// the last is a check digit with a second set of weights when the first
/// gives 10 (a number whose second sum also gives 10 is never issued).
pub fn check_bin(s: &str) -> Result<(), String> {
    let d = digits(s, "БИН", &[12])?;
    let month = d[2] * 10 + d[3];
    if !(1..=12).contains(&month) {
        return Err(format!(
            "БИН «{s}»: digits 3–4 must be the month of registration, not {month:02}"
        ));
    }
    let mut control = weighted(&d[..11], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) % 11;
    if control == 10 {
        control = weighted(&d[..11], &[3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]) % 11;
    }
    if control != 10 && control == d[11] {
        Ok(())
    } else {
        Err(format!("БИН «{s}» has a wrong check digit"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inn_known_good_and_bad() {
        // Published numbers of public bodies (ФНС России, Сбербанк).
        assert!(check_inn("7707329152").is_ok());
        assert!(check_inn("7707083893").is_ok());
        // A 12-digit individual number with both check digits right.
        assert!(check_inn("500100732259").is_ok());
        assert!(check_inn("7707329153").unwrap_err().contains("check digit"));
        assert!(check_inn("500100732258").is_err());
        assert!(check_inn("770732915").unwrap_err().contains("9 digits"));
        assert!(check_inn("77073291A2").unwrap_err().contains("digits only"));
    }

    #[test]
    fn ogrn_known_good_and_bad() {
        assert!(check_ogrn("1047707030513").is_ok());
        assert!(check_ogrn("1027700132195").is_ok());
        // ОГРНИП, 15 digits.
        assert!(check_ogrn("304500116000157").is_ok());
        assert!(
            check_ogrn("1047707030514")
                .unwrap_err()
                .contains("check digit")
        );
        assert!(check_ogrn("304500116000158").is_err());
        assert!(check_ogrn("10477070305").is_err());
    }

    #[test]
    fn bin_known_good_and_bad() {
        // Weights 1..11: sum = 1*0+2*8+3*0+4*4+5*4+6*0+7*0+8*0+9*1+10*2+11*3 = 114 → 114 % 11 = 4.
        assert!(check_bin("080440001234").is_ok());
        assert!(
            check_bin("080440001235")
                .unwrap_err()
                .contains("check digit")
        );
        assert!(check_bin("081340001234").unwrap_err().contains("month"));
        assert!(check_bin("08044000123").is_err());
    }

    #[test]
    fn bin_second_weights() {
        // First sum ≡ 10 (mod 11) forces the second set of weights.
        let body = "08054000020";
        let d: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
        assert_eq!(weighted(&d, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) % 11, 10);
        let second = weighted(&d, &[3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]) % 11;
        assert!(check_bin(&format!("{body}{second}")).is_ok());
        assert!(check_bin(&format!("{body}{}", (second + 1) % 10)).is_err());
    }
}

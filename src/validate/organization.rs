//! Checks of organizations: registration numbers and their country.

use super::checker::Checker;
use super::regnum;
use crate::load::Loaded;
use crate::model::{Country, Organization};

pub(super) fn check_organization(c: &mut Checker, org: &Loaded<Organization>) {
    let (o, r) = (&org.origin, &org.record);
    type CheckDigits = fn(&str) -> Result<(), String>;
    let checks: [(&str, &Option<String>, CheckDigits); 3] = [
        ("inn", &r.inn, regnum::check_inn),
        ("ogrn", &r.ogrn, regnum::check_ogrn),
        ("bin", &r.bin, regnum::check_bin),
    ];
    for (field, value, check) in checks {
        if let Some(v) = value
            && let Err(e) = check(v)
        {
            c.error(o, field, e);
        }
    }
    match r.country {
        Country::Ru if r.bin.is_some() => {
            c.error(
                o,
                "bin",
                "БИН is a Kazakh number; a Russian organization has ИНН and ОГРН",
            );
        }
        Country::Kz if r.inn.is_some() || r.ogrn.is_some() => {
            let field = if r.inn.is_some() { "inn" } else { "ogrn" };
            c.error(
                o,
                field,
                "ИНН and ОГРН are Russian numbers; a Kazakh organization has a БИН",
            );
        }
        _ => {}
    }
}

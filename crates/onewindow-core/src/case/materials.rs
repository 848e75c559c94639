//! Materials at submission (一次提交、多次复用): which of the applicant's stored materials a new
//! application reuses, and which materials a submitter may attach. The store reads the
//! candidates and writes what these functions choose.

use super::Attachment;
use crate::catalogue::ItemSpec;
use jiff::civil::Date;

/// Where a material of a new case comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaterialSource {
    /// Given with the application.
    Uploaded,
    /// A verified material of the applicant from an earlier application.
    Reused,
}

impl MaterialSource {
    /// The code in JSON and the database.
    pub fn code(self) -> &'static str {
        match self {
            MaterialSource::Uploaded => "uploaded",
            MaterialSource::Reused => "reused",
        }
    }
}

/// A material a new case is given, for one requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedMaterial {
    /// The requirement's name.
    pub requirement: String,
    /// The stored material.
    pub material_id: i64,
    /// Given or reused.
    pub source: MaterialSource,
}

/// A stored material of the applicant that a submission might reuse, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReuseCandidate {
    /// The stored material.
    pub id: i64,
    /// Its type key.
    pub kind: String,
    /// Whether a clerk verified it at an acceptance.
    pub verified: bool,
    /// Last day it is valid, if it expires.
    pub valid_until: Option<Date>,
}

/// The requirements an application leaves to reuse, with their type: the item's typed
/// materials it does not give. Untyped (item-specific) materials are never reused.
pub fn reuse_wanted<'a>(item: &'a ItemSpec, given: &[Attachment]) -> Vec<(&'a str, &'a str)> {
    item.materials
        .iter()
        .filter(|m| !m.kind.is_empty() && !given.iter().any(|a| a.requirement == m.name))
        .map(|m| (m.name.as_str(), m.kind.as_str()))
        .collect()
}

/// For each wanted requirement (from [`reuse_wanted`]), the applicant's newest material of its
/// type that was verified and is still valid on `today`; a requirement without one is left for
/// the window to ask for.
pub fn choose_reuse(wanted: &[(&str, &str)], candidates: &[ReuseCandidate], today: Date) -> Vec<SubmittedMaterial> {
    wanted
        .iter()
        .filter_map(|(requirement, kind)| {
            candidates
                .iter()
                .filter(|c| c.kind == *kind && c.verified && c.valid_until.is_none_or(|d| d >= today))
                .max_by_key(|c| c.id)
                .map(|c| SubmittedMaterial { requirement: requirement.to_string(), material_id: c.id, source: MaterialSource::Reused })
        })
        .collect()
}

/// Whether a submitter may attach a stored material uploaded by `uploaded_by` and owned by
/// `owner` to an application of `applicant_id_number`: their own upload (a window clerk,
/// `any_material`, may attach any), and not already another applicant's.
pub fn may_attach(any_material: bool, submitter: Option<i64>, applicant_id_number: &str, uploaded_by: i64, owner: Option<&str>) -> bool {
    (any_material || submitter == Some(uploaded_by)) && owner.is_none_or(|o| o == applicant_id_number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Material;

    fn typed(name: &str, kind: &str) -> Material {
        Material { name: name.into(), required: false, originals: 0, copies: 1, kind: kind.into(), note: String::new() }
    }

    fn candidate(id: i64, kind: &str, verified: bool, valid_until: Option<Date>) -> ReuseCandidate {
        ReuseCandidate { id, kind: kind.into(), verified, valid_until }
    }

    #[test]
    fn only_typed_materials_not_given_are_wanted() {
        let mut item = crate::testing::food_licence();
        item.materials.push(typed("身份证", "id_card"));
        let given = [Attachment { requirement: "营业执照".into(), material_id: 1 }];
        assert_eq!(reuse_wanted(&item, &given), [("身份证", "id_card")], "营业执照 is given; the application form is untyped");
        assert_eq!(reuse_wanted(&item, &[]), [("营业执照", "business_licence"), ("身份证", "id_card")]);
    }

    #[test]
    fn the_newest_verified_valid_material_of_each_type_is_reused() {
        let today = jiff::civil::date(2026, 3, 10);
        let wanted = [("营业执照", "business_licence")];
        let table: [(&str, Vec<ReuseCandidate>, Option<i64>); 7] = [
            ("none stored", vec![], None),
            (
                "the newest verified one",
                vec![candidate(3, "business_licence", true, None), candidate(8, "business_licence", true, None)],
                Some(8),
            ),
            (
                "an unverified one is not",
                vec![candidate(3, "business_licence", true, None), candidate(8, "business_licence", false, None)],
                Some(3),
            ),
            ("another type is not", vec![candidate(5, "id_card", true, None)], None),
            ("an expired one is not", vec![candidate(4, "business_licence", true, Some(jiff::civil::date(2026, 3, 9)))], None),
            ("valid through today", vec![candidate(4, "business_licence", true, Some(today))], Some(4)),
            ("unverified only", vec![candidate(9, "business_licence", false, None)], None),
        ];
        for (what, candidates, expected) in table {
            let chosen = choose_reuse(&wanted, &candidates, today);
            let expected: Vec<SubmittedMaterial> = expected
                .map(|id| SubmittedMaterial { requirement: "营业执照".into(), material_id: id, source: MaterialSource::Reused })
                .into_iter()
                .collect();
            assert_eq!(chosen, expected, "{what}");
        }
    }

    #[test]
    fn a_submitter_attaches_their_own_uploads_not_another_applicants() {
        let table = [
            (false, Some(7), 7, None, true, "own upload, nobody's yet"),
            (false, Some(7), 7, Some("110105194912310021"), true, "own upload, the applicant's already"),
            (false, Some(7), 7, Some("110105194912310048"), false, "own upload, another applicant's"),
            (false, Some(7), 8, None, false, "someone else's upload"),
            (false, None, 8, None, false, "no account"),
            (true, None, 8, None, true, "a window clerk attaches any upload"),
            (true, None, 8, Some("110105194912310048"), false, "but not another applicant's"),
        ];
        for (any, submitter, uploader, owner, expected, what) in table {
            assert_eq!(may_attach(any, submitter, "110105194912310021", uploader, owner), expected, "{what}");
        }
    }
}

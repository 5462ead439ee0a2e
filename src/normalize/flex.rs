//! Deserializers for the column typing of Log Analytics and portal CSV exports, where one
//! Graph property can arrive as itself or as text: a `dynamic` column exported as JSON text
//! (`"Status":"{\"errorCode\":0}"`), a boolean as `TRUE`, an error code as `"50126"`, an empty
//! cell as `""`. Each accepts exactly those spellings and refuses anything else with a reason,
//! so nothing is coerced silently.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Graph `signInStatus`, from an object or from JSON text holding one.
#[derive(Debug, Default)]
pub struct Status<'a> {
    pub error_code: Option<i64>,
    pub failure_reason: Option<Cow<'a, str>>,
    pub additional_details: Option<Cow<'a, str>>,
}

#[derive(serde::Deserialize)]
struct RawStatus<'a> {
    #[serde(rename = "errorCode", alias = "ErrorCode")]
    error_code: Option<i64>,
    #[serde(borrow, rename = "failureReason", alias = "FailureReason")]
    failure_reason: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "additionalDetails", alias = "AdditionalDetails")]
    additional_details: Option<Cow<'a, str>>,
}

impl<'a> From<RawStatus<'a>> for Status<'a> {
    fn from(r: RawStatus<'a>) -> Self {
        Status { error_code: r.error_code, failure_reason: r.failure_reason, additional_details: r.additional_details }
    }
}

fn owned(s: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    s.map(|c| Cow::Owned(c.into_owned()))
}

/// `None` for an empty text cell.
pub struct FlexStatus<'a>(pub Option<Status<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for FlexStatus<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = FlexStatus<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status object or JSON text holding one")
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<Self::Value, M::Error> {
                RawStatus::deserialize(de::value::MapAccessDeserializer::new(m)).map(|s| FlexStatus(Some(s.into())))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if s.trim().is_empty() {
                    return Ok(FlexStatus(None));
                }
                let raw: RawStatus<'_> = serde_json::from_str(s)
                    .map_err(|e| E::custom(format!("status text is not a status object: {e}")))?;
                Ok(FlexStatus(Some(Status {
                    error_code: raw.error_code,
                    failure_reason: owned(raw.failure_reason),
                    additional_details: owned(raw.additional_details),
                })))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(FlexStatus(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A boolean, or its text (`true`, `TRUE`, `False`, and the admin center's `Yes`/`No`); `None`
/// for an empty cell.
pub struct FlexBool(pub Option<bool>);

impl<'de> Deserialize<'de> for FlexBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FlexBool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean or true/false text")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<FlexBool, E> {
                Ok(FlexBool(Some(b)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<FlexBool, E> {
                match s.trim() {
                    "" => Ok(FlexBool(None)),
                    t if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("yes") => Ok(FlexBool(Some(true))),
                    t if t.eq_ignore_ascii_case("false") || t.eq_ignore_ascii_case("no") => Ok(FlexBool(Some(false))),
                    t => Err(E::custom(format!("not a boolean: {t:?}"))),
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<FlexBool, E> {
                Ok(FlexBool(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An error code: an integer, or decimal text (`"50126"`); `None` for an empty cell.
pub struct FlexCode(pub Option<i64>);

impl<'de> Deserialize<'de> for FlexCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FlexCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error code (integer or decimal text)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FlexCode, E> {
                Ok(FlexCode(Some(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FlexCode, E> {
                i64::try_from(v).map(|v| FlexCode(Some(v))).map_err(|_| E::custom("error code out of range"))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<FlexCode, E> {
                let t = s.trim();
                if t.is_empty() {
                    return Ok(FlexCode(None));
                }
                t.parse::<i64>().map(|v| FlexCode(Some(v))).map_err(|_| E::custom(format!("not an error code: {t:?}")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<FlexCode, E> {
                Ok(FlexCode(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A list of strings, or JSON text holding one (`"[\"nonInteractiveUser\"]"`); empty text is an
/// empty list.
pub struct FlexList<'a>(pub Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for FlexList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = FlexList<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings or JSON text holding one")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, s: S) -> Result<Self::Value, S::Error> {
                Vec::<Cow<'a, str>>::deserialize(de::value::SeqAccessDeserializer::new(s)).map(FlexList)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if s.trim().is_empty() {
                    return Ok(FlexList(Vec::new()));
                }
                let list: Vec<String> =
                    serde_json::from_str(s).map_err(|e| E::custom(format!("not a JSON list of strings: {e}")))?;
                Ok(FlexList(list.into_iter().map(Cow::Owned).collect()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(FlexList(Vec::new()))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The separator of the methods in [`AuthMethods`]: a control character no method name has
/// (one that does is given a space in its place).
pub const METHOD_SEPARATOR: char = '\u{1f}';

/// Graph `authenticationDetails` (a list of steps, or JSON text holding one) reduced to the
/// methods the sign-in used: the `authenticationMethod` of each succeeded step, in step order,
/// each once, joined by [`METHOD_SEPARATOR`]. A step satisfied by a claim in the token or
/// "Previously satisfied" is not a method use. `None` when there are no steps at all (v1.0
/// exports, `[]`); empty text when there are steps but none used a method. `.1` is every step
/// as [`Steps`] text.
pub struct AuthMethods(pub Option<String>, pub Option<String>);

#[derive(serde::Deserialize)]
struct RawStep<'a> {
    #[serde(borrow, rename = "authenticationMethod", alias = "AuthenticationMethod")]
    method: Option<Cow<'a, str>>,
    #[serde(rename = "succeeded", alias = "Succeeded")]
    succeeded: Option<FlexBool>,
    #[serde(borrow, rename = "authenticationStepResultDetail", alias = "AuthenticationStepResultDetail")]
    result_detail: Option<Cow<'a, str>>,
}

/// Method names that say no method was used in the step.
const NOT_A_METHOD: [&str; 4] = ["Previously satisfied", "Satisfied by token", "Claim in the token", "Claim in token"];

impl RawStep<'_> {
    /// The method this step used, if it was a method use.
    fn used(&self) -> Option<&str> {
        let method = self.method.as_deref().map(str::trim).filter(|m| !m.is_empty())?;
        if self.succeeded.as_ref().and_then(|b| b.0) == Some(false)
            || NOT_A_METHOD.iter().any(|n| n.eq_ignore_ascii_case(method))
            || self.result_detail.as_deref().is_some_and(|d| contains_ignore_case(d, "claim in the token"))
        {
            return None;
        }
        Some(method)
    }
}

fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    hay.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn join_used(steps: &[RawStep<'_>]) -> AuthMethods {
    if steps.is_empty() {
        return AuthMethods(None, None);
    }
    let mut out = String::new();
    for m in steps.iter().filter_map(RawStep::used) {
        let clean: Cow<'_, str> =
            if m.contains(METHOD_SEPARATOR) { Cow::Owned(m.replace(METHOD_SEPARATOR, " ")) } else { Cow::Borrowed(m) };
        // Each method once: the few already joined are the set seen so far.
        if out.split(METHOD_SEPARATOR).any(|seen| seen == clean) {
            continue;
        }
        if !out.is_empty() {
            out.push(METHOD_SEPARATOR);
        }
        out.push_str(&clean);
    }
    let all = steps.iter().map(|st| {
        let method = st.method.as_deref().map(str::trim).unwrap_or("");
        (method, st.succeeded.as_ref().and_then(|b| b.0))
    });
    AuthMethods(Some(out), Some(Steps::encode(all)))
}

/// The steps of `authenticationDetails` as stored: each step's method and whether it succeeded
/// (`1`, `0`, or empty when the export does not say), the two joined by [`METHOD_SEPARATOR`] and
/// the steps by [`RECORD_SEPARATOR`]. A step with no method keeps an empty method.
pub struct Steps;

impl Steps {
    pub fn encode<'s>(steps: impl Iterator<Item = (&'s str, Option<bool>)>) -> String {
        let mut out = String::new();
        for (i, (method, ok)) in steps.enumerate() {
            if i > 0 {
                out.push(RECORD_SEPARATOR);
            }
            out.push_str(&clean(method));
            out.push(METHOD_SEPARATOR);
            out.push_str(match ok {
                Some(true) => "1",
                Some(false) => "0",
                None => "",
            });
        }
        out
    }

    /// The steps of stored text, as (method, succeeded).
    pub fn decode(text: &str) -> impl Iterator<Item = (&str, Option<bool>)> {
        text.split(RECORD_SEPARATOR).filter(|s| !s.is_empty()).map(|step| {
            let (method, ok) = step.split_once(METHOD_SEPARATOR).unwrap_or((step, ""));
            (
                method,
                match ok {
                    "1" => Some(true),
                    "0" => Some(false),
                    _ => None,
                },
            )
        })
    }
}

/// The separator of the entries of a stored list (steps, policies): a control character no
/// name has (one that does is given a space in its place).
pub const RECORD_SEPARATOR: char = '\u{1e}';

/// `s` with the two separators replaced by spaces.
fn clean(s: &str) -> Cow<'_, str> {
    // Both separators are ASCII control bytes, found without decoding characters.
    if memchr::memchr2(METHOD_SEPARATOR as u8, RECORD_SEPARATOR as u8, s.as_bytes()).is_some() {
        Cow::Owned(s.replace([METHOD_SEPARATOR, RECORD_SEPARATOR], " "))
    } else {
        Cow::Borrowed(s)
    }
}

impl<'de> Deserialize<'de> for AuthMethods {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AuthMethods;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of authentication steps or JSON text holding one")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, s: S) -> Result<Self::Value, S::Error> {
                let steps = Vec::<RawStep<'de>>::deserialize(de::value::SeqAccessDeserializer::new(s))?;
                Ok(join_used(&steps))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if s.trim().is_empty() {
                    return Ok(AuthMethods(None, None));
                }
                let steps: Vec<RawStep<'_>> = serde_json::from_str(s)
                    .map_err(|e| E::custom(format!("not a JSON list of authentication steps: {e}")))?;
                Ok(join_used(&steps))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(AuthMethods(None, None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Text borrowed from the record where it can be, with an empty value read as none.
fn some_text(s: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    s.filter(|t| !t.trim().is_empty()).map(|t| match t {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) if o.trim().len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
    })
}

/// Graph `signIn.location` (`countryOrRegion`, `state`, `city`): an object, JSON text holding
/// one (Log Analytics `LocationDetails`), or a string: a country code (Log Analytics `Location`)
/// or the admin center's "City, State, CC".
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Location<'a> {
    pub country: Option<Cow<'a, str>>,
    pub state: Option<Cow<'a, str>>,
    pub city: Option<Cow<'a, str>>,
}

#[derive(serde::Deserialize)]
struct RawLocation<'a> {
    #[serde(borrow, rename = "countryOrRegion", alias = "CountryOrRegion")]
    country: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "State")]
    state: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "City")]
    city: Option<Cow<'a, str>>,
}

impl<'a> From<RawLocation<'a>> for Location<'a> {
    fn from(r: RawLocation<'a>) -> Location<'a> {
        Location { country: some_text(r.country), state: some_text(r.state), city: some_text(r.city) }
    }
}

pub struct FlexLocation<'a>(pub Option<Location<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for FlexLocation<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = FlexLocation<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a location object, JSON text holding one, or \"City, State, CC\" text")
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<Self::Value, M::Error> {
                let r = RawLocation::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(FlexLocation(Some(r.into())))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                let t = s.trim();
                if t.is_empty() {
                    return Ok(FlexLocation(None));
                }
                if t.starts_with('{') {
                    let r: RawLocation<'_> = serde_json::from_str(t)
                        .map_err(|e| E::custom(format!("location text is not JSON of a location: {e}")))?;
                    let l = Location::from(r);
                    return Ok(FlexLocation(Some(Location {
                        country: owned(l.country),
                        state: owned(l.state),
                        city: owned(l.city),
                    })));
                }
                let parts: Vec<&str> = t.split(',').map(str::trim).collect();
                let text = |p: &str| (!p.is_empty()).then(|| Cow::Owned(p.to_string()));
                let (city, state, country) = match parts.as_slice() {
                    [cc] => (None, None, text(cc)),
                    [city, cc] => (text(city), None, text(cc)),
                    [city, middle @ .., cc] => (text(city), text(&middle.join(", ")), text(cc)),
                    [] => (None, None, None),
                };
                Ok(FlexLocation(Some(Location { country, state, city })))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(FlexLocation(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Graph `signIn.deviceDetail`, from an object or JSON text holding one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Device<'a> {
    pub operating_system: Option<Cow<'a, str>>,
    pub browser: Option<Cow<'a, str>>,
    pub is_compliant: Option<bool>,
    pub is_managed: Option<bool>,
    pub trust_type: Option<Cow<'a, str>>,
}

#[derive(serde::Deserialize)]
struct RawDevice<'a> {
    #[serde(borrow, rename = "operatingSystem", alias = "OperatingSystem")]
    operating_system: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "Browser")]
    browser: Option<Cow<'a, str>>,
    #[serde(rename = "isCompliant", alias = "IsCompliant")]
    is_compliant: Option<FlexBool>,
    #[serde(rename = "isManaged", alias = "IsManaged")]
    is_managed: Option<FlexBool>,
    #[serde(borrow, rename = "trustType", alias = "TrustType")]
    trust_type: Option<Cow<'a, str>>,
}

impl<'a> From<RawDevice<'a>> for Device<'a> {
    fn from(r: RawDevice<'a>) -> Device<'a> {
        Device {
            operating_system: some_text(r.operating_system),
            browser: some_text(r.browser),
            is_compliant: r.is_compliant.and_then(|b| b.0),
            is_managed: r.is_managed.and_then(|b| b.0),
            trust_type: some_text(r.trust_type),
        }
    }
}

pub struct FlexDevice<'a>(pub Option<Device<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for FlexDevice<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = FlexDevice<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a device detail object or JSON text holding one")
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<Self::Value, M::Error> {
                let r = RawDevice::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(FlexDevice(Some(r.into())))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if s.trim().is_empty() {
                    return Ok(FlexDevice(None));
                }
                let r: RawDevice<'_> = serde_json::from_str(s)
                    .map_err(|e| E::custom(format!("device detail text is not JSON of one: {e}")))?;
                let d = Device::from(r);
                Ok(FlexDevice(Some(Device {
                    operating_system: owned(d.operating_system),
                    browser: owned(d.browser),
                    is_compliant: d.is_compliant,
                    is_managed: d.is_managed,
                    trust_type: owned(d.trust_type),
                })))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(FlexDevice(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[derive(serde::Deserialize)]
struct RawPolicy<'a> {
    #[serde(borrow, alias = "Id")]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "displayName", alias = "DisplayName")]
    display_name: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "Result")]
    result: Option<Cow<'a, str>>,
}

impl RawPolicy<'_> {
    fn fields(&self) -> (&str, &str, &str) {
        (
            self.id.as_deref().unwrap_or(""),
            self.display_name.as_deref().unwrap_or(""),
            self.result.as_deref().unwrap_or(""),
        )
    }
}

/// Graph `appliedConditionalAccessPolicies` (Log Analytics `ConditionalAccessPolicies`), a list
/// or JSON text holding one, as stored: each policy's id, display name and result joined by
/// [`METHOD_SEPARATOR`], the policies by [`RECORD_SEPARATOR`], in the export's order. `None`
/// when the export has no such field; empty text for an empty list.
pub struct FlexPolicies(pub Option<String>);

impl<'de> Deserialize<'de> for FlexPolicies {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FlexPolicies;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of Conditional Access policies or JSON text holding one")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                // One allocation for the usual few policies, not one for each doubling.
                let mut out = String::with_capacity(256);
                let mut first = true;
                while let Some(p) = seq.next_element::<RawPolicy<'de>>()? {
                    Policies::push(&mut out, first, p.fields());
                    first = false;
                }
                Ok(FlexPolicies(Some(out)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if s.trim().is_empty() {
                    return Ok(FlexPolicies(None));
                }
                let list: Vec<RawPolicy<'_>> = serde_json::from_str(s)
                    .map_err(|e| E::custom(format!("not a JSON list of Conditional Access policies: {e}")))?;
                Ok(FlexPolicies(Some(Policies::encode(list.iter().map(RawPolicy::fields)))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(FlexPolicies(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// The stored form of a sign-in's Conditional Access policies (see [`FlexPolicies`]).
pub struct Policies;

impl Policies {
    pub fn encode<'s>(policies: impl Iterator<Item = (&'s str, &'s str, &'s str)>) -> String {
        let mut out = String::new();
        for (i, p) in policies.enumerate() {
            Policies::push(&mut out, i == 0, p);
        }
        out
    }

    fn push(out: &mut String, first: bool, (id, name, result): (&str, &str, &str)) {
        if !first {
            out.push(RECORD_SEPARATOR);
        }
        out.push_str(&clean(id.trim()));
        out.push(METHOD_SEPARATOR);
        out.push_str(&clean(name.trim()));
        out.push(METHOD_SEPARATOR);
        out.push_str(&clean(result.trim()));
    }

    /// (id, display name, result) of each stored policy.
    pub fn decode(text: &str) -> impl Iterator<Item = (&str, &str, &str)> {
        text.split(RECORD_SEPARATOR).filter(|s| !s.is_empty()).map(|p| {
            let mut f = p.splitn(3, METHOD_SEPARATOR);
            (f.next().unwrap_or(""), f.next().unwrap_or(""), f.next().unwrap_or(""))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_accepts_itself_and_its_text() {
        let s: FlexStatus<'_> = serde_json::from_str(r#"{"errorCode":50126,"failureReason":"x"}"#).unwrap();
        assert_eq!(s.0.unwrap().error_code, Some(50126));
        let s: FlexStatus<'_> = serde_json::from_str(r#""{\"errorCode\":0,\"additionalDetails\":\"MFA\"}""#).unwrap();
        assert_eq!(s.0.as_ref().unwrap().additional_details.as_deref(), Some("MFA"));
        assert!(serde_json::from_str::<FlexStatus<'_>>(r#""""#).unwrap().0.is_none());
        assert!(serde_json::from_str::<FlexStatus<'_>>(r#""nope""#).is_err());
        assert!(serde_json::from_str::<FlexStatus<'_>>(r#"{"errorCode":"0"}"#).is_err());
        assert_eq!(serde_json::from_str::<FlexBool>(r#""TRUE""#).unwrap().0, Some(true));
        assert_eq!(serde_json::from_str::<FlexBool>("false").unwrap().0, Some(false));
        assert_eq!(serde_json::from_str::<FlexBool>(r#""Yes""#).unwrap().0, Some(true));
        assert!(serde_json::from_str::<FlexBool>(r#""maybe""#).is_err());
        assert_eq!(serde_json::from_str::<FlexCode>(r#""50126""#).unwrap().0, Some(50126));
        assert_eq!(serde_json::from_str::<FlexCode>("0").unwrap().0, Some(0));
        assert!(serde_json::from_str::<FlexCode>(r#""Other""#).is_err());
        let l: FlexList<'_> = serde_json::from_str(r#""[\"nonInteractiveUser\"]""#).unwrap();
        assert_eq!(l.0, vec!["nonInteractiveUser"]);
        let l: FlexList<'_> = serde_json::from_str(r#"["servicePrincipal"]"#).unwrap();
        assert_eq!(l.0, vec!["servicePrincipal"]);
    }

    #[test]
    fn auth_methods_keep_only_method_uses() {
        let m = |s: &str| serde_json::from_str::<AuthMethods>(s).unwrap().0;
        let steps = r#"[{"authenticationMethod":"Password","succeeded":true,"authenticationStepRequirement":"Primary authentication"},
            {"authenticationMethod":"Mobile app notification","succeeded":true},
            {"authenticationMethod":"Password","succeeded":true},
            {"authenticationMethod":"Text message","succeeded":false},
            {"authenticationMethod":"Previously satisfied","succeeded":true},
            {"authenticationMethod":"OATH verification code","succeeded":true,
             "authenticationStepResultDetail":"MFA requirement satisfied by claim in the token"}]"#;
        assert_eq!(m(steps).as_deref(), Some("Password\u{1f}Mobile app notification"));
        // Log Analytics: JSON text with CRLF, a step without a method; PascalCase keys.
        let text = r#""[\r\n  {\r\n    \"succeeded\": false,\r\n    \"authenticationStepResultDetail\": \"MFA requirement satisfied by claim in the token\"\r\n  }\r\n]""#;
        assert_eq!(m(text).as_deref(), Some(""));
        assert_eq!(
            m(r#"[{"AuthenticationMethod":"FIDO2 security key","Succeeded":"TRUE"}]"#).as_deref(),
            Some("FIDO2 security key")
        );
        assert_eq!(m("[]"), None);
        assert_eq!(m(r#""[]""#), None);
        assert_eq!(m(r#""""#), None);
        assert_eq!(m("null"), None);
        assert_eq!(m(r#"[{"authenticationMethod":"a\u001fb"}]"#).as_deref(), Some("a b"));
        assert!(serde_json::from_str::<AuthMethods>(r#"[{"authenticationMethod":5}]"#).is_err());
        assert!(serde_json::from_str::<AuthMethods>(r#""not json""#).is_err());
    }
}

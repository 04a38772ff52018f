//! The JSON Schema of the Compose files stackplan accepts, generated from the same field table
//! that decodes and validates them ([`super::fields`], [`super::decode`]), so the published schema
//! (`schemas/compose.schema.json`) and the loader cannot disagree about a field's type.
//!
//! It describes files as written: before interpolation (so `replicas: "${N}"` is allowed where a
//! number is expected) and before canonical syntax (so `ports: ["80:80"]` is allowed). Keys are
//! closed (`additionalProperties: false`) except `x-` extensions, as Compose's own schema does.

use super::fields::{
    BUILD, DEPLOY, FILE_OBJECT, Field, HEALTHCHECK, NETWORK, PORT, SERVICE, SERVICE_KEYS_DROPPED,
    SERVICE_VOLUME, Ty, VOLUME,
};
use serde_json::{Value, json};

fn interpolated(types: &[&str]) -> Value {
    // Any typed field may hold a `${VAR}` string that interpolation turns into its type.
    let mut all: Vec<&str> = types.to_vec();
    if !all.contains(&"string") {
        all.push("string");
    }
    json!({ "type": all })
}

fn string_list() -> Value {
    json!({ "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }] })
}

fn list_or_dict() -> Value {
    json!({ "anyOf": [
        { "type": "object", "additionalProperties": { "type": ["string", "number", "boolean", "null"] } },
        { "type": "array", "items": { "type": "string" } }
    ] })
}

fn schema_of(ty: &Ty, path: &[&str]) -> Value {
    match ty {
        Ty::Any => json!({}),
        Ty::Str => json!({ "type": ["string", "integer", "null"] }),
        Ty::StrLoose => json!({ "type": ["string", "number", "boolean", "null"] }),
        Ty::Int => interpolated(&["integer", "null"]),
        Ty::UInt(_) => {
            json!({ "anyOf": [{ "type": "integer", "minimum": 0 }, { "type": ["string", "null"] }] })
        }
        Ty::Float | Ty::Cpus => interpolated(&["number", "null"]),
        Ty::Bool => interpolated(&["boolean", "null"]),
        Ty::Duration => json!({ "type": ["string", "null"] }),
        Ty::Bytes => json!({ "type": ["string", "integer", "null"] }),
        Ty::BytesString => json!({ "type": ["string", "null"] }),
        Ty::FileMode | Ty::DeviceCount => json!({ "type": ["string", "integer"] }),
        Ty::Enum(values) => {
            json!({ "anyOf": [{ "enum": values }, { "type": "string", "pattern": "\\$" }] })
        }
        Ty::ShellCommand => {
            json!({ "anyOf": [{ "type": "null" }, { "type": "string" }, { "type": "array", "items": { "type": "string" } }] })
        }
        Ty::HealthTest => string_list(),
        Ty::StrList => {
            json!({ "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": ["string", "integer"] } }, { "type": "null" }] })
        }
        Ty::StrOrNumList => {
            json!({ "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": ["string", "number", "boolean"] } }, { "type": "null" }] })
        }
        Ty::Mapping | Ty::Labels | Ty::MappingWithEquals => list_or_dict(),
        Ty::Options => {
            json!({ "type": ["object", "null"], "additionalProperties": { "type": ["string", "number", "boolean", "null"] } })
        }
        Ty::HostsList => json!({ "anyOf": [
            { "type": "object", "additionalProperties": { "type": ["string", "array", "null"] } },
            { "type": "array", "items": { "type": "string" } }
        ] }),
        Ty::Ulimits => json!({ "type": "object", "additionalProperties": { "anyOf": [
            { "type": ["integer", "string"] },
            { "type": "object", "properties": { "soft": { "type": ["integer", "string"] }, "hard": { "type": ["integer", "string"] } }, "additionalProperties": false }
        ] } }),
        Ty::Struct(fields) => struct_schema(fields, path),
        Ty::MapOf(inner) => {
            json!({ "type": ["object", "null"], "additionalProperties": schema_of(inner, path) })
        }
        Ty::MapOfNullable(inner) => {
            json!({ "type": ["object", "null"], "additionalProperties": { "anyOf": [{ "type": "null" }, schema_of(inner, path)] } })
        }
        Ty::ListOf(inner) => json!({ "type": ["array", "null"], "items": schema_of(inner, path) }),
    }
}

/// Fields whose file syntax is wider than their printed form (short syntax, lists for maps).
fn short_syntax(path: &[&str], field: &str, canonical: Value) -> Value {
    let either = |short: Value| json!({ "anyOf": [short, canonical.clone()] });
    match (path, field) {
        (["service"], "ports") => json!({ "type": "array", "items": { "anyOf": [
            { "type": ["string", "integer"] },
            schema_of(&Ty::Struct(PORT), &["port"])
        ] } }),
        (["service"], "volumes") => json!({ "type": "array", "items": { "anyOf": [
            { "type": "string" },
            schema_of(&Ty::Struct(SERVICE_VOLUME), &["volume"])
        ] } }),
        (["service"], "secrets" | "configs" | "devices") => {
            json!({ "type": "array", "items": { "type": ["string", "object"] } })
        }
        (["service"], "depends_on" | "networks") => {
            either(json!({ "type": "array", "items": { "type": "string" } }))
        }
        (["service"], "build") => either(json!({ "type": "string" })),
        _ => canonical,
    }
}

fn struct_schema(fields: &[Field], path: &[&str]) -> Value {
    let mut properties = serde_json::Map::new();
    for field in fields {
        let canonical = schema_of(&field.ty, &[field.name]);
        let schema = short_syntax(path, field.name, canonical);
        properties.insert(field.name.to_owned(), schema);
    }
    json!({
        "type": ["object", "null"],
        "properties": properties,
        "patternProperties": { "^x-": {} },
        "additionalProperties": false
    })
}

/// The schema of one Compose file.
pub fn compose_file_schema() -> Value {
    let mut service = struct_schema(SERVICE, &["service"]);
    if let Some(props) = service.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert("env_file".into(), json!({ "anyOf": [
            { "type": "string" },
            { "type": "array", "items": { "anyOf": [
                { "type": "string" },
                { "type": "object", "properties": { "path": { "type": "string" }, "required": { "type": ["boolean", "string"] }, "format": { "type": "string" } }, "required": ["path"], "additionalProperties": false }
            ] } }
        ] }));
        props.insert("extends".into(), json!({ "anyOf": [
            { "type": "string" },
            { "type": "object", "properties": { "service": { "type": "string" }, "file": { "type": "string" } }, "required": ["service"], "additionalProperties": false }
        ] }));
        props.insert("label_file".into(), string_list());
        for key in SERVICE_KEYS_DROPPED {
            props.entry(key.to_string()).or_insert(json!({}));
        }
        props.insert(
            "build".into(),
            json!({ "anyOf": [{ "type": "string" }, struct_schema(BUILD, &["build"])] }),
        );
        props.insert("deploy".into(), struct_schema(DEPLOY, &["deploy"]));
        props.insert(
            "healthcheck".into(),
            struct_schema(HEALTHCHECK, &["healthcheck"]),
        );
    }
    let resources = |fields: &'static [Field]| {
        json!({
            "type": ["object", "null"],
            "additionalProperties": { "anyOf": [{ "type": "null" }, {
                "type": "object",
                "properties": struct_schema(fields, &["resource"])["properties"].clone(),
                "patternProperties": { "^x-": {} },
                "additionalProperties": false
            }] }
        })
    };
    let external_ok = |mut schema: Value| {
        // `external` may be a boolean or the legacy `{name: ...}` mapping.
        if let Some(props) =
            schema["additionalProperties"]["anyOf"][1]["properties"].as_object_mut()
        {
            props.insert("external".into(), json!({ "anyOf": [
                { "type": ["boolean", "string"] },
                { "type": "object", "properties": { "name": { "type": "string" } }, "additionalProperties": false }
            ] }));
        }
        schema
    };
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/stackplan/stackplan/schemas/compose.schema.json",
        "title": "Compose file as stackplan accepts it",
        "description": "Generated from stackplan-core's Compose model (core/src/loader/project.rs): one file, as written (before interpolation and before short syntax becomes long syntax).",
        "type": "object",
        "properties": {
            "version": { "type": "string", "description": "obsolete: ignored with a warning" },
            "name": { "type": "string" },
            "include": { "type": "array", "items": { "anyOf": [
                { "type": "string" },
                { "type": "object", "properties": {
                    "path": string_list(),
                    "project_directory": { "type": "string" },
                    "env_file": string_list()
                }, "additionalProperties": false }
            ] } },
            "services": {
                "type": ["object", "null"],
                "propertyNames": { "pattern": "^[a-zA-Z0-9._-]+$" },
                "additionalProperties": { "anyOf": [{ "type": "null" }, service] }
            },
            "networks": external_ok(resources(NETWORK)),
            "volumes": external_ok(resources(VOLUME)),
            "secrets": external_ok(resources(FILE_OBJECT)),
            "configs": external_ok(resources(FILE_OBJECT))
        },
        "patternProperties": { "^x-": {} },
        "additionalProperties": false
    })
}

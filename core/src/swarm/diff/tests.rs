use super::*;

/// One service as `docker service inspect` printed it on this machine (Engine 20.10, CLI 28)
/// after `docker stack deploy` of the quotes example, release 1 (trimmed to one network).
const INSPECTED: &str = r#"{
  "ID": "nm5o7jquz4f7hbyot9756a1ix", "Version": {"Index": 19},
  "CreatedAt": "2026-12-02T12:59:41.210423527Z",
  "Spec": {
    "Name": "s_api",
    "Labels": {"com.docker.stack.image": "quotes-api:1.0", "com.docker.stack.namespace": "s"},
    "TaskTemplate": {
      "ContainerSpec": {
        "Image": "quotes-api:1.0",
        "Labels": {"com.docker.stack.namespace": "s"},
        "Env": ["QUOTES_DB=/data/quotes.db"],
        "Privileges": {"CredentialSpec": null, "SELinuxContext": null, "NoNewPrivileges": false},
        "StopGracePeriod": 10000000000,
        "Healthcheck": {"Test": ["CMD", "/quotes-api", "--probe"], "Interval": 3000000000,
          "Timeout": 2000000000, "StartPeriod": 5000000000, "Retries": 3},
        "DNSConfig": {},
        "Isolation": "default"
      },
      "Resources": {"Limits": {"NanoCPUs": 500000000, "MemoryBytes": 100663296}, "Reservations": {}},
      "RestartPolicy": {"Condition": "any", "Delay": 5000000000, "MaxAttempts": 0},
      "Placement": {},
      "Networks": [{"Target": "7sxchgc3iwfi9o2zma2hodxkn", "Aliases": ["api"]}],
      "ForceUpdate": 0,
      "Runtime": "container"
    },
    "Mode": {"Replicated": {"Replicas": 4}},
    "UpdateConfig": {"Parallelism": 2, "Delay": 5000000000, "FailureAction": "rollback",
      "Monitor": 30000000000, "MaxFailureRatio": 0, "Order": "start-first"},
    "RollbackConfig": {"Parallelism": 0, "FailureAction": "continue", "Monitor": 10000000000,
      "MaxFailureRatio": 0, "Order": "start-first"},
    "EndpointSpec": {"Mode": "vip"}
  },
  "Endpoint": {"Spec": {"Mode": "vip"}}
}"#;

/// A named edit of the desired spec.
type Edit = Box<dyn Fn(&mut ServiceSpec)>;

fn live() -> Service {
    serde_json::from_str(INSPECTED).expect("inspect JSON")
}

/// What `convert` gives for the same files: no swarmkit defaults, names for IDs, no empties.
fn desired() -> ServiceSpec {
    let mut spec = live().spec;
    let task = &mut spec.task_template;
    task.networks[0].target = "s_backend".into();
    task.resources = Some(ResourceRequirements {
        limits: task.resources.as_ref().and_then(|r| r.limits.clone()),
        ..ResourceRequirements::default()
    });
    task.restart_policy = None;
    task.placement = Some(Placement::default());
    let container = task.container_spec.as_mut().expect("container");
    container.stop_grace_period = None;
    container.dns_config = None;
    container.privileges = Some(Privileges::default());
    spec
}

fn names() -> NamesById {
    [(
        "7sxchgc3iwfi9o2zma2hodxkn".to_owned(),
        "s_backend".to_owned(),
    )]
    .into()
}

fn edited(edit: impl FnOnce(&mut ServiceSpec)) -> ServiceDiff {
    let mut to = desired();
    edit(&mut to);
    diff(Some(&live().spec), Some(&to), &names())
}

fn container(spec: &mut ServiceSpec) -> &mut ContainerSpec {
    spec.task_template
        .container_spec
        .as_mut()
        .expect("container")
}

#[test]
fn the_same_files_are_unchanged_over_a_live_spec() {
    let d = diff(Some(&live().spec), Some(&desired()), &names());
    assert_eq!(d.changes, Vec::new());
    assert_eq!(d.class, Class::Unchanged);
}

#[test]
fn an_unnamed_network_id_is_a_change_until_named() {
    let d = diff(Some(&live().spec), Some(&desired()), &NamesById::new());
    assert_eq!(d.class, Class::Rolling);
    assert_eq!(d.changes.len(), 1, "{:?}", d.changes);
    assert_eq!(d.changes[0].path, "TaskTemplate.Networks[0].Target");
    let live = live();
    let want = desired();
    let inferred = infer_network_names(&[(&live.spec, Some(&want))], &NamesById::new());
    assert_eq!(inferred, names());
}

#[test]
fn network_names_are_inferred_only_where_one_name_fits() {
    let mut a = live().spec;
    a.task_template.networks.push(NetworkAttachmentConfig {
        target: "id2".into(),
        ..NetworkAttachmentConfig::default()
    });
    let mut want_a = desired();
    want_a.task_template.networks.push(NetworkAttachmentConfig {
        target: "s_frontend".into(),
        ..NetworkAttachmentConfig::default()
    });
    // Alone, service a fits either name to either ID.
    let none = infer_network_names(&[(&a, Some(&want_a))], &NamesById::new());
    assert_eq!(none, NamesById::new());
    // A second service on only the first network settles both.
    let b = live().spec;
    let want_b = desired();
    let both = infer_network_names(
        &[(&a, Some(&want_a)), (&b, Some(&want_b))],
        &NamesById::new(),
    );
    assert_eq!(both.get("id2").map(String::as_str), Some("s_frontend"));
    assert_eq!(
        both.get("7sxchgc3iwfi9o2zma2hodxkn").map(String::as_str),
        Some("s_backend")
    );
}

#[test]
fn an_image_change_rolls() {
    let d = edited(|s| {
        container(s).image = "quotes-api:2.0".into();
        s.labels
            .get_or_insert_with(StringMap::new)
            .insert(defaults::LABEL_IMAGE.into(), "quotes-api:2.0".into());
    });
    assert_eq!(d.class, Class::Rolling);
    let paths: Vec<&str> = d.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Labels.com.docker.stack.image",
            "TaskTemplate.ContainerSpec.Image"
        ]
    );
    assert_eq!(
        d.changes[1].from.as_deref(),
        Some("\"quotes-api:1.0\""),
        "{:?}",
        d.changes[1]
    );
}

#[test]
fn a_pinned_live_image_is_kept_when_the_written_image_did_not_change() {
    let mut pinned = live();
    container(&mut pinned.spec).image = "quotes-api:1.0@sha256:abc".into();
    let d = diff(Some(&pinned.spec), Some(&desired()), &names());
    assert_eq!(d.class, Class::Unchanged, "{:?}", d.changes);
}

#[test]
fn the_live_force_update_counter_is_kept() {
    let mut forced = live();
    forced.spec.task_template.force_update = 3;
    let d = diff(Some(&forced.spec), Some(&desired()), &names());
    assert_eq!(d.class, Class::Unchanged, "{:?}", d.changes);
}

#[test]
fn every_task_template_field_class_dirties_tasks() {
    let cases: Vec<(&str, Edit)> = vec![
        ("env", Box::new(|s| container(s).env.push("X=1".into()))),
        (
            "container labels",
            Box::new(|s| {
                container(s).labels.insert("a".into(), "b".into());
            }),
        ),
        (
            "healthcheck",
            Box::new(|s| {
                if let Some(h) = container(s).healthcheck.as_mut() {
                    h.retries = 5;
                }
            }),
        ),
        (
            "stop grace period",
            Box::new(|s| container(s).stop_grace_period = Some(30_000_000_000)),
        ),
        (
            "resources",
            Box::new(|s| {
                s.task_template.resources = None;
            }),
        ),
        (
            "restart policy",
            Box::new(|s| {
                s.task_template.restart_policy = Some(RestartPolicy {
                    condition: "on-failure".into(),
                    ..RestartPolicy::default()
                })
            }),
        ),
        (
            "networks",
            Box::new(|s| s.task_template.networks[0].aliases.push("x".into())),
        ),
        (
            "log driver",
            Box::new(|s| {
                s.task_template.log_driver = Some(Driver {
                    name: "json-file".into(),
                    options: StringMap::new(),
                })
            }),
        ),
        (
            "placement preferences",
            Box::new(|s| {
                s.task_template.placement = Some(Placement {
                    max_replicas: 2,
                    ..Placement::default()
                })
            }),
        ),
        (
            "published port",
            Box::new(|s| {
                s.endpoint_spec = Some(EndpointSpec {
                    mode: "vip".into(),
                    ports: vec![PortConfig {
                        target_port: 80,
                        published_port: 8080,
                        ..PortConfig::default()
                    }],
                })
            }),
        ),
        (
            "mode change",
            Box::new(|s| {
                s.mode = ServiceMode {
                    global: Some(Empty {}),
                    ..ServiceMode::default()
                }
            }),
        ),
    ];
    for (what, edit) in cases {
        let d = edited(edit);
        assert_eq!(d.class, Class::Rolling, "{what}: {:?}", d.changes);
        assert!(
            d.changes.iter().any(|c| c.region.dirties_tasks()),
            "{what}: {:?}",
            d.changes
        );
    }
}

#[test]
fn service_level_fields_update_in_place() {
    let cases: Vec<(&str, Edit)> = vec![
        (
            "update config",
            Box::new(|s| {
                if let Some(u) = s.update_config.as_mut() {
                    u.parallelism = 1;
                }
            }),
        ),
        (
            "rollback config",
            Box::new(|s| {
                s.rollback_config = None;
            }),
        ),
        (
            "service labels",
            Box::new(|s| {
                s.labels
                    .get_or_insert_with(StringMap::new)
                    .insert("team".into(), "a".into());
            }),
        ),
        (
            "placement constraints",
            Box::new(|s| {
                s.task_template.placement = Some(Placement {
                    constraints: vec!["node.role==manager".into()],
                    ..Placement::default()
                })
            }),
        ),
    ];
    for (what, edit) in cases {
        let d = edited(edit);
        assert_eq!(d.class, Class::InPlace, "{what}: {:?}", d.changes);
        assert!(!d.changes.is_empty(), "{what}");
    }
}

#[test]
fn a_replica_count_change_scales() {
    let d = edited(|s| s.mode.replicated = Some(ReplicatedService { replicas: Some(6) }));
    assert_eq!(d.class, Class::Scale, "{:?}", d.changes);
    assert_eq!(d.changes.len(), 1);
    assert_eq!(d.changes[0].region, Region::Replicas);
    // Replicas and labels together: an in-place update, still no task replaced.
    let both = edited(|s| {
        s.mode.replicated = Some(ReplicatedService { replicas: Some(6) });
        s.labels
            .get_or_insert_with(StringMap::new)
            .insert("team".into(), "a".into());
    });
    assert_eq!(both.class, Class::InPlace);
}

#[test]
fn create_and_remove() {
    assert_eq!(diff(None, Some(&desired()), &names()).class, Class::Create);
    assert_eq!(
        diff(Some(&live().spec), None, &names()).class,
        Class::Remove
    );
}

#[test]
fn a_zero_member_only_the_cli_adds_is_no_change_but_a_set_one_is() {
    let mut extra = live();
    let privileges = container(&mut extra.spec)
        .privileges
        .as_mut()
        .expect("privileges");
    assert_eq!(
        privileges.extra.get("NoNewPrivileges"),
        Some(&serde_json::Value::Bool(false))
    );
    privileges
        .extra
        .insert("NoNewPrivileges".into(), serde_json::Value::Bool(true));
    let d = diff(Some(&extra.spec), Some(&desired()), &names());
    assert_eq!(d.class, Class::Rolling, "{:?}", d.changes);
}

use super::*;

/// Reference §9.1, verbatim.
const WEB_API: &str = r#"{
  "family": "web-api",
  "networkMode": "bridge",
  "requiresCompatibilities": ["EC2"],
  "cpu": "512",
  "memory": "1024",
  "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
  "containerDefinitions": [
    {
      "name": "app",
      "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web-api:1.4.2",
      "essential": true,
      "cpu": 512,
      "memory": 1024,
      "memoryReservation": 768,
      "portMappings": [
        { "containerPort": 8080, "hostPort": 0, "protocol": "tcp" }
      ],
      "healthCheck": {
        "command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"],
        "interval": 30,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 60
      },
      "stopTimeout": 30,
      "environment": [ { "name": "LOG_LEVEL", "value": "info" } ],
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
          "awslogs-group": "/ecs/web-api",
          "awslogs-region": "us-east-1",
          "awslogs-stream-prefix": "ecs"
        }
      }
    }
  ],
  "placementConstraints": [
    { "type": "memberOf", "expression": "attribute:ecs.cpu-architecture == x86_64" }
  ]
}
"#;

/// Same as `samples/worker-fargate.json`.
const WORKER_FARGATE: &str = r#"{
  "family": "worker",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "1 vCPU",
  "memory": "2 GB",
  "runtimePlatform": { "operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64" },
  "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
  "containerDefinitions": [
    {
      "name": "worker",
      "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/worker:2.0.1",
      "essential": true,
      "stopTimeout": 60,
      "environment": [ { "name": "QUEUE", "value": "jobs" } ],
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
          "awslogs-group": "/ecs/worker",
          "awslogs-region": "us-east-1",
          "awslogs-stream-prefix": "ecs"
        }
      }
    }
  ]
}
"#;

fn expected_web_api() -> AwsTaskDefinition {
    AwsTaskDefinition {
        family: "web-api".into(),
        network_mode: Some("bridge".into()),
        requires_compatibilities: vec!["EC2".into()],
        cpu_units: Some(512),
        memory_mib: Some(1024),
        cpu_architecture: None,
        ephemeral_storage_gib: None,
        containers: vec![AwsContainer {
            name: "app".into(),
            image: Some("123456789012.dkr.ecr.us-east-1.amazonaws.com/web-api:1.4.2".into()),
            essential: true,
            cpu: 512,
            memory: Some(1024),
            memory_reservation: Some(768),
            port_mappings: vec![AwsPortMapping {
                container_port: 8080,
                host_port: Some(0),
                protocol: "tcp".into(),
            }],
            health_check: Some(AwsHealthCheck {
                command: vec![
                    "CMD-SHELL".into(),
                    "curl -f http://localhost:8080/health || exit 1".into(),
                ],
                interval_s: 30,
                timeout_s: 5,
                retries: 3,
                start_period_s: 60,
            }),
            stop_timeout_s: Some(30),
        }],
        placement_constraints: vec![AwsPlacementConstraint {
            kind: "memberOf".into(),
            expression: Some("attribute:ecs.cpu-architecture == x86_64".into()),
        }],
    }
}

fn errors_of(text: &str) -> Vec<JsonTaskDefError> {
    match parse_task_definition_json(text) {
        Ok(td) => panic!("expected errors, parsed {td:?}"),
        Err(e) => e,
    }
}

/// Line (1-based) of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).expect("needle in text");
    text[..at].matches('\n').count() + 1
}

#[test]
fn reference_example_parses() {
    let td = parse_task_definition_json(WEB_API).unwrap();
    assert_eq!(td, expected_web_api());
    let hc = td.containers[0].health_check.as_ref().unwrap();
    assert_eq!(
        (hc.interval_s, hc.timeout_s, hc.retries, hc.start_period_s),
        (30, 5, 3, 60)
    );
}

#[test]
fn fargate_variant_converts_units() {
    let td = parse_task_definition_json(WORKER_FARGATE).unwrap();
    assert_eq!(td.cpu_units, Some(1024));
    assert_eq!(td.memory_mib, Some(2048));
    assert_eq!(td.network_mode.as_deref(), Some("awsvpc"));
    assert_eq!(td.requires_compatibilities, vec!["FARGATE".to_string()]);
    assert_eq!(td.cpu_architecture.as_deref(), Some("X86_64"));
    let c = &td.containers[0];
    assert_eq!(c.name, "worker");
    assert!(c.port_mappings.is_empty());
    assert_eq!(c.stop_timeout_s, Some(60));
    assert_eq!((c.cpu, c.memory, c.memory_reservation), (0, None, None));
    assert!(td.placement_constraints.is_empty());
}

#[test]
fn describe_task_definition_wrapper() {
    let wrapped = format!(
            "{{\n\"taskDefinition\": {}, \"tags\": []}}",
            WEB_API.replace(
                "\"family\": \"web-api\",",
                "\"taskDefinitionArn\": \"arn:aws:ecs:us-east-1:123456789012:task-definition/web-api:3\",\n  \
                 \"family\": \"web-api\", \"revision\": 3, \"status\": \"ACTIVE\",\n  \
                 \"compatibilities\": [\"EC2\"], \"requiresAttributes\": [{\"name\": \"ecs.capability.container-health-check\"}],",
            )
        );
    assert_eq!(
        parse_task_definition_json(&wrapped).unwrap(),
        expected_web_api()
    );
    // Errors inside the wrapper use task-definition-relative paths and real lines.
    let broken = wrapped.replace("\"memory\": 1024,", "\"memory\": \"1024\",");
    let errs = errors_of(&broken);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].field, "containerDefinitions[0].memory");
    assert_eq!(
        errs[0].line,
        line_of(
            &broken,
            "\"memory\": \"1024\",\n      \"memoryReservation\""
        )
    );
}

#[test]
fn task_level_numbers_and_nulls() {
    let text = WEB_API
        .replace("\"cpu\": \"512\"", "\"cpu\": 512")
        .replace("\"memory\": \"1024\"", "\"memory\": 1024")
        .replace("\"image\": ", "\"dockerLabels\": null, \"image\": ");
    let td = parse_task_definition_json(&text).unwrap();
    assert_eq!((td.cpu_units, td.memory_mib), (Some(512), Some(1024)));
}

#[test]
fn broken_inputs() {
    // (input, expected field, message fragment, line of this text or 0 for "don't care")
    let syntax = "{\n  \"family\": \"x\",\n  oops\n}";
    let cases: Vec<(String, &str, &str, usize)> = vec![
        (syntax.to_string(), "", "invalid JSON", 3),
        (
            WEB_API.replace("\"memory\": 1024,", "\"memory\": \"1024\","),
            "containerDefinitions[0].memory",
            "must be an integer, got string \"1024\"",
            line_of(WEB_API, "\"memory\": 1024,"),
        ),
        (
            WEB_API.replace("\"family\": \"web-api\",\n", ""),
            "family",
            "missing required field \"family\"",
            1,
        ),
        (
            WEB_API.replace("\"memoryReservation\": 768", "\"memoryReservation\": 1024"),
            "containerDefinitions[0].memoryReservation",
            "must be less than memory",
            line_of(WEB_API, "\"memoryReservation\""),
        ),
        (
            WEB_API.replace("\"cpu\": \"512\"", "\"cpu\": \"lots\""),
            "cpu",
            "invalid task cpu \"lots\"",
            5,
        ),
        (
            WEB_API.replace("\"memory\": \"1024\"", "\"memory\": \"1.5 TB\""),
            "memory",
            "invalid task memory",
            6,
        ),
        (
            "{\"family\": \"x\"}".to_string(),
            "containerDefinitions",
            "missing required field \"containerDefinitions\"",
            1,
        ),
        (
            "{\"family\": \"x\", \"containerDefinitions\": []}".to_string(),
            "containerDefinitions",
            "at least one container",
            1,
        ),
        ("[1, 2]".to_string(), "", "must be a JSON object", 1),
        (
            "{\"family\": \"x\",\n \"containerDefinitions\": [\n  {\"name\": \"a\"}]}".to_string(),
            "containerDefinitions[0]",
            "neither memory nor memoryReservation",
            3,
        ),
        (
            WORKER_FARGATE.replace("\"stopTimeout\": 60", "\"stopTimeout\": 300"),
            "containerDefinitions[0].stopTimeout",
            "Fargate maximum of 120",
            line_of(WORKER_FARGATE, "\"stopTimeout\""),
        ),
        (
            WEB_API.replace("\"interval\": 30", "\"interval\": 1"),
            "containerDefinitions[0].healthCheck.interval",
            "must be from 5 to 300, got 1",
            line_of(WEB_API, "\"interval\""),
        ),
        (
            WEB_API.replace("\"timeout\": 5", "\"timeout\": 61"),
            "containerDefinitions[0].healthCheck.timeout",
            "must be from 2 to 60",
            0,
        ),
        (
            WEB_API.replace("\"retries\": 3", "\"retries\": 0"),
            "containerDefinitions[0].healthCheck.retries",
            "must be from 1 to 10",
            0,
        ),
        (
            WEB_API.replace("\"startPeriod\": 60", "\"startPeriod\": 301"),
            "containerDefinitions[0].healthCheck.startPeriod",
            "must be from 0 to 300",
            0,
        ),
        (
            WEB_API
                .replace("\"bridge\"", "\"awsvpc\"")
                .replace("\"hostPort\": 0", "\"hostPort\": 80"),
            "containerDefinitions[0].portMappings[0].hostPort",
            "in awsvpc network mode hostPort must equal containerPort (8080)",
            line_of(WEB_API, "\"hostPort\""),
        ),
        (
            WEB_API.replace("\"bridge\"", "\"vpc\""),
            "networkMode",
            "must be one of bridge, awsvpc, host, none",
            3,
        ),
        (
            WEB_API.replace("\"memberOf\"", "\"distinctInstance\""),
            "placementConstraints[0].type",
            "only type \"memberOf\"",
            0,
        ),
        (
            WEB_API.replace("\"essential\": true", "\"essential\": false"),
            "containerDefinitions",
            "at least one container must be essential",
            0,
        ),
        (
            WEB_API.replace("\"memory\": \"1024\"", "\"memory\": \"512\""),
            "memory",
            "more than the task-level memory of 512 MiB",
            6,
        ),
        (
            WEB_API.replace("\"cpu\": \"512\"", "\"cpu\": \"256\""),
            "cpu",
            "more than the task-level cpu of 256 units",
            5,
        ),
        (
            WEB_API.replace("\"protocol\": \"tcp\"", "\"protocol\": \"http\""),
            "containerDefinitions[0].portMappings[0].protocol",
            "must be \"tcp\" or \"udp\"",
            0,
        ),
        (
            WEB_API.replace("\"containerPort\": 8080", "\"containerPort\": 70000"),
            "containerDefinitions[0].portMappings[0].containerPort",
            "must be from 1 to 65535",
            0,
        ),
        (
            WEB_API.replace("\"essential\": true", "\"essential\": \"yes\""),
            "containerDefinitions[0].essential",
            "must be true or false",
            0,
        ),
        (
            WEB_API.replace("\"EC2\"", "\"EC3\""),
            "requiresCompatibilities[0]",
            "must be one of EC2, FARGATE",
            4,
        ),
        (
            WORKER_FARGATE.replace("\"awsvpc\"", "\"bridge\""),
            "networkMode",
            "Fargate supports only networkMode \"awsvpc\"",
            3,
        ),
        (
            WORKER_FARGATE.replace("\"memory\": \"2 GB\",\n", ""),
            "memory",
            "Fargate requires task-level memory",
            1,
        ),
        (
            WORKER_FARGATE.replace("\"X86_64\"", "\"x86\""),
            "runtimePlatform.cpuArchitecture",
            "must be X86_64 or ARM64",
            7,
        ),
        (
            WORKER_FARGATE.replace(
                "\"cpu\": \"1 vCPU\",",
                "\"cpu\": \"1 vCPU\", \"ephemeralStorage\": {\"sizeInGiB\": 500},",
            ),
            "ephemeralStorage.sizeInGiB",
            "must be from 21 to 200",
            5,
        ),
        (
            WEB_API.replace("\"name\": \"app\"", "\"name\": \"my app\""),
            "containerDefinitions[0].name",
            "letters, digits, hyphens or underscores",
            10,
        ),
    ];
    for (text, field, fragment, line) in cases {
        let errs = errors_of(&text);
        let hit = errs.iter().find(|e| e.field == field);
        let Some(e) = hit else {
            panic!("no error for field {field:?} in {errs:?}");
        };
        assert!(
            e.message.contains(fragment),
            "field {field}: {:?} lacks {fragment:?}",
            e.message
        );
        if line != 0 {
            assert_eq!(e.line, line, "field {field:?}: {e}");
        }
        assert!(e.line >= 1 && e.column >= 1);
    }
}

/// A Windows task definition is refused rather than priced as Linux: Fargate Windows costs $0.09148 +
/// $0.046 licence per vCPU-hour and $0.01005 per GB-hour against Linux's $0.04048 and $0.004445 (§5.2),
/// so 1 vCPU / 2 GB is $0.15758 an hour, not $0.04937.
#[test]
fn windows_is_refused() {
    let text = WORKER_FARGATE.replace("\"LINUX\"", "\"WINDOWS_SERVER_2022_CORE\"");
    let errs = errors_of(&text);
    let e = errs
        .iter()
        .find(|e| e.field == "runtimePlatform.operatingSystemFamily")
        .expect("an error for operatingSystemFamily");
    assert!(e.message.contains("is not modelled"), "{e}");
    assert_eq!(e.line, 7, "{e}");
    assert!(parse_task_definition_json(WORKER_FARGATE).is_ok());
}

#[test]
fn reports_every_problem() {
    let text = WEB_API
        .replace("\"family\": \"web-api\",\n", "")
        .replace("\"cpu\": \"512\"", "\"cpu\": \"lots\"")
        .replace("\"memory\": 1024,", "\"memory\": \"1024\",")
        .replace("\"retries\": 3", "\"retries\": 11");
    let errs = errors_of(&text);
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "family",
            "cpu",
            "containerDefinitions[0].memory",
            "containerDefinitions[0].healthCheck.retries",
        ]
    );
    // Sorted by position; Display includes it.
    assert!(errs.windows(2).all(|w| w[0].line <= w[1].line));
    assert!(errs[1].to_string().starts_with("line 4, column 3: cpu: "));
}

#[test]
fn bad_task_memory_is_reported_once() {
    let text = r#"{"family": "f", "memory": "lots",
            "containerDefinitions": [{"name": "a"}, {"name": "b"}]}"#;
    let errs = errors_of(text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].field, "memory");
}

#[test]
fn syntax_error_position() {
    let errs = errors_of("{\n  \"family\": \"x\",\n  \"cpu\": 512,\n}");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, 4);
    assert_eq!(errs[0].field, "");
    assert!(
        !errs[0].message.contains(" at line "),
        "{}",
        errs[0].message
    );
}

#[test]
fn fargate_rules_only_apply_to_fargate() {
    // stopTimeout 300 is fine on EC2.
    let text = WEB_API.replace("\"stopTimeout\": 30", "\"stopTimeout\": 300");
    assert_eq!(
        parse_task_definition_json(&text).unwrap().containers[0].stop_timeout_s,
        Some(300)
    );
    // awsvpc with hostPort equal to containerPort, or omitted, is fine.
    let text = WEB_API
        .replace("\"bridge\"", "\"awsvpc\"")
        .replace("\"hostPort\": 0", "\"hostPort\": 8080");
    assert!(parse_task_definition_json(&text).is_ok());
    let text = WEB_API
        .replace("\"bridge\"", "\"host\"")
        .replace("\"hostPort\": 0, ", "");
    let td = parse_task_definition_json(&text).unwrap();
    assert_eq!(td.containers[0].port_mappings[0].host_port, None);
}

#[test]
fn defaults_applied() {
    let text = r#"{"family": "f", "containerDefinitions": [
            {"name": "a", "memory": 256,
             "portMappings": [{"containerPort": 80}],
             "healthCheck": {"command": ["CMD", "true"]}}]}"#;
    let td = parse_task_definition_json(text).unwrap();
    let c = &td.containers[0];
    assert!(c.essential);
    assert_eq!(c.cpu, 0);
    assert_eq!(c.port_mappings[0].protocol, "tcp");
    assert_eq!(c.port_mappings[0].host_port, None);
    let hc = c.health_check.as_ref().unwrap();
    assert_eq!(
        (hc.interval_s, hc.timeout_s, hc.retries, hc.start_period_s),
        (30, 5, 3, 0)
    );
    assert_eq!(td.network_mode, None);
    assert!(td.requires_compatibilities.is_empty());
}

#[test]
fn task_cpu_strings() {
    let ok = [
        ("512", 512),
        (" 256 ", 256),
        ("1 vCPU", 1024),
        ("1vcpu", 1024),
        ("1 VCPU", 1024),
        ("0.25 vCPU", 256),
        ("0.5vCPU", 512),
        (".5 vcpu", 512),
        ("16 vCPU", 16384),
        ("1024.0", 1024),
    ];
    for (s, want) in ok {
        assert_eq!(parse_task_cpu(s), Ok(want), "{s:?}");
    }
    for s in [
        "lots",
        "",
        "vCPU",
        "-1",
        "0",
        "0 vCPU",
        "0.3 vCPU",
        "1e3",
        "1.5",
        "1 GB",
        "99999999999999",
    ] {
        let err = parse_task_cpu(s).unwrap_err().to_string();
        assert!(err.contains("invalid task cpu"), "{s:?}: {err}");
    }
    assert!(
        parse_task_cpu("0.3 vCPU")
            .unwrap_err()
            .to_string()
            .contains("whole number")
    );
}

#[test]
fn task_memory_strings() {
    let ok = [
        ("1024", 1024),
        ("2 GB", 2048),
        ("2GB", 2048),
        ("2gb", 2048),
        ("0.5 GB", 512),
        ("1.5 GB", 1536),
        ("4 GiB", 4096),
        ("120 GB", 122880),
    ];
    for (s, want) in ok {
        assert_eq!(parse_task_memory(s), Ok(want), "{s:?}");
    }
    for s in [
        "lots",
        "",
        "GB",
        "-2 GB",
        "0",
        "0.1 GB",
        "2 TB",
        "2 MB",
        "5000000 GB",
    ] {
        let err = parse_task_memory(s).unwrap_err().to_string();
        assert!(err.contains("invalid task memory"), "{s:?}: {err}");
    }
}

#[test]
fn positions_index() {
    let text = "{\n  \"a\": [1, {\"b\": 2}],\n  \"c\": {\"d\": \"x\\\"y\"}\n}";
    let p = index_positions(text);
    assert_eq!(p[""], (1, 1));
    assert_eq!(p["a"], (2, 3));
    assert_eq!(p["a[0]"], (2, 9));
    assert_eq!(p["a[1]"], (2, 12));
    assert_eq!(p["a[1].b"], (2, 13));
    assert_eq!(p["c.d"], (3, 9));
    // Garbage never hangs or panics.
    for junk in ["[}", "{]", "{\"a\" 1 2 ,,]", "[[[", "\"", "{\"a\":[:]}"] {
        let _ = index_positions(junk);
    }
}

/** JSON-protocol services answered from the account: KMS, Secrets Manager, SSM, CloudWatch Logs, ECR, WAFv2, CloudWatch. */
import type { DeployedResource, StandInAccount } from "./account.js";
import { AwsFault } from "./protocols.js";

type Body = Record<string, unknown>;
const arn = (r: DeployedResource) => String(r.attributes["arn"]);
const notFound = (what: string) => new AwsFault("ResourceNotFoundException", `${what} not found`);

function stackKey(account: StandInAccount, keyId: unknown): DeployedResource {
  const alias = account.all("aws:kms/alias:Alias").find((a) => a.inputs["name"] === keyId);
  const wanted = alias ? alias.inputs["targetKeyId"] : keyId;
  const key = account.all("aws:kms/key:Key").find((k) => k.attributes["id"] === wanted || arn(k) === wanted);
  if (key === undefined) throw new AwsFault("NotFoundException", `Key '${String(keyId)}' does not exist`);
  return key;
}

export function kms(account: StandInAccount, operation: string, body: Body): unknown {
  const key = stackKey(account, body["KeyId"]);
  if (operation === "DescribeKey") {
    return {
      KeyMetadata: {
        KeyId: key.attributes["id"],
        Arn: arn(key),
        Enabled: key.inputs["isEnabled"] ?? true,
        KeyState: key.inputs["isEnabled"] === false ? "Disabled" : "Enabled",
        KeyManager: "CUSTOMER",
        KeyUsage: key.inputs["keyUsage"] ?? "ENCRYPT_DECRYPT",
        KeySpec: key.inputs["customerMasterKeySpec"] ?? "SYMMETRIC_DEFAULT",
      },
    };
  }
  if (operation === "GetKeyRotationStatus") {
    const on = key.inputs["enableKeyRotation"] === true;
    return {
      KeyId: arn(key),
      KeyRotationEnabled: on,
      ...(on ? { RotationPeriodInDays: key.inputs["rotationPeriodInDays"] ?? 365 } : {}),
    };
  }
  throw new AwsFault("UnknownOperationException", `the stand-in does not answer KMS ${operation}`);
}

export function secretsManager(account: StandInAccount, operation: string, body: Body): unknown {
  if (operation !== "DescribeSecret")
    throw new AwsFault(
      "UnknownOperationException",
      `the stand-in does not answer Secrets Manager ${operation}`,
    );
  const wanted = body["SecretId"];
  const secret = account
    .all("aws:secretsmanager/secret:Secret")
    .find((s) => s.inputs["name"] === wanted || arn(s) === wanted);
  const rotation = account
    .all("aws:secretsmanager/secretRotation:SecretRotation")
    .find((r) => r.inputs["secretId"] === wanted || (secret && r.inputs["secretId"] === arn(secret)));
  // The RDS-managed master secret is not a program resource: RDS creates it; its ARN is the database's.
  const managed = [...account.all("aws:rds/instance:Instance"), ...account.all("aws:rds/cluster:Cluster")]
    .flatMap(
      (db) =>
        (db.attributes["masterUserSecrets"] as { secretArn: string; kmsKeyId: string }[] | undefined) ?? [],
    )
    .find((s) => s.secretArn === wanted);
  if (secret === undefined && managed === undefined) throw notFound(`Secret ${String(wanted)}`);
  const rules = rotation?.inputs["rotationRules"] as Body | undefined;
  return {
    ARN: secret ? arn(secret) : managed?.secretArn,
    Name: secret ? secret.inputs["name"] : String(managed?.secretArn).split(":").at(-1),
    KmsKeyId: secret ? secret.inputs["kmsKeyId"] : managed?.kmsKeyId,
    RotationEnabled: rotation !== undefined,
    ...(rules
      ? {
          RotationRules: {
            AutomaticallyAfterDays: rules["automaticallyAfterDays"],
            ScheduleExpression: rules["scheduleExpression"],
          },
        }
      : {}),
    LastRotatedDate: rotation ? Date.UTC(2026, 10, 15) / 1000 : undefined,
  };
}

export function ssm(account: StandInAccount, operation: string, body: Body): unknown {
  if (operation !== "GetParameters")
    throw new AwsFault("UnknownOperationException", `the stand-in does not answer SSM ${operation}`);
  const names = (body["Names"] as string[]) ?? [];
  const parameters = account
    .all("aws:ssm/parameter:Parameter")
    .filter((p) => names.includes(String(p.inputs["name"])));
  return {
    Parameters: parameters.map((p) => ({
      Name: p.inputs["name"],
      Type: p.inputs["type"],
      Value: p.inputs["insecureValue"] ?? p.inputs["value"],
      ARN: arn(p),
      Version: 1,
    })),
    InvalidParameters: names.filter((n) => !parameters.some((p) => p.inputs["name"] === n)),
  };
}

export function logs(account: StandInAccount, operation: string, body: Body): unknown {
  if (operation !== "DescribeLogGroups")
    throw new AwsFault("UnknownOperationException", `the stand-in does not answer Logs ${operation}`);
  const prefix = String(body["logGroupNamePrefix"] ?? "");
  const groups = account
    .all("aws:cloudwatch/logGroup:LogGroup")
    .filter((g) => String(g.inputs["name"]).startsWith(prefix));
  return {
    logGroups: groups.map((g) => ({
      logGroupName: g.inputs["name"],
      arn: arn(g),
      retentionInDays: g.inputs["retentionInDays"],
      kmsKeyId: g.inputs["kmsKeyId"],
    })),
  };
}

export function ecr(account: StandInAccount, operation: string, body: Body): unknown {
  const names = (body["repositoryNames"] as string[] | undefined) ?? [String(body["repositoryName"])];
  const repos = account
    .all("aws:ecr/repository:Repository")
    .filter((r) => names.includes(String(r.inputs["name"])));
  if (repos.length === 0)
    throw new AwsFault(
      "RepositoryNotFoundException",
      `The repository with name '${names[0]}' does not exist`,
    );
  const repo = repos[0] as DeployedResource;
  if (operation === "DescribeRepositories") {
    const encryption = (repo.inputs["encryptionConfigurations"] as Body[] | undefined)?.[0];
    return {
      repositories: repos.map((r) => ({
        repositoryName: r.inputs["name"],
        repositoryArn: arn(r),
        repositoryUri: r.attributes["repositoryUrl"],
        imageTagMutability: r.inputs["imageTagMutability"] ?? "MUTABLE",
        imageScanningConfiguration: {
          scanOnPush: (r.inputs["imageScanningConfiguration"] as Body | undefined)?.["scanOnPush"] ?? false,
        },
        encryptionConfiguration: {
          encryptionType: encryption?.["encryptionType"] ?? "AES256",
          kmsKey: encryption?.["kmsKey"],
        },
      })),
    };
  }
  if (operation === "GetLifecyclePolicy") {
    const policy = account
      .all("aws:ecr/lifecyclePolicy:LifecyclePolicy")
      .find((p) => p.inputs["repository"] === repo.inputs["name"]);
    if (policy === undefined) throw new AwsFault("LifecyclePolicyNotFoundException", "no lifecycle policy");
    return { repositoryName: repo.inputs["name"], lifecyclePolicyText: policy.inputs["policy"] };
  }
  throw new AwsFault("UnknownOperationException", `the stand-in does not answer ECR ${operation}`);
}

/** Pulumi's lower-camel WAF shapes → the API's Pascal case (`rateBasedStatement` → `RateBasedStatement`). */
function pascal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascal);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), pascal(v)]),
  );
}

export function wafv2(account: StandInAccount, operation: string, body: Body): unknown {
  const acls = account.all("aws:wafv2/webAcl:WebAcl");
  const view = (acl: DeployedResource) => ({
    ...(pascal(acl.inputs) as Body),
    Id: arn(acl).split("/").at(-1),
    ARN: arn(acl),
    Tags: undefined,
  });
  if (operation === "GetWebACL") {
    const acl = acls.find(
      (a) => a.inputs["name"] === body["Name"] && arn(a).endsWith(`/${String(body["Id"])}`),
    );
    if (acl === undefined) throw new AwsFault("WAFNonexistentItemException", "the web ACL does not exist");
    return { WebACL: view(acl), LockToken: "stand-in" };
  }
  if (operation === "GetWebACLForResource") {
    const association = account
      .all("aws:wafv2/webAclAssociation:WebAclAssociation")
      .find((a) => a.inputs["resourceArn"] === body["ResourceArn"]);
    const acl = association && acls.find((a) => arn(a) === association.inputs["webAclArn"]);
    return acl ? { WebACL: view(acl) } : {};
  }
  throw new AwsFault("WAFInvalidOperationException", `the stand-in does not answer WAFv2 ${operation}`);
}

export function cloudWatch(account: StandInAccount, operation: string, body: Body): unknown {
  if (operation === "DescribeAlarms") {
    const names = (body["AlarmNames"] as string[] | undefined) ?? [];
    const alarms = account
      .all("aws:cloudwatch/metricAlarm:MetricAlarm")
      .filter((a) => names.includes(String(a.inputs["name"])));
    return {
      MetricAlarms: alarms.map((a) => ({
        AlarmName: a.inputs["name"],
        AlarmArn: arn(a),
        MetricName: a.inputs["metricName"],
        Namespace: a.inputs["namespace"],
        Threshold: a.inputs["threshold"],
        ComparisonOperator: a.inputs["comparisonOperator"],
        EvaluationPeriods: a.inputs["evaluationPeriods"],
        ActionsEnabled: a.inputs["actionsEnabled"] ?? true,
        AlarmActions: a.inputs["alarmActions"] ?? [],
        StateValue: "OK",
      })),
    };
  }
  if (operation === "GetDashboard") {
    const dashboard = account
      .all("aws:cloudwatch/dashboard:Dashboard")
      .find((d) => d.inputs["dashboardName"] === body["DashboardName"]);
    if (dashboard === undefined)
      throw new AwsFault(
        "ResourceNotFound",
        `Dashboard ${String(body["DashboardName"])} does not exist`,
        404,
      );
    return {
      DashboardName: dashboard.inputs["dashboardName"],
      DashboardBody: dashboard.inputs["dashboardBody"],
      DashboardArn: dashboard.attributes["dashboardArn"],
    };
  }
  throw new AwsFault("InvalidAction", `the stand-in does not answer CloudWatch ${operation}`);
}

/**
 * Secrets Manager and Parameter Store: every planned secret exists under the stack's key; the database
 * master secret rotates on the planned schedule; the planned parameters hold the planned values.
 * Only metadata is read (DescribeSecret, GetParameters without decryption): never a secret value.
 */
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import type { PlanResource } from "../../../src/plan/types.js";
import { inputAt, stringInput } from "../plan-view.js";
import type { Check, CheckContext } from "../types.js";
import { DB_CLUSTER, DB_INSTANCE, describeCluster, describeInstance } from "./database.js";
import { found, known, referenced } from "./support.js";

const SECRET = "aws:secretsmanager/secret:Secret";
const ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";
const PARAMETER = "aws:ssm/parameter:Parameter";

export const secretsManager: Check = {
  id: "secrets-manager",
  title: "every planned secret exists, is not scheduled for deletion, and is encrypted with the stack's key",
  appliesTo: (plan) => plan.has(SECRET),
  async run({ plan, aws, translate }, findings) {
    for (const planned of plan.all(SECRET)) {
      const name = stringInput(planned, "name");
      const live = await aws.send(aws.secrets, new DescribeSecretCommand({ SecretId: name }));
      findings.equal(`${name} scheduled for deletion`, false, live.DeletedDate !== undefined);
      const key = inputAt(planned, "kmsKeyId");
      if (known(key)) findings.equal(`${name} kmsKeyId`, translate.live(key), live.KmsKeyId);
    }
    findings.note(`${plan.all(SECRET).length} secret(s)`);
  },
};

/**
 * The secret a planned rotation rotates, as the live account names it: a secret of the program (by its
 * name), else the database's RDS-managed master secret (exported as db_secret_arn, or asked of RDS).
 * Never the plan's ARN: RDS gives its secrets a random suffix the plan cannot know.
 */
async function rotatedSecretId(context: CheckContext, rotation: PlanResource): Promise<string> {
  const { plan, outputs } = context;
  const own = referenced(plan, rotation, "secretId", SECRET)[0];
  if (own !== undefined) return stringInput(own, "name");
  if (outputs.has("db_secret_arn")) return outputs.text("db_secret_arn");
  const cluster = plan.all(DB_CLUSTER)[0];
  const instance = plan.all(DB_INSTANCE)[0];
  const live = cluster
    ? await describeCluster(context, stringInput(cluster, "clusterIdentifier"))
    : await describeInstance(context, stringInput(found(instance, "a database in the plan"), "identifier"));
  return found(live.MasterUserSecret?.SecretArn, "the database's RDS-managed master user secret");
}

export const databaseSecretRotation: Check = {
  id: "db-secret-rotation",
  title: "the database master secret has rotation enabled on the planned schedule",
  appliesTo: (plan) => plan.has(ROTATION),
  async run(context, findings) {
    const { plan, aws } = context;
    for (const rotation of plan.all(ROTATION)) {
      const arn = await rotatedSecretId(context, rotation);
      const live = await aws.send(aws.secrets, new DescribeSecretCommand({ SecretId: arn }));
      findings.equal("rotationEnabled", true, live.RotationEnabled);
      const days = inputAt(rotation, "rotationRules.automaticallyAfterDays");
      if (days !== undefined)
        findings.equal("rotation every (days)", days, live.RotationRules?.AutomaticallyAfterDays);
      const schedule = inputAt(rotation, "rotationRules.scheduleExpression");
      if (schedule !== undefined)
        findings.equal("rotation schedule", schedule, live.RotationRules?.ScheduleExpression);
      findings.note(`${live.Name}: last rotated ${live.LastRotatedDate?.toISOString() ?? "never"}`);
    }
  },
};

export const ssmParameters: Check = {
  id: "ssm-parameters",
  title: "every planned Parameter Store parameter exists with the planned type and value",
  appliesTo: (plan) => plan.has(PARAMETER),
  async run({ plan, aws }, findings) {
    const planned = plan.all(PARAMETER);
    const names = planned.map((p) => stringInput(p, "name"));
    // GetParameters takes at most 10 names per call.
    const live = [];
    for (let i = 0; i < names.length; i += 10) {
      const answer = await aws.send(
        aws.ssm,
        new GetParametersCommand({ Names: names.slice(i, i + 10), WithDecryption: false }),
      );
      live.push(...(answer.Parameters ?? []));
    }
    for (const parameter of planned) {
      const name = stringInput(parameter, "name");
      const match = live.find((p) => p.Name === name);
      if (match === undefined) {
        findings.equal(name, "present", "absent");
        continue;
      }
      findings.equal(`${name} type`, inputAt(parameter, "type"), match.Type);
      const value = inputAt(parameter, "insecureValue") ?? inputAt(parameter, "value");
      if (match.Type !== "SecureString" && known(value)) findings.equal(`${name} value`, value, match.Value);
    }
    findings.note(`${live.length}/${planned.length} parameter(s)`);
  },
};

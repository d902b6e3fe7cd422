/**
 * The mutations `npm run mutate -w infra` applies, one at a time: each is an edit a reviewer could
 * plausibly wave through, that would break a real deployment, and that some test must therefore fail on.
 * `find` must match exactly once in `file` (paths relative to infra/); otherwise the table is stale.
 */
export interface Mutation {
  readonly id: string;
  readonly description: string;
  readonly file: string;
  readonly find: RegExp;
  readonly replace: string;
  /** Test files (relative to infra/) expected to kill it; the runner runs exactly these. */
  readonly tests: readonly string[];
}

const SIMULATION = [
  "test/iam/simulation-fastcart-dev.test.ts",
  "test/iam/simulation-orders-api-prod.test.ts",
];
const PREREQUISITES = ["test/plan-service-prerequisites.test.ts", "test/components/service.test.ts"];

export const MUTATIONS: readonly Mutation[] = [
  {
    id: "a",
    description: "key policy: the CloudWatch Logs statement cut to kms:DescribeKey",
    file: "src/components/encryption.ts",
    find: /(Sid: "CloudWatchLogsEncryptsStackLogGroups",[\s\S]*?Action: )\[[^\]]*\]/,
    replace: '$1["kms:DescribeKey"]',
    tests: [...SIMULATION, "test/components/encryption.test.ts"],
  },
  {
    id: "b",
    description: "execution roles: the kms:Decrypt statement for injected secrets removed",
    file: "src/components/service-roles.ts",
    find: /\{\s*Sid: "DecryptInjectedSecrets",[\s\S]*?\n\s*\},/,
    replace: "",
    tests: [...SIMULATION, "test/components/service-roles.test.ts"],
  },
  {
    id: "c",
    description: "blue/green production listener rule: ignoreChanges removed",
    file: "src/components/edge.ts",
    find: /ignoreChanges: [^,}]*"actions"[^,}]*/,
    replace: "ignoreChanges: []",
    tests: ["test/components/edge-listener-rule.test.ts", "test/components/edge.test.ts"],
  },
  {
    id: "d",
    description: "ECS service: the dependency on the capacity-provider association dropped",
    file: "src/components/service.ts",
    find: /(this\.prerequisites = \{\s*)capacityProviders,\s*/,
    replace: "$1",
    tests: PREREQUISITES,
  },
  {
    id: "e",
    description: "ECS service: the deployment alarms dropped",
    file: "src/components/service-ecs-service.ts",
    find: /\n\s*alarms: \{[^{}]*\},/,
    replace: "",
    tests: PREREQUISITES,
  },
  {
    id: "f",
    description: "app containers: master credentials restored (DB_USER/DB_PASSWORD from the master secret)",
    file: "src/program.ts",
    find: /const serviceSecrets: ContainerSecrets = \{ (AUTH_JWT_SECRET: secrets\.jwtSecretArn) \};\n(\s*)const serviceSecretArns: pulumi\.Input<string>\[\] = \[secrets\.jwtSecretArn\];/,
    replace:
      "const serviceSecrets: ContainerSecrets = {\n" +
      "    DB_USER: database.masterSecretArn.apply((arn) => arn + ':username::'),\n" +
      "    DB_PASSWORD: database.masterSecretArn.apply((arn) => arn + ':password::'),\n" +
      "    $1,\n" +
      "  };\n" +
      "$2const serviceSecretArns: pulumi.Input<string>[] = [secrets.jwtSecretArn, database.masterSecretArn];",
    tests: [...SIMULATION, "test/stack-fastcart-dev.test.ts", "test/stack-orders-api-prod.test.ts"],
  },
  {
    id: "g",
    description: "database security group opened to the VPC CIDR",
    file: "src/components/network.ts",
    find: /(description: "Database from the service",[\s\S]*?securityGroups: \[this\.serviceSecurityGroup\.id\],)/,
    replace: "$1\n          cidrBlocks: [args.cidr],",
    tests: [
      "test/policies/stack-fastcart-dev.test.ts",
      "test/policies/stack-orders-api-prod.test.ts",
      "test/components/network.test.ts",
    ],
  },
  {
    id: "h",
    description: "task role: an action misspelt (kinesis:GetRecords → kinesis:GetRecord)",
    file: "src/components/service-roles.ts",
    find: /"kinesis:GetRecords",/,
    replace: '"kinesis:GetRecord",',
    tests: SIMULATION,
  },
  {
    id: "i",
    description: "api/worker execution role: may read the database master secret too",
    file: "src/program.ts",
    find: /(const serviceSecretArns: pulumi\.Input<string>\[\] = \[secrets\.jwtSecretArn)\]/,
    replace: "$1, database.masterSecretArn]",
    tests: SIMULATION,
  },
  {
    id: "j",
    description: "key policy: the account's use of the key no longer limited to the stack's services",
    file: "src/components/encryption.ts",
    find: /(Sid: "AccountUsesKeyThroughStackServices",[\s\S]*?"kms:CallerAccount": accountId,)\s*"kms:ViaService": [^\n]*\n/,
    replace: "$1\n",
    tests: SIMULATION,
  },
];

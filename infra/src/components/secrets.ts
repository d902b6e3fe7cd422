import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type Naming, resourceName, resourceTags } from "../naming.js";

export interface SecretsArgs {
  readonly naming: Naming;
  /** Customer-managed key that encrypts every secret. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Also create the ElastiCache auth token. Default false. */
  readonly cacheAuthToken?: boolean;
  /**
   * Days Secrets Manager keeps a deleted secret (stack config `secretRecoveryWindowDays`): 0 deletes at once so
   * a destroyed stack can be re-created with the same names; raise it for secrets that must survive a mistake.
   */
  readonly recoveryWindowInDays: number;
}

/**
 * Application secrets that the service reads through ECS `secrets` (never plain environment):
 * the HS256 secret that signs API tokens and, with a cache, the Redis AUTH token. Values are generated
 * by `random.RandomPassword` — a resource, so the value is stable across deployments (an invoke would
 * produce a new one on every `pulumi up`) and kept encrypted in Pulumi state.
 * The database credentials are not here: RDS manages that secret itself (see the database component).
 */
export class Secrets extends pulumi.ComponentResource {
  readonly jwtSecret: aws.secretsmanager.Secret;
  readonly jwtSecretArn: pulumi.Output<string>;
  readonly cacheAuthTokenSecret: aws.secretsmanager.Secret | undefined;
  readonly cacheAuthTokenSecretArn: pulumi.Output<string> | undefined;
  /** The token itself, for the replication group's `authToken` (a Pulumi secret). */
  readonly cacheAuthToken: pulumi.Output<string> | undefined;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Secrets", name, {}, opts);
    const { naming } = args;

    const makeSecret = (resource: string, description: string, value: pulumi.Input<string>) => {
      const secretName = resourceName(naming, resource);
      const secret = new aws.secretsmanager.Secret(
        secretName,
        {
          name: secretName,
          description,
          kmsKeyId: args.kmsKeyArn,
          recoveryWindowInDays: args.recoveryWindowInDays,
          tags: resourceTags(naming, secretName),
        },
        { parent: this },
      );
      new aws.secretsmanager.SecretVersion(
        secretName,
        { secretId: secret.id, secretString: value },
        { parent: this },
      );
      return secret;
    };

    const jwtValue = new random.RandomPassword(
      resourceName(naming, "jwt-secret-value"),
      { length: 64, special: false },
      { parent: this },
    );
    this.jwtSecret = makeSecret(
      "jwt-secret",
      "HS256 secret that signs FastCart API tokens (AUTH_JWT_SECRET)",
      jwtValue.result,
    );
    this.jwtSecretArn = this.jwtSecret.arn;

    if (args.cacheAuthToken) {
      // ElastiCache AUTH tokens: 16-128 printable characters without / " @ or spaces.
      const token = new random.RandomPassword(
        resourceName(naming, "redis-auth-token-value"),
        { length: 64, special: false },
        { parent: this },
      );
      this.cacheAuthTokenSecret = makeSecret(
        "redis-auth-token",
        "ElastiCache AUTH token (REDIS_AUTH_TOKEN)",
        token.result,
      );
      this.cacheAuthTokenSecretArn = this.cacheAuthTokenSecret.arn;
      // Explicitly secret, whatever the engine does with the resource's additionalSecretOutputs.
      this.cacheAuthToken = pulumi.secret(token.result);
    }

    this.registerOutputs({
      jwtSecretArn: this.jwtSecretArn,
      cacheAuthTokenSecretArn: this.cacheAuthTokenSecretArn,
    });
  }
}

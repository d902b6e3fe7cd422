/**
 * The image every task definition runs, always by digest (`<repository>@sha256:…`): a tag can be pushed
 * again, a digest cannot, so a task definition revision keeps running the bytes it was deployed with and
 * a rollback returns to exactly the previous image.
 *
 * The digest is either given (`imageDigest`) or resolved from `imageTag` when the program runs
 * (`pulumi preview` / `up`) by asking ECR which image carries that tag now (`aws.ecr.getImage`). The
 * stack configuration guarantees one of the two is usable (`src/config.ts`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** An ECR repository named by its URL. */
export interface EcrRepository {
  /** The registry: the account that owns the repository. */
  readonly registryId: string;
  readonly region: string;
  /** Repository name (may contain slashes). */
  readonly name: string;
}

const ECR_URL = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+)$/;

/** `123456789012.dkr.ecr.eu-central-1.amazonaws.com/fastcart` → its parts; undefined for other registries. */
export function parseEcrRepositoryUrl(url: string): EcrRepository | undefined {
  const match = ECR_URL.exec(url);
  if (!match) return undefined;
  return { registryId: match[1]!, region: match[2]!, name: match[3]! };
}

/** Where the digest comes from: given, or looked up by tag in an ECR repository. */
export type ImageSource =
  | { readonly repositoryUrl: pulumi.Input<string>; readonly digest: string }
  | {
      readonly repositoryUrl: pulumi.Input<string>;
      readonly tag: string;
      /** The repository to resolve the tag in; `registryId`/`region` unset: the stack's own account and region. */
      readonly ecr: {
        readonly name: pulumi.Input<string>;
        readonly registryId?: string;
        readonly region?: string;
      };
    };

/** `<repository>@sha256:…` for the task definitions. */
export function imageByDigest(source: ImageSource): pulumi.Output<string> {
  if ("digest" in source) return pulumi.interpolate`${source.repositoryUrl}@${source.digest}`;
  // Fails the preview/update with ECR's "image not found" until an image with this tag is pushed:
  // the README's first-deploy path creates the repository first, then pushes, then deploys the rest.
  const digest = aws.ecr.getImageOutput({
    repositoryName: source.ecr.name,
    imageTag: source.tag,
    ...(source.ecr.registryId === undefined ? {} : { registryId: source.ecr.registryId }),
    ...(source.ecr.region === undefined ? {} : { region: source.ecr.region }),
  }).imageDigest;
  return pulumi.interpolate`${source.repositoryUrl}@${digest}`;
}

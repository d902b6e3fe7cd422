import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Naming, resourceName, resourceTags } from "../naming.js";

export interface RegistryArgs {
  readonly naming: Naming;
  /** Customer-managed key for image layers. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Images kept; older ones expire (stack config `ecrKeepImages`). */
  readonly keepImages: number;
}

/** ECR repository for the service image: scan on push, KMS encryption, mutable tags (the fastcart-dev stack pushes by tag), lifecycle. */
export class Registry extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly repositoryUrl: pulumi.Output<string>;
  readonly repositoryArn: pulumi.Output<string>;

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fastcart:components:Registry", name, {}, opts);
    const repoName = resourceName(args.naming, "ecr");
    this.repository = new aws.ecr.Repository(
      repoName,
      {
        name: repoName,
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
        forceDelete: true,
        tags: resourceTags(args.naming, repoName),
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      repoName,
      {
        repository: this.repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: `Keep the newest ${args.keepImages} images`,
              selection: {
                tagStatus: "any",
                countType: "imageCountMoreThan",
                countNumber: args.keepImages,
              },
              action: { type: "expire" },
            },
          ],
        }),
      },
      { parent: this },
    );
    this.repositoryUrl = this.repository.repositoryUrl;
    this.repositoryArn = this.repository.arn;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, repositoryArn: this.repositoryArn });
  }
}

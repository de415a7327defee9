"""EC2 instances that carry their ABAC tags in their own `tags`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.settings import InstanceSpec


@dataclass
class TaggedInstancesArgs:
    """Inputs of TaggedInstances."""

    instances: Sequence[InstanceSpec]
    """One entry per instance: name, tags (session-tag keys included) and type."""
    ami: pulumi.Input[str]
    """Image of every instance."""
    ami_from_parameter: bool
    """True when the AMI comes from an SSM parameter that moves with each image release."""
    subnet_id: str
    """Subnet of every instance; empty for the default VPC."""


class TaggedInstances(pulumi.ComponentResource):
    """One EC2 instance per configured entry, tagged with its cost center and project."""

    ids: pulumi.Output[dict[str, str]]
    """Instance ids by configured name."""

    def __init__(
        self, name: str, args: TaggedInstancesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("rbac:index:TaggedInstances", name, None, opts)

        created = {spec.name: self._create_instance(name, spec, args) for spec in args.instances}
        self.ids = pulumi.Output.all(**{key: inst.id for key, inst in created.items()})
        self.register_outputs({"ids": self.ids})

    def _create_instance(
        self, name: str, spec: InstanceSpec, args: TaggedInstancesArgs
    ) -> aws.ec2.Instance:
        # Tags are set on the instance itself, never through provider default tags, so that each
        # instance's cost center is visible and reviewable in its own diff.
        tags = {"Name": spec.name, **spec.tags}
        # A parameter-resolved AMI changes with every image release; replacing running
        # instances for that would surprise their owners, so the AMI is read once at create.
        ignore = ["ami"] if args.ami_from_parameter else None
        return aws.ec2.Instance(
            f"{name}-{spec.name}",
            ami=args.ami,
            instance_type=spec.instance_type,
            subnet_id=args.subnet_id or None,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=ignore),
        )

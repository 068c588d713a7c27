"""Compute targets: ComputeTarget, AmlCompute and ComputeTargetException.

An AmlCompute is a runnel compute target: creating one registers a local process pool
whose max_nodes sets the parallel slots, unless the workspace already maps that name to
a target (a Slurm target registered beforehand is used as is). vm_size, min_nodes and the
other cloud settings are accepted and recorded with the target.
"""

import json

from ._native import native


from runnel.exceptions import ComputeTargetException  # noqa: E402,F401


class _Status:
    def __init__(self, target):
        self._target = target

    def serialize(self):
        t = self._target
        return {"currentNodeCount": 0, "targetNodeCount": 0,
                "nodeStateCounts": {"idleNodeCount": 0, "runningNodeCount": 0, "preparingNodeCount": 0,
                                    "unusableNodeCount": 0, "leavingNodeCount": 0,
                                    "preemptedNodeCount": 0},
                "allocationState": "Steady", "provisioningState": t.provisioning_state,
                "provisioningErrors": None, "vmSize": t.vm_size, "vmPriority": "Dedicated",
                "scaleSettings": {"minNodeCount": t.min_nodes, "maxNodeCount": t.max_nodes,
                                  "nodeIdleTimeBeforeScaleDown": "PT%dS" % t.idle_seconds_before_scaledown},
                "computeType": t.type, "runnelType": t._runnel_type}

    def __getattr__(self, name):
        return self.serialize().get(name)

    def __repr__(self):
        return "ComputeTargetStatus(%r)" % self.serialize()


class ComputeTarget:
    """A compute target of the workspace. ComputeTarget(ws, name) raises
    ComputeTargetException when `name` is not registered."""

    type = "ComputeTarget"

    def __new__(cls, workspace=None, name=None):
        if workspace is None:  # copy/unpickle
            return super().__new__(cls)
        from .core import _as_workspace
        ws = _as_workspace(workspace)
        rec = ws._native.get_compute(name) if name != "local" else {
            "name": "local", "type": "local", "config_json": "{}", "created_at": 0}
        if rec is None:
            raise ComputeTargetException(
                "ComputeTargetNotFound: Compute Target with name %s not found in provided workspace "
                "(%s); create it with ComputeTarget.create(ws, %r, AmlCompute.provisioning_configuration"
                "(max_nodes=N)) or `runnel compute create %s`" % (name, ws.path, name, name))
        return ComputeTarget._from_record(ws, rec)

    def __init__(self, workspace=None, name=None):
        pass  # set up by _from_record

    @staticmethod
    def _from_record(ws, rec):
        cfg = json.loads(rec.get("config_json") or "{}")
        cls = AmlCompute if rec["type"] == "local" else _OtherCompute
        obj = object.__new__(cls)
        obj.workspace = ws
        obj.name = rec["name"]
        obj._runnel_type = rec["type"]
        obj._config = cfg
        obj.vm_size = cfg.get("vm_size") or "local"
        obj.min_nodes = int(cfg.get("min_nodes") or 0)
        obj.max_nodes = int(cfg.get("max_nodes") or 0)
        obj.idle_seconds_before_scaledown = int(cfg.get("idle_seconds_before_scaledown") or 1800)
        obj.provisioning_state = "Succeeded"
        obj.location = "local"
        return obj

    @staticmethod
    def create(workspace, name, provisioning_configuration):
        """Registers `name` (see the module docstring) and returns it; an existing target of
        that name is returned unchanged."""
        from .core import _as_workspace
        if not isinstance(provisioning_configuration, AmlComputeProvisioningConfiguration):
            raise TypeError("ComputeTarget.create: provisioning_configuration must come from "
                            "AmlCompute.provisioning_configuration(...), not %s"
                            % type(provisioning_configuration).__name__)
        ws = _as_workspace(workspace)
        if not isinstance(name, str) or not name:
            raise ValueError("ComputeTarget.create: name must be a non-empty str")
        if name == "local" or ws._native.get_compute(name) is not None:
            return ComputeTarget(ws, name)
        ws._native.put_compute(name, "local", json.dumps(provisioning_configuration._record()))
        return ComputeTarget(ws, name)

    @staticmethod
    def attach(workspace, name, attach_configuration):
        raise NotImplementedError("ComputeTarget.attach: register the target with `runnel compute "
                                  "create %s --type slurm ...` instead" % name)

    @staticmethod
    def list(workspace):
        from .core import _as_workspace
        return list(_as_workspace(workspace).compute_targets.values())

    def wait_for_completion(self, show_output=False, min_node_count=None, timeout_in_minutes=25,
                            is_delete_operation=False):
        if show_output:
            print("Provisioning operation finished, operation \"Succeeded\"")
            print("Succeeded")
            print("AmlCompute wait for completion finished\n")

    def get_status(self):
        return _Status(self)

    @property
    def status(self):
        return _Status(self)

    def delete(self):
        self.workspace._native.delete_compute(self.name)
        self.provisioning_state = "Deleting"

    def detach(self):
        self.delete()

    def refresh_state(self):
        pass

    def serialize(self):
        return {"name": self.name, "type": self.type, "properties": dict(self._config)}

    def __eq__(self, other):
        return isinstance(other, ComputeTarget) and (other.workspace, other.name) == (self.workspace, self.name)

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return "%s(workspace=%s, name=%s, type=%s, provisioning_state=%s)" % (
            type(self).__name__, self.workspace.name, self.name, self.type, self.provisioning_state)


class AmlComputeProvisioningConfiguration:
    def __init__(self, vm_size="", vm_priority="dedicated", min_nodes=0, max_nodes=None,
                 idle_seconds_before_scaledown=1800, admin_username=None, admin_user_password=None,
                 admin_user_ssh_key=None, vnet_resourcegroup_name=None, vnet_name=None,
                 subnet_name=None, tags=None, description=None,
                 remote_login_port_public_access="NotSpecified", identity_type=None,
                 identity_id=None, location=None, enable_node_public_ip=True):
        if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
            raise ValueError("max_nodes must be a positive int, not %r" % (max_nodes,))
        if not isinstance(min_nodes, int) or min_nodes < 0:
            raise ValueError("min_nodes must be a non-negative int, not %r" % (min_nodes,))
        if max_nodes is not None and min_nodes > max_nodes:
            raise ValueError("min_nodes (%d) is larger than max_nodes (%d)" % (min_nodes, max_nodes))
        self.vm_size = vm_size or "Standard_NC6"
        self.vm_priority = vm_priority
        self.min_nodes = min_nodes
        self.max_nodes = 4 if max_nodes is None else max_nodes
        self.idle_seconds_before_scaledown = idle_seconds_before_scaledown
        self.tags = dict(tags or {})
        self.description = description
        self.location = location

    def _record(self):
        return {"max_nodes": self.max_nodes, "vm_size": self.vm_size, "vm_priority": self.vm_priority,
                "min_nodes": self.min_nodes,
                "idle_seconds_before_scaledown": self.idle_seconds_before_scaledown,
                "tags": self.tags, "description": self.description or ""}

    def validate_configuration(self):
        pass


class AmlCompute(ComputeTarget):
    """Azure ML compute, run here as a local process pool of max_nodes slots."""

    type = "AmlCompute"

    @staticmethod
    def provisioning_configuration(vm_size="", vm_priority="dedicated", min_nodes=0, max_nodes=None,
                                   idle_seconds_before_scaledown=None, admin_username=None,
                                   admin_user_password=None, admin_user_ssh_key=None,
                                   vnet_resourcegroup_name=None, vnet_name=None, subnet_name=None,
                                   tags=None, description=None,
                                   remote_login_port_public_access="NotSpecified",
                                   identity_type=None, identity_id=None, location=None,
                                   enable_node_public_ip=True):
        return AmlComputeProvisioningConfiguration(
            vm_size, vm_priority, min_nodes, max_nodes,
            1800 if idle_seconds_before_scaledown is None else idle_seconds_before_scaledown,
            admin_username, admin_user_password, admin_user_ssh_key, vnet_resourcegroup_name,
            vnet_name, subnet_name, tags, description, remote_login_port_public_access,
            identity_type, identity_id, location, enable_node_public_ip)

    @staticmethod
    def supported_vmsizes(workspace, location=None):
        return [{"name": "local", "vCPUs": 0, "gpus": 0, "memoryGB": 0}]



class ComputeInstance(AmlCompute):
    """A compute instance: here a local target of one slot, as AmlCompute is a local pool."""

    type = "ComputeInstance"

    @staticmethod
    def provisioning_configuration(vm_size="", ssh_public_access=False, admin_user_ssh_public_key=None,
                                   vnet_resourcegroup_name=None, vnet_name=None, subnet_name=None,
                                   tags=None, description=None, assigned_user_object_id=None,
                                   assigned_user_tenant_id=None, **_ignored):
        return AmlCompute.provisioning_configuration(vm_size=vm_size, min_nodes=0, max_nodes=1,
                                                     tags=tags, description=description)

class DataFactoryProvisioningConfiguration(AmlComputeProvisioningConfiguration):
    def __init__(self, location=None):
        super().__init__(vm_size="DataFactory", max_nodes=4, location=location)


class DataFactoryCompute(ComputeTarget):
    """Azure Data Factory (where Azure ML runs DataTransferStep): here a local compute
    target; DataFactoryCompute(ws, name) raises ComputeTargetException until created."""

    type = "DataFactory"

    def __new__(cls, workspace=None, name=None):
        obj = ComputeTarget.__new__(ComputeTarget, workspace, name)
        if obj is not None and workspace is not None:
            obj.__class__ = DataFactoryCompute
        return obj

    @staticmethod
    def provisioning_configuration(location=None):
        return DataFactoryProvisioningConfiguration(location)


class _OtherCompute(ComputeTarget):
    """A target registered with `runnel compute create` under another type (e.g. Slurm)."""

    @property
    def type(self):
        return self._runnel_type.capitalize()


def compute_name(target):
    """The runnel compute name for a step's compute_target: an object, a name, a
    (name, type) tuple, or None."""
    if target is None:
        return ""
    if isinstance(target, ComputeTarget):
        return target.name
    if isinstance(target, tuple) and target and isinstance(target[0], str):
        return target[0]
    if isinstance(target, str):
        return target
    raise TypeError("compute_target must be a ComputeTarget, its name or a (name, type) tuple, not %s"
                    % type(target).__name__)

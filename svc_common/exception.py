"""Domain errors. Domain code raises these; only the API turns them into HTTP errors.

Each class carries the HTTP code the API maps it to, so the mapping lives in one place
(``code``) and the message is formatted from keyword arguments.
"""


class NimbusException(Exception):
    msg_fmt = 'An unknown error occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)


class Invalid(NimbusException):
    msg_fmt = 'Invalid request: %(reason)s'
    code = 400


class ValidationError(Invalid):
    msg_fmt = 'Invalid input for field/attribute %(field)s. %(reason)s'


class ObjectMethodNotRemotable(Invalid):
    msg_fmt = '%(objname)s.%(objmethod)s is not a remotable method'


class Forbidden(NimbusException):
    msg_fmt = 'Policy does not allow %(action)s to be performed.'
    code = 403


class PolicyNotAuthorized(Forbidden):
    pass


class NotFound(NimbusException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class Conflict(NimbusException):
    msg_fmt = 'Conflict: %(reason)s'
    code = 409


class ServiceUnavailable(NimbusException):
    msg_fmt = 'Service unavailable: %(reason)s'
    code = 503


class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class FlavorNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class FlavorExists(Conflict):
    msg_fmt = 'Flavor with %(field)s %(value)s already exists.'


class ImageNotFound(NotFound):
    msg_fmt = 'Image %(image_id)s could not be found.'


class ImageNotActive(Invalid):
    msg_fmt = 'Image %(image_id)s is not active.'


class ImageBadRequest(Invalid):
    msg_fmt = 'Request of image %(image_id)s got BadRequest response: %(reason)s'


class FlavorMemoryTooSmall(Invalid):
    msg_fmt = "Flavor's memory is too small for requested image."


class FlavorDiskSmallerThanImage(Invalid):
    msg_fmt = ("Flavor's disk is too small for requested image. Flavor disk is %(flavor_size)i "
               "bytes, image is %(image_size)i bytes.")


class FlavorDiskSmallerThanMinDisk(Invalid):
    msg_fmt = ("Flavor's disk is smaller than the minimum size specified in image metadata. "
               "Flavor disk is %(flavor_size)i bytes, minimum size is %(image_min_disk)i bytes.")


class RequestSpecNotFound(NotFound):
    msg_fmt = 'Request spec for instance %(instance_uuid)s could not be found.'


class MigrationNotFound(NotFound):
    msg_fmt = 'Migration %(migration_id)s could not be found.'


class ComputeHostNotFound(NotFound):
    msg_fmt = 'Compute host %(host)s could not be found.'


class HypervisorHostnameNotFound(ComputeHostNotFound):
    msg_fmt = 'Compute host with hypervisor hostname %(node)s could not be found.'


class HostAndHypervisorHostnameNotFound(ComputeHostNotFound):
    msg_fmt = ('Compute host %(host)s with hypervisor hostname %(node)s could not be '
               'found.')


class ComputeNodeNotFound(NotFound):
    msg_fmt = 'Compute node %(node)s could not be found.'


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class ServiceExists(Conflict):
    msg_fmt = 'Service with host %(host)s binary %(binary)s exists.'


class ActionNotFound(NotFound):
    msg_fmt = 'Action for request_id %(request_id)s on instance %(instance_uuid)s not found.'


class QuotaNotFound(NotFound):
    msg_fmt = 'Quota could not be found.'


class OverQuota(Forbidden):
    """Carries the resources that would exceed their limits."""
    msg_fmt = ('Quota exceeded for %(overs)s: Requested %(req)s, but already used '
               '%(used)s of %(allowed)s %(overs)s')


class TooManyInstances(OverQuota):
    pass


class MetadataLimitExceeded(Forbidden):
    msg_fmt = 'Maximum number of metadata items exceeds %(allowed)d'


class NoValidHost(NimbusException):
    msg_fmt = 'No valid host was found. %(reason)s'


class ClaimConflict(NimbusException):
    msg_fmt = 'Compute node %(node)s changed while claiming; retry.'
    code = 409


class InsufficientResources(NimbusException):
    msg_fmt = 'Host %(host)s cannot fit %(resource)s: requested %(requested)s, free %(free)s.'


class UnshelveNotOffloaded(Conflict):
    msg_fmt = ('Instance %(instance_uuid)s is shelved but not offloaded: it unshelves '
               'on its host, in its zone')


class InstanceInvalidState(Conflict):
    msg_fmt = ('Cannot \'%(method)s\' instance %(instance_uuid)s while it is in '
               '%(attr)s %(state)s')


class UnexpectedTaskStateError(Conflict):
    msg_fmt = ('Conflict updating instance %(instance_uuid)s. Expected: %(expected)s. '
               'Actual: %(actual)s')


class UnexpectedDeletingTaskStateError(UnexpectedTaskStateError):
    pass


class UnexpectedMigrationStatus(Conflict):
    msg_fmt = 'Migration %(migration)s is %(actual)s, expected %(expected)s.'


class InvalidStateTransition(NimbusException):
    msg_fmt = 'Transition %(what)s from %(old)s to %(new)s is not in the state table.'


class InstanceExists(Conflict):
    msg_fmt = 'Instance %(name)s already exists.'


class DBNotAllowed(NimbusException):
    msg_fmt = '%(binary)s is not allowed direct database access.'


class DatabaseUnavailable(ServiceUnavailable):
    msg_fmt = 'The database is unavailable: %(reason)s'


class InvalidMicroversion(NimbusException):
    msg_fmt = 'Invalid API version request: %(version)s'
    code = 400


class UnsupportedMicroversion(NimbusException):
    msg_fmt = ('Version %(version)s is not supported by the API. Minimum is %(min)s and '
               'maximum is %(max)s.')
    code = 406


class HypervisorUnavailable(NimbusException):
    msg_fmt = 'Connection to the hypervisor is broken on host %(host)s.'


class InstanceNotRunning(Invalid):
    msg_fmt = 'Instance %(instance_id)s is not running.'


class ConsoleNotAvailable(NotFound):
    msg_fmt = 'Guest console of instance %(instance_id)s is not available.'


# -- added for the API (api_svc) ---------------------------------------------------------

class MarkerNotFound(Invalid):
    msg_fmt = 'marker [%(marker)s] not found'


class InvalidSortKey(Invalid):
    msg_fmt = 'Invalid sort_key: %(key)s'


class InvalidSortDir(Invalid):
    msg_fmt = 'Invalid sort_dir: %(dir)s'


class ImageExists(Conflict):
    msg_fmt = 'Image with identifier %(image_id)s already exists!'


class ImageTooLarge(NimbusException):
    msg_fmt = 'Image exceeds the storage limit of %(limit)d bytes.'
    code = 413


class ImageLimitExceeded(NimbusException):
    msg_fmt = 'Attempted %(what)s: %(attempted)d, maximum: %(maximum)d.'
    code = 413


class ImageForbidden(Forbidden):
    msg_fmt = 'You are not permitted to %(action)s image %(image_id)s.'


class ImageInUse(Conflict):
    msg_fmt = 'Image %(image_id)s is in use: %(reason)s.'


class ImageStatusConflict(Conflict):
    msg_fmt = 'Image %(image_id)s is %(status)s; %(action)s needs it %(expected)s.'


class UnsupportedMediaType(NimbusException):
    msg_fmt = 'Content type %(content_type)s is not supported here.'
    code = 415


class LengthRequired(NimbusException):
    msg_fmt = 'The request needs a Content-Length (or chunked transfer encoding).'
    code = 411


class ServiceInUse(Conflict):
    msg_fmt = 'Service %(service_id)s still hosts %(count)d instance(s).'


class QuotaBelowUsage(Invalid):
    msg_fmt = ('Quota limit %(limit)s for %(resource)s must be greater than or equal to '
               'already used and reserved %(used)s.')


class InstanceIsLocked(Conflict):
    msg_fmt = 'Instance %(instance_uuid)s is locked'


class InstanceNotReady(Conflict):
    msg_fmt = 'Instance %(instance_id)s is not ready yet: %(reason)s'


class NotSupported(NimbusException):
    msg_fmt = '%(what)s is not supported by this cloud.'
    code = 400


class DiagnosticsNotImplemented(NimbusException):
    msg_fmt = 'Unable to get diagnostics: the hypervisor of %(host)s does not provide them.'
    code = 501


class ConsoleNotImplemented(NimbusException):
    msg_fmt = 'Unable to get console output: the hypervisor of %(host)s does not provide it.'
    code = 501


class ResizeError(Invalid):
    msg_fmt = 'Resize error: %(reason)s'


class CannotResizeDisk(Invalid):
    msg_fmt = 'Server disk was unable to be resized because: %(reason)s'


# -- added for the libvirt driver (compute_svc/virt/libvirt) -------------------------------

class ImageUnacceptable(Invalid):
    msg_fmt = 'Image %(image_id)s is unacceptable: %(reason)s'


class ImageDownloadFailed(NimbusException):
    msg_fmt = 'Download of image %(image_id)s failed: %(reason)s'


class ImageUploadFailed(NimbusException):
    msg_fmt = 'Upload of image %(image_id)s failed: %(reason)s'


class ImageServiceUnreachable(ImageDownloadFailed):
    """The image API did not answer (or answered that it cannot now): worth trying
    again later, unlike a refusal."""
    msg_fmt = 'The image API is unreachable (image %(image_id)s): %(reason)s'


class SnapshotAbandoned(NimbusException):
    msg_fmt = 'Snapshot to image %(image_id)s abandoned: %(reason)s'


# -- added for resize and cold migration in the API (api_svc) ----------------------------

class CannotResizeToSameFlavor(Invalid):
    msg_fmt = 'When resizing, instances must change flavor!'


class CannotMigrateToSameHost(Invalid):
    msg_fmt = 'Cannot migrate to the host where the server exists.'


# -- added for key pairs (os-keypairs) -------------------------------------------------------

class KeypairNotFound(NotFound):
    msg_fmt = 'Keypair %(name)s not found for user %(user_id)s'


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


class InvalidKeypair(Invalid):
    msg_fmt = 'Keypair data is invalid: %(reason)s'


class KeypairLimitExceeded(Forbidden):
    msg_fmt = 'Maximum number of key pairs exceeded'


# -- added for server groups (os-server-groups) -------------------------------------------

class InstanceGroupNotFound(NotFound):
    msg_fmt = 'Instance group %(group_uuid)s could not be found.'


class ServerGroupLimitExceeded(OverQuota):
    msg_fmt = 'Quota exceeded, too many server groups.'


class ServerGroupMembersLimitExceeded(OverQuota):
    msg_fmt = 'Quota exceeded, too many servers in group'


# -- added for host aggregates (os-aggregates) --------------------------------------------

class AggregateNotFound(NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s could not be found.'


class AggregateNameExists(Conflict):
    msg_fmt = 'Aggregate %(aggregate_name)s already exists.'


class AggregateHostExists(Conflict):
    msg_fmt = 'Aggregate %(aggregate_id)s already has host %(host)s.'


class AggregateHostNotFound(NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s has no host %(host)s.'


class InvalidAggregateAction(Invalid):
    msg_fmt = 'Cannot %(action)s aggregate %(aggregate_id)s. Reason: %(reason)s.'


# -- added for flavor access (os-flavor-access) ------------------------------------------

class FlavorAccessExists(Conflict):
    msg_fmt = ('Flavor access already exists for flavor %(flavor_id)s and project '
               '%(project_id)s combination.')


class FlavorAccessNotFound(NotFound):
    msg_fmt = 'Flavor access not found for %(flavor_id)s / %(project_id)s combination.'


# -- added for os-hosts ----------------------------------------------------------------

class HostActionNotImplemented(NimbusException):
    msg_fmt = 'Virt driver does not implement %(what)s.'
    code = 501


# -- added for the instance usage audit (os-instance_usage_audit_log) -------------------

class TaskAlreadyRunning(Conflict):
    msg_fmt = 'Task %(task_name)s is already running on host %(host)s for this period.'


class TaskNotRunning(Conflict):
    msg_fmt = 'Task %(task_name)s is not running on host %(host)s for this period.'


# -- added for the legacy network proxies (os-networks, os-tenant-networks) ----------

class NetworkNotFound(NotFound):
    msg_fmt = 'Network %(network_id)s could not be found.'


class Gone(NimbusException):
    msg_fmt = '%(what)s was removed with nova-network and is no longer available.'
    code = 410


# -- added for the operator's own networks (svc_common/objects/network.py) ----------

class InvalidNetwork(Invalid):
    msg_fmt = 'Invalid network: %(reason)s'


class NetworkInUse(Conflict):
    msg_fmt = ('Network %(network_id)s still has %(count)d allocated addresses: delete '
               'their servers first.')


class NoMoreFixedIps(NimbusException):
    msg_fmt = 'No fixed IP addresses available for network: %(net)s'
    code = 409


# -- added for live migration ------------------------------------------------------------------

class MigrationPreCheckError(Invalid):
    msg_fmt = 'Migration pre-check error: %(reason)s'


class LiveMigrationFailed(NimbusException):
    msg_fmt = 'Live migration failed: %(reason)s'


class LiveMigrationAborted(NimbusException):
    msg_fmt = 'Live migration of instance %(instance_uuid)s was aborted.'


class InvalidMigrationState(Invalid):
    msg_fmt = ('Migration %(migration_id)s state of instance %(instance_uuid)s is '
               '%(state)s. Cannot %(method)s while the migration is in this state.')

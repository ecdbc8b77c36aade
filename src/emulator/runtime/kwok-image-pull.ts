/**
 * Nodes without a pull scope cannot pull from Artifact Registry, as on GKE: a node pool created
 * through the API with neither `cloud-platform` nor `devstorage.read_only` gets a node token
 * Artifact Registry refuses, and pods of images hosted there stay Pending in ErrImagePull.
 *
 * A kwok Stage sees only the pod, so the one fact about its node it can read is the node's name:
 * nodes of such pools end in NO_PULL_SCOPE_SUFFIX (names are otherwise collapsed to single
 * hyphens, so the suffix cannot occur by chance).
 */

/** Ends the names of nodes whose pool lacks a scope that may read Artifact Registry. */
export const NO_PULL_SCOPE_SUFFIX = '--no-pull-scope';

/**
 * Images the local cloud treats as hosted on Artifact Registry: the local registry on loopback
 * (`127.0.0.1:PORT/…`, `localhost:PORT/…`) and `LOCATION-docker.pkg.dev/…`.
 */
const AR_IMAGE = '^(127[.]0[.]0[.]1|localhost)(:[0-9]+)?/|^[a-z0-9-]+-docker[.]pkg[.]dev/';

/** A jq query that is `true` for a pod on a node without a pull scope running an Artifact Registry image. */
export const PULL_DENIED_QUERY =
  `((.spec.nodeName // "") | endswith("${NO_PULL_SCOPE_SUFFIX}")) and ` +
  `([.spec.containers[]?.image | test("${AR_IMAGE}")] | any)`;

/** What the kubelet reports when Artifact Registry refuses the node's token. */
const pullDenied = `{{ $now := Now }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: PodScheduled
- lastTransitionTime: {{ $now | Quote }}
  status: "False"
  type: Ready
  reason: ContainersNotReady
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  started: false
  restartCount: 0
  state:
    waiting:
      reason: ErrImagePull
      message: {{ printf "failed to pull and unpack image %q: failed to resolve reference %q: failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://artifactregistry.googleapis.com/v1/token: 403 Forbidden (the node pool's OAuth scopes include neither cloud-platform nor devstorage.read_only)" .image .image | Quote }}
{{ end }}
phase: Pending
`;

/** The pod Stage: such pods get ErrImagePull instead of running (pod-ready excludes them with PULL_DENIED_QUERY). */
export const imagePullDeniedStage = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage' as const,
  metadata: { name: 'pod-image-pull-denied' },
  spec: {
    resourceRef: { apiGroup: 'v1', kind: 'Pod' },
    selector: {
      matchExpressions: [
        { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
        { key: '.status.phase', operator: 'In', values: ['Pending'] },
        { key: '.status.containerStatuses', operator: 'DoesNotExist' },
        { key: PULL_DENIED_QUERY, operator: 'In', values: ['true'] },
      ],
    },
    next: {
      statusTemplate: pullDenied,
      event: { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull' },
    },
  },
};

/**
 * An in-memory GkeClient for unit tests of the GKE activities' logic (resume, adopt, races).
 * The real contract is exercised against the GKE emulator in gke.test.ts.
 */
import type { Cluster, GkeClient, Operation } from '../../src/clients/gke';

const grpcError = (code: number, msg: string) => Object.assign(new Error(msg), { code, details: msg });

export class FakeGke implements GkeClient {
  clusters = new Map<string, Cluster>();
  ops = new Map<string, { op: Operation; pollsLeft: number; onDone: () => void }>();
  calls: string[] = [];
  /** Errors to throw from the next call of a method. */
  failNext = new Map<string, Error>();
  /** Polls an operation takes before DONE. */
  polls = 2;
  private n = 0;

  private maybeFail(method: string) {
    this.calls.push(method);
    const e = this.failNext.get(method);
    if (e) {
      this.failNext.delete(method);
      throw e;
    }
  }

  private startOp(
    parent: string,
    type: string,
    onDone: () => void,
    error?: { code: number; message: string },
  ): Operation {
    const name = `operation-${++this.n}`;
    const op: Operation = {
      name,
      operationType: type as Operation['operationType'],
      status: 'RUNNING' as unknown as Operation['status'],
      ...(error ? { error } : {}),
    };
    this.ops.set(`${parent}/operations/${name}`, { op, pollsLeft: this.polls, onDone });
    return { ...op };
  }

  async getCluster(name: string) {
    this.maybeFail('getCluster');
    const c = this.clusters.get(name);
    if (!c) throw grpcError(5, `cluster ${name} not found`);
    return c;
  }
  async listClusters() {
    return [...this.clusters.values()];
  }
  async createCluster(parent: string, cluster: Cluster) {
    this.maybeFail('createCluster');
    const name = `${parent}/clusters/${cluster.name}`;
    if (this.clusters.has(name)) throw grpcError(6, 'already exists');
    this.clusters.set(name, { ...cluster, status: 'PROVISIONING' as unknown as Cluster['status'], endpoint: '' });
    return this.startOp(parent, 'CREATE_CLUSTER', () =>
      this.clusters.set(name, {
        ...this.clusters.get(name)!,
        status: 'RUNNING' as unknown as Cluster['status'],
        endpoint: '10.0.0.1',
      }),
    );
  }
  async deleteCluster(name: string) {
    this.maybeFail('deleteCluster');
    if (!this.clusters.has(name)) throw grpcError(5, 'not found');
    return this.startOp(name.split('/clusters/')[0]!, 'DELETE_CLUSTER', () => this.clusters.delete(name));
  }
  async setNodePoolSize(name: string, nodeCount: number) {
    this.maybeFail('setNodePoolSize');
    const [cluster, pool] = name.split('/nodePools/') as [string, string];
    const c = this.clusters.get(cluster);
    const p = c?.nodePools?.find((x) => x.name === pool);
    if (!p) throw grpcError(5, 'node pool not found');
    return this.startOp(cluster.split('/clusters/')[0]!, 'SET_NODE_POOL_SIZE', () => (p.initialNodeCount = nodeCount));
  }
  async setLabels(name: string, resourceLabels: Record<string, string>, labelFingerprint: string) {
    this.maybeFail('setLabels');
    const c = this.clusters.get(name);
    if (!c) throw grpcError(5, 'not found');
    if ((c.labelFingerprint ?? '') !== labelFingerprint) throw grpcError(9, 'fingerprint mismatch');
    return this.startOp(name.split('/clusters/')[0]!, 'SET_LABELS', () =>
      this.clusters.set(name, { ...c, resourceLabels, labelFingerprint: `${labelFingerprint}+` }),
    );
  }
  async getOperation(name: string) {
    this.maybeFail('getOperation');
    const o = this.ops.get(name);
    if (!o) throw grpcError(5, 'operation not found');
    if (o.pollsLeft-- <= 0 && o.op.status !== 'DONE') {
      o.op.status = 'DONE' as unknown as Operation['status'];
      if (!o.op.error) o.onDone();
    }
    return { ...o.op };
  }
  async close() {}
}
